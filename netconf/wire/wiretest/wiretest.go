// Package wiretest has helpers for tests of code that speaks the wire
// format: a sample datagram and an encoder that fails the test.
package wiretest

import (
	"bytes"
	"crypto/ed25519"
	"testing"

	"github.com/groupcast/groupcast/netconf/wire"
)

// Sample is a DATA datagram from Alice, seq 42, with multi-byte text.
func Sample() wire.Packet {
	return wire.Packet{
		Kind:   wire.KindData,
		Sender: wire.SenderID{1, 2, 3, 4, 5, 6, 7, 8},
		Seq:    42,
		Time:   1_764_000_000_123_456,
		Nick:   "Alice",
		Body:   []byte("hello 世界 — 1"),
	}
}

// Encode encodes p, failing t when it cannot.
func Encode(t testing.TB, p wire.Packet) []byte {
	t.Helper()
	b, err := wire.AppendEncode(nil, &p)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return b
}

// PresenterKey is a fixed presenter key, for signed samples.
func PresenterKey() ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
}

// SigTypeAt is where the type of b's signature extension (SIG or
// SIG_MESSAGE) is in b, an encoded datagram whose first extension is its
// signature (a whole message): what a student who wants to relabel the
// teacher's datagram would change. -1 when b has none there.
func SigTypeAt(b []byte) int {
	at := 0 // a DATA's header follows its text and the NUL
	if !bytes.HasPrefix(b, wire.Magic[:]) {
		at = bytes.IndexByte(b, 0) + 1
	}
	if at == 0 && !bytes.HasPrefix(b, wire.Magic[:]) || len(b) < at+wire.HeaderSize+1 {
		return -1
	}
	ext := at + wire.HeaderSize + int(b[at+wire.HeaderSize-1]) + 2 // after the nickname and the extensions' length
	if ext >= len(b) || b[ext] != 0x02 && b[ext] != 0x03 {
		return -1
	}
	return ext
}
