package netconf

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Wire format v1; docs/PROTOCOL.md is the reference and must change with it.

// Magic opens every Groupcast datagram. Its first byte is not valid UTF-8
// on its own, so a datagram from a plain text tool is never mistaken for
// ours.
var Magic = [4]byte{0x89, 'G', 'C', 'S'}

const (
	// Version is the wire format version this code speaks.
	Version = 1
	// MaxDatagram bounds every datagram we send or accept, so that one
	// datagram crosses a 1400-byte path MTU without IP fragmentation.
	MaxDatagram = 1400
	// MaxNickBytes bounds the nickname's UTF-8 encoding.
	MaxNickBytes = 64
	// HeaderSize is the fixed part before the nickname.
	HeaderSize = 33
	// MaxText is the longest DATA body that fits in one datagram whatever
	// the nickname: 1400 - 33 - 64 - 2 - 2.
	MaxText = MaxDatagram - HeaderSize - MaxNickBytes - 2 - 2

	// critical marks an extension type a receiver must understand.
	extCritical = 0x80
)

// Kind says what a datagram carries.
type Kind uint8

// Kinds of datagram. Only KindData is sent by this version; the others are
// reserved for presence and repair (docs/PROTOCOL.md) and are decoded so
// that a newer peer's control traffic is recognised and ignored, not
// shown as garbage.
const (
	KindData      Kind = 1
	KindHello     Kind = 2
	KindHeartbeat Kind = 3
	KindLeave     Kind = 4
	KindNack      Kind = 5
	KindRepair    Kind = 6
)

func (k Kind) String() string {
	switch k {
	case KindData:
		return "data"
	case KindHello:
		return "hello"
	case KindHeartbeat:
		return "heartbeat"
	case KindLeave:
		return "leave"
	case KindNack:
		return "nack"
	case KindRepair:
		return "repair"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// SenderID identifies one sender for one membership. It is random, so two
// people with the same nickname, or the same person joining twice, are
// told apart.
type SenderID [8]byte

func (id SenderID) String() string { return hex.EncodeToString(id[:]) }

// IsZero reports whether id is the zero value, which is never sent.
func (id SenderID) IsZero() bool { return id == SenderID{} }

// Packet is one decoded datagram.
type Packet struct {
	Kind   Kind
	Sender SenderID
	Seq    uint64 // per sender, starting at 1
	Time   int64  // sender's clock, Unix microseconds
	Nick   string
	Body   []byte // UTF-8 text for KindData
}

// Decode errors. A datagram that is not ours yields ErrNotGroupcast, so a
// caller can tell a foreign datagram from a damaged one of ours.
var (
	ErrNotGroupcast = errors.New("not a Groupcast datagram")
	ErrVersion      = errors.New("unsupported Groupcast wire version")
	ErrMalformed    = errors.New("malformed Groupcast datagram")
	ErrTooLarge     = errors.New("datagram larger than 1400 bytes")
	ErrBadNick      = errors.New("nickname is not 1-64 bytes of printable UTF-8")
	ErrBadText      = errors.New("text is not valid UTF-8")
)

// IsGroupcast reports whether b starts with our magic, whatever its version.
func IsGroupcast(b []byte) bool {
	return len(b) >= len(Magic) && [4]byte(b[:4]) == Magic
}

// AppendEncode appends p's wire form to dst. It fails, leaving dst as it
// was, when p would not fit in MaxDatagram or its nickname or text are not
// valid.
func AppendEncode(dst []byte, p *Packet) ([]byte, error) {
	if err := ValidNick(p.Nick); err != nil {
		return dst, err
	}
	if p.Kind == KindData && !utf8.Valid(p.Body) {
		return dst, ErrBadText
	}
	size := HeaderSize + len(p.Nick) + 2 + 2 + len(p.Body)
	if size > MaxDatagram || len(p.Body) > 0xffff {
		return dst, fmt.Errorf("%w: %d bytes", ErrTooLarge, size)
	}
	dst = append(dst, Magic[:]...)
	dst = append(dst, Version, byte(p.Kind), 0, 0) // flags and reserved are 0 in v1
	dst = append(dst, p.Sender[:]...)
	dst = binary.BigEndian.AppendUint64(dst, p.Seq)
	dst = binary.BigEndian.AppendUint64(dst, uint64(p.Time))
	dst = append(dst, byte(len(p.Nick)))
	dst = append(dst, p.Nick...)
	dst = binary.BigEndian.AppendUint16(dst, 0) // no extensions in v1
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(p.Body)))
	dst = append(dst, p.Body...)
	return dst, nil
}

