package wire

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net/netip"
	"strings"
)

// Beacon is what a bridge multicasts every second on its network's
// companion port (docs/PROTOCOL.md, "Bridge beacons"):
//
//	0x89 'G' 'B' 1 | net id[8] | instance id[8] | started i64 (Unix µs) | flags
//
// flags bit 0: it forwards; bit 1: signed. A signed beacon goes on with
// the address it is sent from and the site's bridge key that signs it:
//
//	| source IPv4[4] | key id[4] | Ed25519 signature[64]
//
// The signature covers "groupcast bridge beacon v1\0", the group's
// address and port, and every byte before it: a beacon is good for one
// group, from one computer. Members learn from beacons which computers
// may pass them forwarded datagrams; bridges, which of them forwards (the
// oldest). Only a signed beacon that the site's bridge key verifies is
// taken as a bridge's word about anything (BridgeKey).
type Beacon struct {
	Net        NetID
	Instance   [8]byte
	Started    int64
	Forwarding bool
	// Signed beacons only: where it is sent from, which key signed it
	// (BridgeKeyID) and the signature.
	Signed bool
	Source netip.Addr
	KeyID  [4]byte
	Sig    [ed25519.SignatureSize]byte
}

const (
	// BeaconSize is an unsigned beacon's length, SignedBeaconSize a
	// signed one's.
	BeaconSize       = 4 + 8 + 8 + 8 + 1
	SignedBeaconSize = BeaconSize + 4 + 4 + ed25519.SignatureSize
	beaconSigned     = 2
	beaconSignedPart = BeaconSize + 4 + 4 // what the signature follows
)

var beaconMagic = [4]byte{0x89, 'G', 'B', 1}

const beaconDomain = "groupcast bridge beacon v1\x00"

// AppendBeacon appends b's datagram to dst: signed as b says (SignBeacon
// fills in the signature), or not.
func AppendBeacon(dst []byte, b Beacon) []byte {
	dst = append(dst, beaconMagic[:]...)
	dst = append(dst, b.Net[:]...)
	dst = append(dst, b.Instance[:]...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(b.Started))
	var flags byte
	if b.Forwarding {
		flags = 1
	}
	if !b.Signed {
		return append(dst, flags)
	}
	dst = append(dst, flags|beaconSigned)
	var v4 [4]byte
	if a := b.Source.Unmap(); a.Is4() {
		v4 = a.As4()
	}
	dst = append(dst, v4[:]...)
	dst = append(dst, b.KeyID[:]...)
	return append(dst, b.Sig[:]...)
}

// SignBeacon appends b's datagram, signed with key for group, to dst.
// b.Source must be the IPv4 address the beacon is sent from.
func SignBeacon(dst []byte, b Beacon, group netip.AddrPort, key ed25519.PrivateKey) []byte {
	b.Signed = true
	b.KeyID = BridgeKeyID(key.Public().(ed25519.PublicKey))
	start := len(dst)
	dst = AppendBeacon(dst, b)
	sig := ed25519.Sign(key, beaconMessage(dst[start:start+beaconSignedPart], group))
	copy(dst[start+beaconSignedPart:], sig)
	return dst
}

func beaconMessage(signed []byte, group netip.AddrPort) []byte {
	m := make([]byte, 0, len(beaconDomain)+6+len(signed))
	m = append(m, beaconDomain...)
	a := group.Addr().Unmap().As4()
	m = append(m, a[:]...)
	m = binary.BigEndian.AppendUint16(m, group.Port())
	return append(m, signed...)
}

// VerifyBeacon reports whether d, a signed beacon (ParseBeacon), was
// signed for group with the key whose public half is pub.
func VerifyBeacon(d []byte, group netip.AddrPort, pub ed25519.PublicKey) bool {
	if len(d) != SignedBeaconSize || len(pub) != ed25519.PublicKeySize || [4]byte(d[BeaconSize+4:BeaconSize+8]) != BridgeKeyID(pub) {
		return false
	}
	return ed25519.Verify(pub, beaconMessage(d[:beaconSignedPart], group), d[beaconSignedPart:])
}

// IsBeacon reports whether d is marked as a beacon (of any length).
func IsBeacon(d []byte) bool {
	return len(d) >= 4 && [4]byte(d[:4]) == beaconMagic
}

// ParseBeacon reads a beacon, signed or not; ok is false unless d is one,
// exactly. A signed beacon's signature is not checked (VerifyBeacon).
func ParseBeacon(d []byte) (b Beacon, ok bool) {
	if !IsBeacon(d) || len(d) < BeaconSize {
		return Beacon{}, false
	}
	copy(b.Net[:], d[4:12])
	copy(b.Instance[:], d[12:20])
	b.Started = int64(binary.BigEndian.Uint64(d[20:28]))
	flags := d[28]
	b.Forwarding, b.Signed = flags&1 != 0, flags&beaconSigned != 0
	switch {
	case b.Net.IsZero() || b.Instance == [8]byte{} || flags > 3:
		return Beacon{}, false
	case !b.Signed && len(d) == BeaconSize:
		return b, true
	case !b.Signed || len(d) != SignedBeaconSize:
		return Beacon{}, false
	}
	b.Source = netip.AddrFrom4([4]byte(d[BeaconSize : BeaconSize+4]))
	copy(b.KeyID[:], d[BeaconSize+4:BeaconSize+8])
	copy(b.Sig[:], d[beaconSignedPart:])
	if b.Source.IsUnspecified() {
		return Beacon{}, false
	}
	return b, true
}

// BridgeKey is the key a site's bridges sign their beacons with, derived
// from a secret they share (the hub's token: docs/BRIDGE.md, "Bridges
// vouch for each other"). Its public half, written with
// FormatBridgeKey, is what members verify beacons with.
func BridgeKey(secret []byte) ed25519.PrivateKey {
	seed, err := hkdf.Key(sha256.New, secret, []byte("groupcast bridge key v1"), "beacon signing", ed25519.SeedSize)
	if err != nil {
		panic(err) // only for lengths SHA-256 cannot give: 32 bytes it can
	}
	return ed25519.NewKeyFromSeed(seed)
}

// BridgeKeyID is the 4 bytes that name a bridge key in its beacons: the
// start of SHA-256 of the public key.
func BridgeKeyID(pub ed25519.PublicKey) [4]byte {
	h := sha256.Sum256(pub)
	return [4]byte(h[:4])
}

// FormatBridgeKey writes a bridge key's public half as people copy it:
// 43 letters, digits, - and _ (base64url).
func FormatBridgeKey(pub ed25519.PublicKey) string {
	return base64.RawURLEncoding.EncodeToString(pub)
}

// ErrBridgeKey says a bridge key is not written as FormatBridgeKey writes
// one.
var ErrBridgeKey = errors.New("a bridge key is the 43 letters, digits, - and _ that `groupcast hub` and `groupcast bridge` print")

// ParseBridgeKey reads a bridge key written by FormatBridgeKey.
func ParseBridgeKey(s string) (ed25519.PublicKey, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, ErrBridgeKey
	}
	return ed25519.PublicKey(b), nil
}
