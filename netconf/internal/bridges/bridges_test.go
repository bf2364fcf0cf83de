package bridges

import (
	"net/netip"
	"testing"
	"time"

	"github.com/groupcast/groupcast/netconf/wire"
)

func TestTable(t *testing.T) {
	t0 := time.Unix(1000, 0)
	var tb Table
	ours, theirs := wire.NetID{1}, wire.NetID{2}
	b1 := netip.MustParseAddr("198.18.0.1")
	passes := func(at time.Time, host netip.Addr, n wire.NetID) bool {
		ok, _ := tb.Passes(at, host, n)
		return ok
	}
	if passes(t0, b1, theirs) {
		t.Fatal("a forward passed before any beacon")
	}
	tb.Note(t0, b1, wire.Beacon{Net: ours, Forwarding: true}, nil, false)
	if !passes(t0, b1, theirs) {
		t.Fatal("a bridge's forward from another network was refused")
	}
	if passes(t0, b1, ours) {
		t.Fatal("a forward labelled as our own network passed")
	}
	if passes(t0, netip.MustParseAddr("198.18.0.9"), theirs) {
		t.Fatal("a forward from a computer that is not a bridge passed")
	}
	if passes(t0.Add(Silence), b1, theirs) {
		t.Fatal("a bridge silent for Silence still passes forwards")
	}
	for i := range Max - 1 { // b1 holds one place
		if !tb.Note(t0, netip.AddrFrom4([4]byte{198, 18, 1, byte(i)}), wire.Beacon{Net: ours}, nil, false) {
			t.Fatalf("bridge %d refused below the bound", i)
		}
	}
	if tb.Note(t0, netip.MustParseAddr("198.18.2.1"), wire.Beacon{Net: ours}, nil, false) {
		t.Fatalf("more than %d bridges tracked", Max)
	}
	if !tb.Note(t0.Add(Silence), netip.MustParseAddr("198.18.2.1"), wire.Beacon{Net: ours}, nil, false) {
		t.Fatal("a new bridge refused after the others fell silent")
	}
}

// An unverified beacon claiming another network's id stops only what
// that computer passes on; a verified bridge's id is this network's for
// every bridge.
func TestClaimsOfUnverifiedBeacons(t *testing.T) {
	t0 := time.Unix(1000, 0)
	var tb Table
	here, there := wire.NetID{1}, wire.NetID{2}
	genuine, liar := netip.MustParseAddr("198.18.0.1"), netip.MustParseAddr("198.18.0.3")
	tb.Note(t0, genuine, wire.Beacon{Net: here}, []byte("signed"), true)
	tb.Note(t0, liar, wire.Beacon{Net: there}, []byte("unsigned"), false)
	if ok, verified := tb.Passes(t0, genuine, there); !ok || !verified {
		t.Fatalf("the verified bridge's forward from there: %v %v", ok, verified)
	}
	if ok, verified := tb.Passes(t0, liar, wire.NetID{3}); !ok || verified {
		t.Fatalf("the unverified one's: %v %v", ok, verified)
	}
	if ok, _ := tb.Passes(t0, liar, here); ok {
		t.Fatal("a forward labelled as the verified bridge's network passed")
	}
	if !tb.Verified(genuine, []byte("signed")) || tb.Verified(genuine, []byte("other")) || tb.Verified(liar, []byte("unsigned")) {
		t.Fatal("Verified")
	}
}
