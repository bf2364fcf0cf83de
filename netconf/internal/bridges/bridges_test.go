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
	if tb.Passes(t0, b1, theirs) {
		t.Fatal("a forward passed before any beacon")
	}
	tb.Note(t0, b1, wire.Beacon{Net: ours, Forwarding: true})
	if !tb.Passes(t0, b1, theirs) {
		t.Fatal("a bridge's forward from another network was refused")
	}
	if tb.Passes(t0, b1, ours) {
		t.Fatal("a forward labelled as our own network passed")
	}
	if tb.Passes(t0, netip.MustParseAddr("198.18.0.9"), theirs) {
		t.Fatal("a forward from a computer that is not a bridge passed")
	}
	if tb.Passes(t0.Add(Silence), b1, theirs) {
		t.Fatal("a bridge silent for Silence still passes forwards")
	}
	for i := range Max - 1 { // b1 holds one place
		if !tb.Note(t0, netip.AddrFrom4([4]byte{198, 18, 1, byte(i)}), wire.Beacon{Net: ours}) {
			t.Fatalf("bridge %d refused below the bound", i)
		}
	}
	if tb.Note(t0, netip.MustParseAddr("198.18.2.1"), wire.Beacon{Net: ours}) {
		t.Fatalf("more than %d bridges tracked", Max)
	}
	if !tb.Note(t0.Add(Silence), netip.MustParseAddr("198.18.2.1"), wire.Beacon{Net: ours}) {
		t.Fatal("a new bridge refused after the others fell silent")
	}
}
