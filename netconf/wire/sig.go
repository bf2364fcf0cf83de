package wire

import (
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
)

// Sig is a presenter's signature of a datagram: the SIG extension (or
// SIG_MESSAGE, for a message that is not an announcement),
// `session u64 | signed i64 | Ed25519 signature [64]` (docs/PROTOCOL.md).
// Only DATA, REPAIR, PINNED and FILE_OFFER carry one.
type Sig struct {
	// Session is the presenter's run of the room: the version of the
	// room's entry (netconf.Room.Version), new at each start. A member
	// that has seen a later run refuses announcements signed for an
	// earlier one.
	Session uint64
	// Signed is when it was signed, Unix µs on the presenter's clock: the
	// datagram's time for DATA (and its REPAIR, the same datagram), the
	// time it was pinned again for PINNED. A member refuses what was
	// signed far from its own clock.
	Signed int64
	Value  []byte // the Ed25519 signature of SignedBytes; nil: not signed
	// Message: the presenter signed a DATA (and its REPAIR) as an
	// ordinary message of its own, not as an announcement: class 'M' in
	// what is signed, carried in the SIG_MESSAGE extension (0x03) instead
	// of SIG (0x02). The extension's type tells the receiver the one
	// class to verify, and the class is signed, so a message cannot be
	// passed off as an announcement, nor an announcement as a message.
	Message bool
}

// Present reports whether the datagram carries a signature.
func (s Sig) Present() bool { return s.Value != nil }

// Signature classes: what a signature says its datagram is, so that one
// signed as the one is never taken for the other.
const (
	classLive    = 'L' // DATA, and its REPAIR (the same datagram sent again): an announcement
	classPinned  = 'P' // PINNED: an earlier announcement, pinned again at Sig.Signed
	classFile    = 'F' // FILE_OFFER: a file the presenter offers, signed when sent
	classMessage = 'M' // DATA and REPAIR with Sig.Message: the presenter's message, not an announcement
)

// SignedBytes is what a presenter of room signs of p: a label with the
// wire version, the class of p (an announcement, pinned, a file's offer or
// the presenter's message), the room's name,
// the session and signing time, and everything that identifies and
// carries the message.
func SignedBytes(p *Packet, room string) []byte {
	class := byte(classLive)
	switch {
	case p.Kind == KindPinned:
		class = classPinned
	case p.Kind == KindFileOffer:
		class = classFile
	case p.Sig.Message:
		class = classMessage
	}
	b := make([]byte, 0, 80+len(room)+len(p.Nick)+len(p.Body))
	b = append(b, "groupcast/v2 sig\x00"...)
	b = append(b, class)
	b = binary.BigEndian.AppendUint16(b, uint16(min(len(room), 0xffff)))
	b = append(b, room[:min(len(room), 0xffff)]...)
	b = binary.BigEndian.AppendUint64(b, p.Sig.Session)
	b = binary.BigEndian.AppendUint64(b, uint64(p.Sig.Signed))
	b = append(b, p.Sender[:]...)
	b = binary.BigEndian.AppendUint64(b, p.Seq)
	b = binary.BigEndian.AppendUint64(b, uint64(p.Time))
	b = append(b, byte(len(p.Nick)))
	b = append(b, p.Nick...)
	b = binary.BigEndian.AppendUint16(b, p.Frag.Index)
	b = binary.BigEndian.AppendUint16(b, p.Frag.Count)
	return append(b, p.Body...)
}

// Sign signs p as the presenter of room, in session, at signed (Unix
// µs; for DATA and FILE_OFFER it must be p.Time): a DATA as an
// announcement.
func Sign(p *Packet, key ed25519.PrivateKey, room string, session uint64, signed int64) {
	sign(p, key, room, Sig{Session: session, Signed: signed})
}

// SignMessage signs p, a DATA, as the presenter's ordinary message (not
// an announcement) of room, in session, at signed (p.Time).
func SignMessage(p *Packet, key ed25519.PrivateKey, room string, session uint64, signed int64) {
	sign(p, key, room, Sig{Session: session, Signed: signed, Message: true})
}

func sign(p *Packet, key ed25519.PrivateKey, room string, s Sig) {
	p.Sig = s
	p.Sig.Value = ed25519.Sign(key, SignedBytes(p, room))
}

// Verify reports whether p carries a signature of key for room that fits
// its kind and the class its extension names: a DATA or REPAIR signed when
// it was sent (as an announcement, or as a message), a FILE_OFFER signed
// when it was sent, or a PINNED. Whether it is fresh (its session and
// signing time) is the receiver's to judge.
func Verify(p *Packet, key ed25519.PublicKey, room string) bool {
	switch {
	case len(p.Sig.Value) != ed25519.SignatureSize || len(key) != ed25519.PublicKeySize || !p.Kind.signable():
		return false
	case p.Sig.Message && !p.Kind.textFirst():
		return false
	case p.Kind != KindPinned && p.Sig.Signed != p.Time:
		return false
	}
	return ed25519.Verify(key, SignedBytes(p, room), p.Sig.Value)
}

// Repin appends to dst the PINNED form of b, a signed whole-message DATA
// datagram we sent as an announcement: the same message in the same
// session, signed again, as pinned, at signed. Only the presenter can make
// one, so a recording of its DATA cannot be shown as pinned, nor an old
// pin as a fresh one. The presenter's messages are not pinned.
func Repin(dst, b []byte, key ed25519.PrivateKey, room string, signed int64) ([]byte, error) {
	p, err := Decode(b)
	if err != nil {
		return dst, err
	}
	if p.Kind != KindData || !p.Sig.Present() || p.Sig.Message || p.Frag.Count != 0 {
		return dst, fmt.Errorf("%w: only an announcement in one DATA can be pinned, not this %s", ErrMalformed, p.Kind)
	}
	p.Kind = KindPinned
	Sign(&p, key, room, p.Sig.Session, signed)
	return AppendEncode(dst, &p)
}

// VersionError is a Groupcast datagram of a wire version this code does
// not speak.
type VersionError struct{ Got uint8 }

func (e *VersionError) Error() string {
	return fmt.Sprintf("%v %d (this program speaks %d)", ErrVersion, e.Got, Version)
}

func (e *VersionError) Unwrap() error { return ErrVersion }

// VersionOf is the wire version a Groupcast datagram (sealed or not)
// says it has; ok is false when b is not one of ours.
func VersionOf(b []byte) (v uint8, ok bool) {
	at, ok := headerAt(b)
	if !ok || len(b) < at+5 {
		return 0, false
	}
	return b[at+4], true
}
