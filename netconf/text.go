package netconf

import "github.com/groupcast/groupcast/netconf/internal/stream"

// TextLimit is the longest message cfg can send, in bytes: 64 KiB
// (fragmented); a presenter's signed pieces carry less each; bare text for
// classic tools is one datagram of 1 400 bytes once encoded.
func TextLimit(cfg Config) int { return stream.TextLimit(cfg.Plain, cfg.Presenter != nil) }

// CheckText says why text cannot be sent as one message with cfg (an
// *InputError whose message is a sentence), or nil.
func CheckText(cfg Config, text string) error {
	return stream.CheckText(cfg.Plain, cfg.Presenter != nil, cfg.Encoding, text)
}

// ValidEncoding checks an encoding of plain text ("", "utf-8" or "gbk").
func ValidEncoding(e string) error { return stream.ValidEncoding(e) }
