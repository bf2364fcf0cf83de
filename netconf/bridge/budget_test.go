package bridge

import (
	"net/netip"
	"testing"
	"time"
)

// A source has its burst, then its rate; one source's flood leaves the
// others theirs until everyone's is spent; forgotten sources start anew
// but everyone's bucket still holds.
func TestBudget(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b := newBudget(10, 20, 25, 40)
	flood, other := netip.MustParseAddr("198.18.0.9"), netip.MustParseAddr("198.18.0.2")
	took := 0
	for range 100 {
		if b.take(t0, flood, 1) {
			took++
		}
	}
	if took != 20 {
		t.Fatalf("a source took %d at once, want its burst of 20", took)
	}
	if !b.take(t0, other, 1) {
		t.Fatal("another source was refused while everyone's bucket held")
	}
	if b.take(t0.Add(50*time.Millisecond), flood, 1) || !b.take(t0.Add(100*time.Millisecond), flood, 1) {
		t.Fatal("a source does not earn its rate")
	}
	for i := range 2 * maxSources { // many sources: each starts full, everyone's bucket bounds them
		if b.take(t0.Add(time.Second), netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), 1) {
			took++
		}
	}
	if took > 20+40+25 {
		t.Fatalf("%d taken in all", took)
	}
	if len(b.by) > maxSources {
		t.Fatalf("%d sources tracked", len(b.by))
	}
}

// What a bridge forwards: Groupcast datagrams of this version on the
// port of their kind, sealed ones, a classic tool's text on the group's
// port; nothing else.
func TestOfGroup(t *testing.T) {
	for _, c := range []struct {
		d       []byte
		control bool
		want    bool
	}{
		{[]byte("hello"), false, true},
		{[]byte("hello"), true, false},
		{[]byte{0xff, 0xfe, 0x80}, false, false},
		{nil, false, false},
		{make([]byte, 2000), false, false},
	} {
		if got := ofGroup(c.d, c.control); got != c.want {
			t.Errorf("%q (control %v): %v", c.d, c.control, got)
		}
	}
}
