package wire

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// Encodings of plain text (classic multicast tools send bare text).
const (
	EncodingUTF8   = "utf-8"
	EncodingGBK    = "gbk"     // what we send for "gbk"; GB18030 is its superset
	EncodingGB     = "gb18030" // what a received non-UTF-8 text decoded as
	EncodingBinary = "binary"  // not text: shown escaped
)

// DecodePlain makes text of a bare datagram from a classic tool: trailing
// NULs and CR/LF (C programs often send them) are trimmed; then UTF-8 when
// valid, else GB18030 (GBK's superset, common on Chinese Windows), else the
// bytes escaped so nothing unprintable reaches a screen.
func DecodePlain(b []byte) (text, encoding string) {
	b = bytes.TrimRight(b, "\x00\r\n")
	if utf8.Valid(b) && printable(string(b)) {
		return string(b), EncodingUTF8
	}
	if !utf8.Valid(b) {
		if s, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b); err == nil {
			if t := string(s); !strings.ContainsRune(t, utf8.RuneError) && printable(t) {
				return t, EncodingGB
			}
		}
	}
	q := strconv.QuoteToGraphic(string(b))
	return q[1 : len(q)-1], EncodingBinary
}

// printable: no control characters but tab and line breaks.
func printable(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
			return false
		}
	}
	return true
}

// Plain text errors.
var (
	ErrUnencodable     = errors.New("the text has characters the encoding cannot write")
	ErrUnknownEncoding = errors.New("unknown encoding")
)

// EncodePlain turns text into the bytes a classic tool expects.
func EncodePlain(text, encoding string) ([]byte, error) {
	switch encoding {
	case "", EncodingUTF8:
		return []byte(text), nil
	case EncodingGBK, EncodingGB:
		b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(text))
		if err != nil {
			return nil, ErrUnencodable
		}
		return b, nil
	}
	return nil, ErrUnknownEncoding
}

// ValidEncoding reports whether e is an encoding plain text can be sent
// in ("" is UTF-8).
func ValidEncoding(e string) bool {
	switch e {
	case "", EncodingUTF8, EncodingGBK:
		return true
	}
	return false
}
