package wire

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// Catch-up (docs/PROTOCOL.md, "Catch-up"): a member that joins asks for
// what was said since it last kept something (CATCHUP_ASK); members that
// keep history answer with each message as it came, a DATA whole inside
// a CATCHUP of their own.

const catchUpAskSize = 8

// AppendCatchUpAsk appends a CATCHUP_ASK's body: since when, Unix µs on
// the asker's clock.
func AppendCatchUpAsk(dst []byte, since int64) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(since))
}

// ParseCatchUpAsk reads a CATCHUP_ASK's body.
func ParseCatchUpAsk(body []byte) (since int64, err error) {
	if len(body) != catchUpAskSize {
		return 0, fmt.Errorf("%w: catch-up ask of %d bytes", ErrMalformed, len(body))
	}
	return int64(binary.BigEndian.Uint64(body)), nil
}

// catchUpOverhead is a CATCHUP's bytes besides its nickname and the DATA
// it carries: the fixed header and the extension and body lengths.
const catchUpOverhead = HeaderSize + 2 + 2

// CatchUpNick is the nickname a member answering a catch-up puts on a
// CATCHUP carrying data (a DATA of dataLen bytes), sealed or not: its
// own, cut (between characters) so that the CATCHUP fits
// MaxFileDatagram. Every DATA a member may send (at most
// MaxInnerDatagram) fits with a nickname of 35 bytes; "" when data
// cannot fit at all.
func CatchUpNick(nick string, dataLen int, sealed bool) string {
	room := MaxFileDatagram - catchUpOverhead - dataLen
	if sealed {
		room -= SealOverhead
	}
	if room < 1 || dataLen > MaxDatagram {
		return ""
	}
	for len(nick) > room {
		_, n := utf8.DecodeLastRuneInString(nick)
		nick = nick[:len(nick)-n]
	}
	if nick == "" {
		return "~"
	}
	return nick
}

// ParseCatchUp reads a CATCHUP's body: one DATA datagram, whole, as its
// sender sent it (Body aliases body). Anything else inside is malformed.
func ParseCatchUp(body []byte) (Packet, error) {
	p, err := Decode(body)
	if err != nil {
		return Packet{}, fmt.Errorf("%w: catch-up of a bad datagram: %w", ErrMalformed, err)
	}
	if p.Kind != KindData || p.Seq == 0 {
		return Packet{}, fmt.Errorf("%w: catch-up of a %s", ErrMalformed, p.Kind)
	}
	return p, nil
}
