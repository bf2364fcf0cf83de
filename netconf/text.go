package netconf

import (
	"fmt"
	"unicode/utf8"
)

// The longest message is decided here, and only here: front ends ask
// (TextLimit, CheckText) instead of knowing datagram sizes.

// TextLimit is the longest message cfg can send, in bytes: 64 KiB
// (fragmented); a presenter's signed pieces carry less each, so 54 of them
// hold 62 910 bytes; bare text for classic tools is one datagram of 1 400
// bytes once encoded.
func TextLimit(cfg Config) int {
	switch {
	case cfg.Plain:
		return MaxDatagram
	case cfg.Presenter != nil:
		return MaxFragments * MaxSignedText
	}
	return MaxMessage
}

// CheckText says why text cannot be sent as one message with cfg (an
// *InputError whose message is a sentence), or nil.
func CheckText(cfg Config, text string) error {
	if !utf8.ValidString(text) {
		return inputErr("text", "the message is not valid UTF-8 text")
	}
	if cfg.Plain {
		b, err := EncodePlain(text, cfg.Encoding)
		if err != nil {
			return err
		}
		if len(b) > MaxDatagram {
			return inputErr("text", "a plain-text message is sent in one datagram of at most %d bytes; this one is %d", MaxDatagram, len(b))
		}
		return nil
	}
	if limit := TextLimit(cfg); len(text) > limit {
		kib := ""
		if limit%1024 == 0 {
			kib = fmt.Sprintf(" (%d KiB)", limit/1024)
		}
		return inputErr("text", "the message is %d bytes; at most %d bytes%s fit in one message", len(text), limit, kib)
	}
	return nil
}
