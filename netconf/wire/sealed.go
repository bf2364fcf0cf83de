package wire

// The sealed envelope of a private group (docs/SECURITY.md):
//
//	0  magic[4] | version 1 | kind 0x80 SEALED | flags 0 | reserved 0
//	8  key id[4]
//	12 nonce[24]
//	36 XChaCha20-Poly1305(packet number u64 | inner datagram) | tag[16]
//
// This package owns the layout; the cryptography is elsewhere (seal),
// behind SealedPrefix.
const (
	// KindSealed marks a sealed datagram: its first 8 bytes are
	// SealedPrefix, the rest is the envelope.
	KindSealed Kind = 0x80
	// SealedHeader is the clear part authenticated as associated data.
	SealedHeader = 36
	// SealOverhead is what sealing adds: header, packet number, tag.
	SealOverhead = SealedHeader + 8 + 16
	// MaxInnerDatagram is the largest datagram that still fits MaxDatagram
	// once sealed; the engine sizes text for it, keyed or not.
	MaxInnerDatagram = MaxDatagram - SealOverhead
)

// SealedPrefix is the first 8 bytes of every sealed datagram.
var SealedPrefix = [8]byte{Magic[0], Magic[1], Magic[2], Magic[3], Version, byte(KindSealed), 0, 0}

// IsSealed reports whether b looks like a sealed Groupcast datagram.
func IsSealed(b []byte) bool {
	return len(b) >= SealedHeader && hasMagic(b) && b[4] == Version && Kind(b[5]) == KindSealed
}
