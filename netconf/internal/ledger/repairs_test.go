package ledger

import (
	"net/netip"
	"testing"
	"time"
)

func TestRepairs(t *testing.T) {
	const buffer = 16 << 20
	l := New(MaxHosts)
	r := l.Open(Repairs(buffer))
	now := time.Unix(1000, 0)
	flooder, real := netip.MustParseAddr("198.18.0.9"), netip.MustParseAddr("198.18.0.2")
	spend := func(host netip.Addr, d time.Duration) (bytes int) {
		for end := now.Add(d); now.Before(end); now = now.Add(time.Millisecond) {
			for l.Take(now, host, r, 1000) {
				bytes += 1000
			}
		}
		return bytes
	}
	// A quiet sender, flooded from the start by one computer: a quarter of
	// the floor a second, after what it may spend at once.
	if first := spend(flooder, time.Millisecond); first > repairHostBurst+1000 {
		t.Fatalf("a flooding computer got %d bytes at once from a quiet sender", first)
	}
	got := spend(flooder, 10*time.Second)
	want := 10 * repairFloor / repairHostShare
	if got < want*9/10 || got > want*11/10 {
		t.Fatalf("a flooding computer got %d bytes of repairs in 10 s; want about %d", got, want)
	}
	// Meanwhile another computer is answered in full.
	if got := spend(real, 10*time.Millisecond); got < 64<<10 {
		t.Fatalf("a real receiver got %d bytes during the flood", got)
	}
	// A sender that streamed 6 MB may repair a receiver that missed a
	// tenth of it at once, after the stream ended.
	l.Earn(r, 6<<20)
	now = now.Add(10 * time.Second)
	if got := spend(real, time.Millisecond); got < 600<<10 {
		t.Fatalf("after 6 MB of data a receiver got %d bytes of repairs at once", got)
	}
	// What builds up is bounded by the retransmit buffer.
	l.Earn(r, 1<<30)
	if got := spend(flooder, time.Millisecond); got > buffer*RepairPerData/repairHostShare+1000 {
		t.Fatalf("one computer could spend %d bytes at once", got)
	}
}

func TestClosedPurseSlotStartsAfresh(t *testing.T) {
	l := New(8)
	now := time.Unix(1000, 0)
	h := netip.MustParseAddr("198.18.0.9")
	a := l.Open(Purse{Host: Allowance{Burst: 1}})
	if !l.Take(now, h, a, 1) || l.Take(now, h, a, 1) {
		t.Fatal("a purse of one token gave other than one")
	}
	l.Close(a)
	b := l.Open(Purse{Host: Allowance{Burst: 2}})
	if b != a {
		t.Fatalf("the closed slot %d was not reused (%d)", a, b)
	}
	if !l.Take(now, h, b, 2) {
		t.Fatal("the new purse in a reused slot inherited the old one's spent bucket")
	}
}
