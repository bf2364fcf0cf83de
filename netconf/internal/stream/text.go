package stream

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/groupcast/groupcast/netconf/internal/input"
	"github.com/groupcast/groupcast/netconf/wire"
)

// The longest message is decided here, and only here: front ends ask
// (netconf.TextLimit, netconf.CheckText) instead of knowing datagram
// sizes.

// TextLimit is the longest message cfg can send, in bytes: 64 KiB
// (fragmented); a presenter's signed pieces carry less each, so 54 of them
// hold 61 830 bytes (each may end up to 3 bytes short, between characters); bare text for classic tools is one datagram of 1 400
// bytes once encoded.
func TextLimit(plain, presenter bool) int {
	switch {
	case plain:
		return wire.MaxDatagram
	case presenter:
		return wire.MaxFragments * (wire.MaxSignedText - (utf8.UTFMax - 1)) // pieces end between characters
	}
	return wire.MaxMessage
}

// CheckText says why text cannot be sent as one message by a member
// sending bare text (plain) with encoding, or as a presenter (an
// *InputError whose message is a sentence), or nil.
func CheckText(plain, presenter bool, encoding, text string) error {
	if !utf8.ValidString(text) {
		return input.Errorf("text", "the message is not valid UTF-8 text")
	}
	if plain {
		b, err := wire.EncodePlain(text, encoding)
		if err != nil {
			if err := ValidEncoding(encoding); err != nil {
				return err
			}
			return input.Errorf("text", "the message has characters that %s cannot write; send it as UTF-8", strings.ToUpper(encoding))
		}
		if len(b) > wire.MaxDatagram {
			return input.Errorf("text", "a plain-text message is sent in one datagram of at most %d bytes; this one is %d", wire.MaxDatagram, len(b))
		}
		return nil
	}
	if strings.IndexByte(text, 0) >= 0 {
		return input.Errorf("text", "the message contains a NUL character, which classic programs take for its end; remove it")
	}
	if limit := TextLimit(plain, presenter); len(text) > limit {
		kib := ""
		if limit%1024 == 0 {
			kib = fmt.Sprintf(" (%d KiB)", limit/1024)
		}
		return input.Errorf("text", "the message is %d bytes; at most %d bytes%s fit in one message", len(text), limit, kib)
	}
	return nil
}

// ValidEncoding checks an encoding of plain text ("", "utf-8" or "gbk").
func ValidEncoding(e string) error {
	if !wire.ValidEncoding(e) {
		return input.Errorf("encoding", "unknown encoding %q; use auto, utf-8 or gbk", e)
	}
	return nil
}
