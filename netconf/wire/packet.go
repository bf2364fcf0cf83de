// Package wire is Groupcast's wire format (docs/PROTOCOL.md): every kind
// of datagram as pure code, an Append (encode) and a Parse (decode) for
// each, no I/O. A datagram's kind is set and read only through this
// package. It imports nothing of the project, so anything may use it: the
// engine, tests, and tools that craft datagrams.
package wire

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Wire format v3; docs/PROTOCOL.md is the reference and must change with it.

// Magic opens every Groupcast datagram. Its first byte is not valid UTF-8
// on its own, so a datagram from a plain text tool is never mistaken for
// ours.
var Magic = [4]byte{0x89, 'G', 'C', 'S'}

const (
	// Version is the wire format version this code speaks. Version 2
	// changed what a presenter's signature covers (sig.go), version 3 put a
	// message's text first (docs/INTEROP.md, mixed rooms); a datagram of
	// any other version is refused whole (VersionOf says which it was).
	Version = 3
	// MaxDatagram bounds every datagram we send or accept, so that one
	// datagram crosses a 1400-byte path MTU without IP fragmentation;
	// all but a file's blocks.
	MaxDatagram = 1400
	// MaxFileDatagram bounds a FILE_BLOCK and a CATCHUP (sealed or not): an Ethernet
	// MTU of 1 500 less the IPv4 and UDP headers. A sender sizes its
	// blocks for the interface's MTU, up to this: on the LAN a file
	// takes 5% fewer datagrams than at MaxDatagram.
	MaxFileDatagram = 1472
	// MaxNickBytes bounds the nickname's UTF-8 encoding.
	MaxNickBytes = 64
	// HeaderSize is the fixed part before the nickname.
	HeaderSize = 33
	// MaxText is the longest DATA text that fits in one datagram whatever
	// the nickname, sealed or not: 1340 - 1 (the NUL after the text) - 33
	// - 64 - 2 - 2. Longer text is fragmented (SplitText).
	MaxText = MaxInnerDatagram - 1 - HeaderSize - MaxNickBytes - 2 - 2
	// MaxFragmentText is the text carried by one fragment (the FRAG
	// extension takes 7 bytes).
	MaxFragmentText = MaxText - fragExtSize
	// MaxMessage is the longest text a message may have: 64 KiB, sent as
	// up to 54 fragments.
	MaxMessage = 64 << 10
	// MaxFragments bounds the fragment count a receiver accepts. Pieces
	// are cut between characters, so each may be up to 3 bytes short.
	MaxFragments = (MaxMessage + MaxFragmentText - 4) / (MaxFragmentText - 3)

	ExtFrag     = 0x81 // critical: index u16, count u16
	fragExtSize = 3 + 4
	extSig      = 0x02 // not critical: a presenter's signature of an announcement (Sig)
	// extSigMessage is not critical: a presenter's signature of an
	// ordinary message (Sig.Message), the same value as extSig. A member
	// that does not know it skips it and sees an unsigned message.
	extSigMessage = 0x03
	sigValue      = 8 + 8 + 64
	sigExtSize    = 3 + sigValue
	// MaxSignedText is the text of one signed (presenter) piece, and
	// MaxSignedWhole of a signed message in one datagram.
	MaxSignedText  = MaxFragmentText - sigExtSize
	MaxSignedWhole = MaxText - sigExtSize

	// critical marks an extension type a receiver must understand.
	extCritical = 0x80
)

// CompanionPort is the port where a group's members send all but their
// messages (docs/PROTOCOL.md, "Transport"): the group's port + 1, as RTCP
// goes beside RTP (RFC 3550), and 65534 for port 65535. A classic tool on
// the group's port sees only the messages, each beginning with its text.
func CompanionPort(port uint16) uint16 {
	if port == 65535 {
		return 65534
	}
	return port + 1
}

// Kind says what a datagram carries.
type Kind uint8

