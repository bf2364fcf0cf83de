package wire_test

import (
	"bytes"
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

func FuzzParseForward(f *testing.F) {
	f.Add(wire.AppendForward(nil, []byte("hi"), wire.Forward{Net: wire.NetID{1}, Source: netip.MustParseAddrPort("10.0.0.1:9")}))
	f.Add(wire.AppendBeacon(nil, wire.Beacon{Net: wire.NetID{3}, Instance: [8]byte{4}}))
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
