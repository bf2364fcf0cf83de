package wire_test

import (
	"bytes"
	"crypto/ed25519"
	"net/netip"
	"testing"

	"github.com/groupcast/groupcast/netconf/wire"
)

func TestForwardRoundTrip(t *testing.T) {
	d := []byte("hello\x00rest")
	for _, f := range []wire.Forward{
		{Net: wire.NetID{1, 2, 3, 4, 5, 6, 7, 8}, Source: netip.MustParseAddrPort("10.0.2.7:40000")},
		{Net: wire.NetID{9}, Source: netip.AddrPortFrom(netip.IPv4Unspecified(), 0)}, // a member through NATS
	} {
		b := wire.AppendForward(nil, d, f)
		if len(b) != len(d)+wire.ForwardTrailer || !bytes.HasPrefix(b, d) || b[len(d)] != 0 {
			t.Fatalf("trailer: % x", b)
		}
		inner, got, ok := wire.ParseForward(b)
		if !ok || !bytes.Equal(inner, d) || got != f {
			t.Fatalf("parsed %q %+v %v, want %+v", inner, got, ok, f)
		}
		n, host, ok := wire.Unlabel(wire.Label(f).Addr())
		if !ok || n != f.Net || host != f.Source.Addr() || wire.Label(f).Port() != f.Source.Port() {
			t.Fatalf("label %v: %v %v %v", wire.Label(f), n, host, ok)
		}
	}
	if _, _, ok := wire.Unlabel(netip.MustParseAddr("10.0.2.7")); ok {
		t.Fatal("an IPv4 address taken for a label")
	}
}

func TestForwardRefuses(t *testing.T) {
	good := wire.AppendForward(nil, []byte("x"), wire.Forward{Net: wire.NetID{1}, Source: netip.MustParseAddrPort("10.0.0.1:9")})
	cases := map[string][]byte{
		"empty datagram":   wire.AppendForward(nil, nil, wire.Forward{Net: wire.NetID{1}, Source: netip.MustParseAddrPort("10.0.0.1:9")}),
		"zero net":         wire.AppendForward(nil, []byte("x"), wire.Forward{Source: netip.MustParseAddrPort("10.0.0.1:9")}),
		"address, no port": wire.AppendForward(nil, []byte("x"), wire.Forward{Net: wire.NetID{1}, Source: netip.MustParseAddrPort("10.0.0.1:0")}),
		"too long":         wire.AppendForward(nil, make([]byte, wire.MaxForwardInner+1), wire.Forward{Net: wire.NetID{1}, Source: netip.MustParseAddrPort("10.0.0.1:9")}),
		"other version":    append(append([]byte(nil), good[:len(good)-1]...), 2),
		"no NUL":           func() []byte { b := bytes.Clone(good); b[1] = 'y'; return b }(),
		"short":            good[len(good)-wire.ForwardTrailer+1:],
	}
	for name, b := range cases {
		if _, _, ok := wire.ParseForward(b); ok {
			t.Errorf("%s: taken", name)
		}
	}
}

func TestBeaconRoundTrip(t *testing.T) {
	b := wire.Beacon{Net: wire.NetID{3}, Instance: [8]byte{4}, Started: 1_764_000_000_000_000, Forwarding: true}
	d := wire.AppendBeacon(nil, b)
	if got, ok := wire.ParseBeacon(d); !ok || got != b || len(d) != wire.BeaconSize {
		t.Fatalf("%+v %v", got, ok)
	}
	for _, bad := range [][]byte{d[:len(d)-1], append(bytes.Clone(d), 0), wire.AppendBeacon(nil, wire.Beacon{Instance: [8]byte{1}})} {
		if _, ok := wire.ParseBeacon(bad); ok {
			t.Errorf("% x taken", bad)
		}
	}
}

// A signed beacon verifies only for its group, with its key, as sent;
// any change to it, or a beacon signed with another key, does not.
func TestSignedBeacon(t *testing.T) {
	key, other := wire.BridgeKey([]byte("the hub's token")), wire.BridgeKey([]byte("another hub's"))
	pub := key.Public().(ed25519.PublicKey)
	group := netip.MustParseAddrPort("239.255.21.21:2121")
	b := wire.Beacon{Net: wire.NetID{3}, Instance: [8]byte{4}, Started: 1_764_000_000_000_000, Forwarding: true, Source: netip.MustParseAddr("198.18.0.1")}
	d := wire.SignBeacon(nil, b, group, key)
	got, ok := wire.ParseBeacon(d)
	if !ok || len(d) != wire.SignedBeaconSize || !got.Signed || got.Source != b.Source || got.Net != b.Net || !bytes.Equal(wire.AppendBeacon(nil, got), d) {
		t.Fatalf("%+v %v", got, ok)
	}
	if !wire.VerifyBeacon(d, group, pub) {
		t.Fatal("a signed beacon does not verify")
	}
	if wire.VerifyBeacon(d, netip.MustParseAddrPort("239.255.21.21:2123"), pub) {
		t.Fatal("verified for another group")
	}
	if wire.VerifyBeacon(wire.SignBeacon(nil, b, group, other), group, pub) {
		t.Fatal("another key's beacon verified")
	}
	for i := range d {
		bad := bytes.Clone(d)
		bad[i] ^= 0x10
		if wire.VerifyBeacon(bad, group, pub) {
			t.Fatalf("byte %d changed, still verified", i)
		}
	}
	if wire.VerifyBeacon(wire.AppendBeacon(nil, wire.Beacon{Net: b.Net, Instance: b.Instance}), group, pub) {
		t.Fatal("an unsigned beacon verified")
	}
	s := wire.FormatBridgeKey(pub)
	if back, err := wire.ParseBridgeKey(" " + s + "\n"); err != nil || !back.Equal(pub) || len(s) != 43 {
		t.Fatalf("key %q: %v", s, err)
	}
	if _, err := wire.ParseBridgeKey(s[:42]); err == nil {
		t.Fatal("a short key taken")
	}
}

func FuzzParseForward(f *testing.F) {
	f.Add(wire.AppendForward(nil, []byte("hi"), wire.Forward{Net: wire.NetID{1}, Source: netip.MustParseAddrPort("10.0.0.1:9")}))
	f.Add(wire.AppendBeacon(nil, wire.Beacon{Net: wire.NetID{3}, Instance: [8]byte{4}}))
	f.Add(wire.SignBeacon(nil, wire.Beacon{Net: wire.NetID{3}, Instance: [8]byte{4}, Source: netip.MustParseAddr("10.0.0.1")},
		netip.MustParseAddrPort("239.1.2.3:4"), wire.BridgeKey([]byte("x"))))
	f.Fuzz(func(t *testing.T, b []byte) {
		if inner, fw, ok := wire.ParseForward(b); ok {
			if len(inner) == 0 || len(inner) > wire.MaxForwardInner || fw.Net.IsZero() {
				t.Fatalf("took %d bytes from %+v", len(inner), fw)
			}
			if again := wire.AppendForward(nil, inner, fw); !bytes.Equal(again, b) {
				t.Fatalf("not canonical: % x", b)
			}
			if n, _, ok := wire.Unlabel(wire.Label(fw).Addr()); !ok || n != fw.Net {
				t.Fatal("label does not round-trip")
			}
		}
		if bc, ok := wire.ParseBeacon(b); ok && !bytes.Equal(wire.AppendBeacon(nil, bc), b) {
			t.Fatalf("beacon not canonical: % x", b)
		}
	})
}