// Kinds of datagram (docs/PROTOCOL.md, "Kinds"). A kind this version does
// not know is decoded, so a newer peer's traffic is recognised and
// ignored, not shown as garbage.
const (
	KindData      Kind = 1
	KindHello     Kind = 2
	KindHeartbeat Kind = 3
	KindLeave     Kind = 4
	KindNack      Kind = 5
	KindRepair    Kind = 6
	KindReceipt   Kind = 7 // a member received a presenter's announcements up to seq
	KindPinned    Kind = 8 // an earlier announcement re-sent for members who joined after it
	// Files to the room (netconf/internal/fileshare, docs/FILES.md), on the companion port.
	KindFileOffer Kind = 9  // a file offered: id, size, block size, SHA-256, name
	KindFileBlock Kind = 10 // one block of a file; seq is its index
	KindFileNack  Kind = 11 // the blocks of a file a receiver lacks
	KindFileDone  Kind = 12 // a receiver has the file, or failed to get it

	KindCatchUpAsk Kind = 13 // a member that joined asks for what it missed since a time
	KindCatchUp    Kind = 14 // a message another member keeps, re-sent for one that missed it
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
	case KindReceipt:
		return "receipt"
	case KindPinned:
		return "pinned"
	case KindFileOffer:
		return "file_offer"
	case KindFileBlock:
		return "file_block"
	case KindFileNack:
		return "file_nack"
	case KindFileDone:
		return "file_done"
	case KindCatchUpAsk:
		return "catchup_ask"
	case KindCatchUp:
		return "catchup"
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
	// Seq is the DATA/REPAIR sequence number (from 1); in HELLO,
	// HEARTBEAT and LEAVE it is the sender's highest DATA seq so far.
	Seq  uint64
	Time int64 // sender's clock, Unix microseconds
	Nick string
	Frag Frag   // DATA and REPAIR: which piece of a longer message
	Sig  Sig    // a presenter's signature (DATA, REPAIR, PINNED, FILE_OFFER), or none; Sig.Message: of a message, not an announcement
	Body []byte // UTF-8 text for DATA and REPAIR (of the whole message once reassembled)
}

// Frag places a DATA datagram within a fragmented message: Count pieces
// in consecutive sequence numbers, this one at Index. Count 0 means the
// datagram is a whole message.
type Frag struct {
	Index, Count uint16
}

func (k Kind) carriesText() bool { return k == KindData || k == KindRepair || k == KindPinned }

// signable reports whether a datagram of kind k may carry a presenter's
// signature: what carries text, and a file's offer.
func (k Kind) signable() bool { return k.carriesText() || k == KindFileOffer }

// textFirst: a DATA, and its REPAIR (the same datagram sent again), are
// laid out text first: the text, a NUL, then the header, so a classic
// tool that prints the datagram as a C string prints the text.
func (k Kind) textFirst() bool { return k == KindData || k == KindRepair }

// mayBeLarge: a FILE_BLOCK, sized for the interface, and a CATCHUP,
// which carries a whole DATA, may be up to MaxFileDatagram bytes; every
// other kind at most MaxDatagram.
func (k Kind) mayBeLarge() bool { return k == KindFileBlock || k == KindCatchUp }

// Decode errors. A datagram that is not ours yields ErrNotGroupcast, so a
// caller can tell a foreign datagram from a damaged one of ours.
var (
	ErrNotGroupcast = errors.New("not a Groupcast datagram")
	ErrVersion      = errors.New("unsupported Groupcast wire version") // a *VersionError says which
	ErrMalformed    = errors.New("malformed Groupcast datagram")
	ErrTooLarge     = errors.New("datagram larger than 1400 bytes (1472 for a file's block)")
	ErrBadNick      = errors.New("nickname is not 1-64 bytes of printable UTF-8")
	ErrBadText      = errors.New("text is not valid UTF-8")
	ErrNUL          = errors.New("text contains a NUL character, which ends text for classic tools")
)

