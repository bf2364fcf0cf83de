package reliable

import (
	"testing"

	"github.com/groupcast/groupcast/netconf/wire"
)

func TestResumePointsAreBounded(t *testing.T) {
	r := NewResumePoints(3)
	for i := range 5 {
		r.Put(wire.SenderID{byte(i + 1)}, uint64(10*(i+1)))
	}
	if r.Take(wire.SenderID{1}) != 0 || r.Take(wire.SenderID{2}) != 0 {
		t.Fatal("the oldest entries were kept past the limit")
	}
	if got := r.Take(wire.SenderID{4}); got != 40 {
		t.Fatalf("take = %d; want 40", got)
	}
	if r.Take(wire.SenderID{4}) != 0 {
		t.Fatal("take does not forget")
	}
	// One id coming and going forever keeps the bookkeeping small.
	for i := range 100_000 {
		r.Put(wire.SenderID{9}, uint64(i))
	}
	if len(r.order)-r.head > 2*r.limit+64 || len(r.next) > 3 {
		t.Fatalf("%d refs, %d entries", len(r.order)-r.head, len(r.next))
	}
	if got := r.Take(wire.SenderID{9}); got != 99_999 {
		t.Fatalf("take = %d", got)
	}
}