// Decode parses one datagram. It never panics, whatever b holds; Body
// aliases b.
func Decode(b []byte) (Packet, error) {
	var p Packet
	if !IsGroupcast(b) {
		return p, ErrNotGroupcast
	}
	if len(b) > MaxDatagram {
		return p, ErrTooLarge
	}
	if len(b) < HeaderSize {
		return p, fmt.Errorf("%w: %d-byte header", ErrMalformed, len(b))
	}
	if b[4] != Version {
		return p, fmt.Errorf("%w %d", ErrVersion, b[4])
	}
	p.Kind = Kind(b[5])
	if p.Kind == 0 {
		return p, fmt.Errorf("%w: kind 0", ErrMalformed)
	}
	// b[6] (flags) and b[7] (reserved) carry no meaning in v1: ignored, so
	// a later minor revision may define non-essential flags.
	copy(p.Sender[:], b[8:16])
	if p.Sender.IsZero() {
		return p, fmt.Errorf("%w: zero sender id", ErrMalformed)
	}
	p.Seq = binary.BigEndian.Uint64(b[16:24])
	p.Time = int64(binary.BigEndian.Uint64(b[24:32]))
	rest := b[32:]

	nickLen := int(rest[0])
	rest = rest[1:]
	if nickLen > len(rest) {
		return p, fmt.Errorf("%w: nickname runs past the end", ErrMalformed)
	}
	p.Nick = string(rest[:nickLen])
	if err := ValidNick(p.Nick); err != nil {
		return p, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	rest = rest[nickLen:]

	if len(rest) < 2 {
		return p, fmt.Errorf("%w: no extension length", ErrMalformed)
	}
	extLen := int(binary.BigEndian.Uint16(rest))
	rest = rest[2:]
	if extLen > len(rest) {
		return p, fmt.Errorf("%w: extensions run past the end", ErrMalformed)
	}
	if err := checkExtensions(rest[:extLen]); err != nil {
		return p, err
	}
	rest = rest[extLen:]

	if len(rest) < 2 {
		return p, fmt.Errorf("%w: no body length", ErrMalformed)
	}
	bodyLen := int(binary.BigEndian.Uint16(rest))
	rest = rest[2:]
	if bodyLen != len(rest) {
		return p, fmt.Errorf("%w: body length %d, %d bytes left", ErrMalformed, bodyLen, len(rest))
	}
	p.Body = rest
	if p.Kind == KindData && !utf8.Valid(p.Body) {
		return p, fmt.Errorf("%w: %w", ErrMalformed, ErrBadText)
	}
	return p, nil
}

// checkExtensions walks the type-length-value list. v1 defines no
// extension, so any critical one means the datagram needs a newer reader.
func checkExtensions(b []byte) error {
	for len(b) > 0 {
		if len(b) < 3 {
			return fmt.Errorf("%w: truncated extension", ErrMalformed)
		}
		typ, n := b[0], int(binary.BigEndian.Uint16(b[1:3]))
		if n > len(b)-3 {
			return fmt.Errorf("%w: extension %#x runs past the end", ErrMalformed, typ)
		}
		if typ&extCritical != 0 {
			return fmt.Errorf("%w: needs extension %#x", ErrVersion, typ)
		}
		b = b[3+n:]
	}
	return nil
}

// ValidNick reports whether nick can be sent: 1-64 bytes of UTF-8 with no
// control characters, so it is safe to print on any terminal.
func ValidNick(nick string) error {
	if nick == "" || len(nick) > MaxNickBytes || !utf8.ValidString(nick) {
		return ErrBadNick
	}
	for _, r := range nick {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ErrBadNick
		}
	}
	return nil
}
