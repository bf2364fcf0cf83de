package wire

import (
	"bytes"
	"cmp"
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

// DecodePlain makes text of a bare datagram from a classic tool, with no
// knowledge of its sender: DecodePlainAs with no preference.
func DecodePlain(b []byte) (text, encoding string) { return DecodePlainAs(b, "") }

// DecodePlainAs makes text of a bare datagram from a classic tool. The
// text ends at the first NUL (C tools send a buffer that held a longer
// message before, and print up to the NUL), and trailing CR/LF are
// trimmed. Then it is read as UTF-8 or as GB18030 (GBK's superset, common
// on Chinese Windows): prefer (EncodingUTF8 or EncodingGBK, the user's
// setting or what this sender was seen to use) wins when the bytes are
// valid in it; otherwise the reading that is plausible (plausiblyGB).
// Bytes that are neither are shown escaped, marked binary, so nothing
// unprintable reaches a screen.
func DecodePlainAs(b []byte, prefer string) (text, encoding string) {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	b = bytes.TrimRight(b, "\r\n")
	asUTF8, utf8OK := "", utf8.Valid(b)
	if utf8OK {
		asUTF8 = string(b)
		utf8OK = printable(asUTF8)
	}
	asGB, gbOK := "", false
	if !isASCII(b) {
		if s, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b); err == nil {
			asGB = string(s)
			gbOK = !strings.ContainsRune(asGB, utf8.RuneError) && printable(asGB)
		}
	}
	switch {
	case utf8OK && gbOK && (prefer == EncodingGBK || prefer == EncodingGB || prefer == "" && plausiblyGB(b, asUTF8)):
		return asGB, EncodingGB
	case utf8OK:
		return asUTF8, EncodingUTF8
	case gbOK:
		return asGB, EncodingGB
	}
	q := strconv.QuoteToGraphic(string(b))
	return q[1 : len(q)-1], EncodingBinary
}

// plausiblyGB decides between the two readings of bytes valid both as
// UTF-8 (read as u) and as GBK: short Chinese texts often are, 682 of the
// 3 755 most common hanzi alone among them (谢谢 reads as "лл" in UTF-8,
// 忙 as "æ", 路 as "·"). GBK wins when every non-ASCII character is from
// GB2312 (both bytes A1-FE: the hanzi and punctuation Chinese tools send)
// and the UTF-8 reading has none but two-byte characters, none of them a
// Latin letter or sign in a word or number (é in "café", £ in "£5"): such
// a UTF-8 reading is a lone Latin, Greek or Cyrillic character or a run of
// them between Chinese-looking bytes, rarely what anyone writes.
func plausiblyGB(b []byte, u string) bool {
	for i := 0; i < len(b); i++ {
		if b[i] < 0x80 {
			continue
		}
		if i+1 >= len(b) || b[i] < 0xa1 || b[i] == 0xff || b[i+1] < 0xa1 || b[i+1] == 0xff {
			return false // not GB2312's two-byte range
		}
		i++
	}
	prev := rune(0)
	rs := []rune(u)
	for i, r := range rs {
		if r >= 0x800 {
			return false // a three-byte UTF-8 character: UTF-8 text
		}
		next := rune(0)
		if i+1 < len(rs) {
			next = rs[i+1]
		}
		if r >= 0xa0 && r <= 0x24f && (asciiAlnum(prev) || asciiAlnum(next)) {
			return false // Latin in a word or a number
		}
		prev = r
	}
	return true
}

func asciiAlnum(r rune) bool {
	return r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// Charsets remembers, per classic sender, the encoding its text was last
// seen to be in without doubt (invalid as UTF-8: GBK; with a character
// UTF-8 writes in three bytes or more: UTF-8), so its short texts that
// could be either are read the same way. It holds at most limit senders,
// forgetting the one heard least recently.
type Charsets[K comparable] struct {
	limit int
	tick  uint64
	by    map[K]charset
}

type charset struct {
	enc  string
	seen uint64
}

// NewCharsets makes an empty table for at most limit senders.
func NewCharsets[K comparable](limit int) *Charsets[K] {
	return &Charsets[K]{limit: max(limit, 1), by: map[K]charset{}}
}

// Decode reads b from sender with setting (the group's encoding:
// EncodingUTF8 or EncodingGBK, or "" for automatic) and learns from it.
func (c *Charsets[K]) Decode(sender K, b []byte, setting string) (text, encoding string) {
	prefer := setting
	if prefer == "" {
		prefer = c.by[sender].enc
	}
	text, encoding = DecodePlainAs(b, prefer)
	sure := ""
	switch {
	case encoding == EncodingGB && !utf8.Valid(b):
		sure = EncodingGBK
	case encoding == EncodingUTF8 && strings.IndexFunc(text, func(r rune) bool { return r >= 0x800 }) >= 0:
		sure = EncodingUTF8
	}
	c.tick++
	if old, ok := c.by[sender]; ok {
		c.by[sender] = charset{enc: cmp.Or(sure, old.enc), seen: c.tick}
	} else if sure != "" {
		if len(c.by) >= c.limit {
			c.evict()
		}
		c.by[sender] = charset{enc: sure, seen: c.tick}
	}
	return text, encoding
}

func (c *Charsets[K]) evict() {
	var oldest K
	first := true
	for k, v := range c.by {
		if first || v.seen < c.by[oldest].seen {
			oldest, first = k, false
		}
	}
	delete(c.by, oldest)
}

// Len is how many senders are remembered.
func (c *Charsets[K]) Len() int { return len(c.by) }

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