// IsGroupcast reports whether b is one of ours, whatever its version: it
// starts with our magic, or (a message, text first) its first NUL is
// followed by it.
func IsGroupcast(b []byte) bool {
	_, ok := headerAt(b)
	return ok
}

// headerAt is where b's header (the magic) starts: 0, or just after the
// text and its NUL.
func headerAt(b []byte) (int, bool) {
	if hasMagic(b) {
		return 0, true
	}
	if i := bytes.IndexByte(b, 0); i >= 0 && hasMagic(b[i+1:]) {
		return i + 1, true
	}
	return 0, false
}

func hasMagic(b []byte) bool { return len(b) >= len(Magic) && [4]byte(b[:4]) == Magic }

// AppendEncode appends p's wire form to dst. It fails, leaving dst as it
// was, when p would not fit in MaxDatagram or its nickname or text are not
// valid.
func AppendEncode(dst []byte, p *Packet) ([]byte, error) {
	if err := ValidNick(p.Nick); err != nil {
		return dst, err
	}
	if p.Kind.carriesText() && p.Frag.Count == 0 && !utf8.Valid(p.Body) {
		return dst, ErrBadText
	}
	if p.Kind.textFirst() && bytes.IndexByte(p.Body, 0) >= 0 {
		return dst, ErrNUL
	}
	if p.Frag.Count > 0 && (p.Frag.Index >= p.Frag.Count || int(p.Frag.Count) > MaxFragments || !p.Kind.carriesText()) {
		return dst, fmt.Errorf("%w: fragment %d of %d", ErrMalformed, p.Frag.Index, p.Frag.Count)
	}
	ext := 0
	if p.Frag.Count > 0 {
		ext = fragExtSize
	}
	if p.Sig.Present() {
		if len(p.Sig.Value) != ed25519.SignatureSize || !p.Kind.signable() || p.Sig.Message && !p.Kind.textFirst() {
			return dst, fmt.Errorf("%w: a %d-byte signature of a %s", ErrMalformed, len(p.Sig.Value), p.Kind)
		}
		ext += sigExtSize
	}
	size := HeaderSize + len(p.Nick) + 2 + ext + 2 + len(p.Body)
	if p.Kind.textFirst() {
		size++
	}
	if size > MaxDatagram && (!p.Kind.mayBeLarge() || size > MaxFileDatagram) || len(p.Body) > 0xffff {
		return dst, fmt.Errorf("%w: %d bytes", ErrTooLarge, size)
	}
	if p.Kind.textFirst() {
		dst = append(append(dst, p.Body...), 0)
	}
	dst = append(dst, Magic[:]...)
	dst = append(dst, Version, byte(p.Kind), 0, 0) // flags and reserved are 0
	dst = append(dst, p.Sender[:]...)
	dst = binary.BigEndian.AppendUint64(dst, p.Seq)
	dst = binary.BigEndian.AppendUint64(dst, uint64(p.Time))
	dst = append(dst, byte(len(p.Nick)))
	dst = append(dst, p.Nick...)
	dst = binary.BigEndian.AppendUint16(dst, uint16(ext))
	if p.Frag.Count > 0 {
		dst = append(dst, ExtFrag, 0, 4)
		dst = binary.BigEndian.AppendUint16(dst, p.Frag.Index)
		dst = binary.BigEndian.AppendUint16(dst, p.Frag.Count)
	}
	if p.Sig.Present() {
		dst = appendSig(dst, p.Sig)
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(p.Body)))
	if !p.Kind.textFirst() {
		dst = append(dst, p.Body...)
	}
	return dst, nil
}

// appendSig appends the signature extension: SIG, or SIG_MESSAGE for
// the presenter's message.
func appendSig(dst []byte, s Sig) []byte {
	typ := byte(extSig)
	if s.Message {
		typ = extSigMessage
	}
	dst = append(dst, typ, 0, sigValue)
	dst = binary.BigEndian.AppendUint64(dst, s.Session)
	dst = binary.BigEndian.AppendUint64(dst, uint64(s.Signed))
	return append(dst, s.Value...)
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
