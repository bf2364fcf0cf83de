package wire

import (
	"encoding/binary"
	"net/netip"
)

// Forwarding across networks (docs/BRIDGE.md). A datagram that crossed
// from another network, through a bridge or a NATS server, carries a
// trailer after its last byte, which its sender never sees:
//
//	datagram | 0x00 | net id[8] | IPv4 source[4] | port[2] | 0x89 'G' 'F' 1
//
// The datagram is unchanged (sealed, signed, or a classic tool's bare
// text), and the NUL keeps a C program that prints the text from
// printing the trailer. Net is the id of the network the datagram was
// first sent on and Source its sender's socket there (0.0.0.0:0 for a
// member that joined through NATS, whose net id is its own). The pair is
// a claim, like every field: a member takes it only from a computer it
// heard as a bridge, and binds the sender to the pair, never to the
// bridge (Label).
//
// A bridge's beacon (Beacon) says, on its own network, that it forwards
// and which network id it uses.
const (
	ForwardTrailer  = 1 + 8 + 4 + 2 + 4
	forwardVersion  = 1
	MaxForwardInner = MaxFileDatagram
	// MaxForwarded is the largest datagram with its trailer.
	MaxForwarded = MaxForwardInner + ForwardTrailer
)

var forwardMagic = [4]byte{0x89, 'G', 'F', forwardVersion}

// NetID names a network a bridge serves (or a member that joined through
// NATS): 8 random bytes, never all zero.
type NetID [8]byte

// IsZero reports whether id is unset.
func (id NetID) IsZero() bool { return id == NetID{} }

// Forward is what a trailer says: where the datagram was first sent.
type Forward struct {
	Net    NetID
	Source netip.AddrPort // IPv4, or 0.0.0.0:0 for a member joined through NATS
}

// AppendForward appends datagram b and its trailer to dst. b must be at
// most MaxForwardInner bytes and f.Source IPv4 (or unset); AppendForward
// does not check: the caller has checked both.
func AppendForward(dst, b []byte, f Forward) []byte {
	dst = append(dst, b...)
	dst = append(dst, 0)
	dst = append(dst, f.Net[:]...)
	a := f.Source.Addr().Unmap()
	var v4 [4]byte
	if a.Is4() {
		v4 = a.As4()
	}
	dst = append(dst, v4[:]...)
	dst = binary.BigEndian.AppendUint16(dst, f.Source.Port())
	return append(dst, forwardMagic[:]...)
}

// HasForward reports whether b ends with a trailer's mark, of any
// version; a cheap test (ParseForward checks the rest). A datagram that
// merely ends with those bytes (one in 2^32 sealed ones, whose last bytes
// are random) is then read as it is, not dropped.
func HasForward(b []byte) bool {
	n := len(b)
	return n >= ForwardTrailer && b[n-4] == forwardMagic[0] && b[n-3] == forwardMagic[1] && b[n-2] == forwardMagic[2]
}

// ParseForward splits a forwarded datagram into the datagram as its
// sender sent it and the trailer. ok is false when b has no trailer, a
// trailer of another version, a zero net id, an empty datagram or one
// over MaxForwardInner.
func ParseForward(b []byte) (inner []byte, f Forward, ok bool) {
	if !HasForward(b) || b[len(b)-1] != forwardVersion {
		return nil, Forward{}, false
	}
	t := b[len(b)-ForwardTrailer:]
	inner = b[:len(b)-ForwardTrailer]
	if t[0] != 0 || len(inner) == 0 || len(inner) > MaxForwardInner {
		return nil, Forward{}, false
	}
	copy(f.Net[:], t[1:9])
	if f.Net.IsZero() {
		return nil, Forward{}, false
	}
	addr := netip.AddrFrom4([4]byte(t[9:13]))
	port := binary.BigEndian.Uint16(t[13:15])
	if addr.IsUnspecified() != (port == 0) {
		return nil, Forward{}, false // a member through NATS has neither; any other, both
	}
	f.Source = netip.AddrPortFrom(addr, port)
	return inner, f, true
}

// labelPrefix opens every label: fd47 is in the unique local range
// (RFC 4193), which no IPv4 group's member ever has as its source.
var labelPrefix = [2]byte{0xfd, 0x47}

// Label is the source a member gives a forwarded datagram: one IPv6
// address per (network, sender's address), with the sender's port. Its
// sender id is bound to it, and every per-computer bound applies to it,
// whichever bridge passed it on.
func Label(f Forward) netip.AddrPort {
	var a [16]byte
	copy(a[:2], labelPrefix[:])
	copy(a[2:10], f.Net[:])
	if v := f.Source.Addr().Unmap(); v.Is4() {
		v4 := v.As4()
		copy(a[12:], v4[:])
	}
	return netip.AddrPortFrom(netip.AddrFrom16(a), f.Source.Port())
}

// Unlabel says what a Label stands for: the network and the sender's
// address there (unspecified for a member joined through NATS). ok is
// false for any other address.
func Unlabel(a netip.Addr) (net NetID, host netip.Addr, ok bool) {
	if !a.Is6() || a.Is4In6() {
		return NetID{}, netip.Addr{}, false
	}
	b := a.As16()
	if [2]byte(b[:2]) != labelPrefix || b[10] != 0 || b[11] != 0 {
		return NetID{}, netip.Addr{}, false
	}
	copy(net[:], b[2:10])
	return net, netip.AddrFrom4([4]byte(b[12:])), true
}
