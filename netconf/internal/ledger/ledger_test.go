package ledger

import (
	"net/netip"
	"testing"
	"time"

	"github.com/groupcast/groupcast/netconf/event"
)

var t0 = time.Unix(1_000_000, 0)

func host(i int) netip.Addr { return netip.AddrFrom4([4]byte{198, 18, byte(i >> 8), byte(i)}) }

func TestPurseRefillsPerComputer(t *testing.T) {
	l := New(16)
	offers := l.Open(Purse{Host: Allowance{Burst: 4, PerSecond: 0.5}})
	for i := range 4 {
		if !l.Take(t0, host(1), offers, 1) {
			t.Fatalf("charge %d refused within the burst", i)
		}
	}
	if l.Take(t0, host(1), offers, 1) {
		t.Fatal("a fifth charge at once was taken")
	}
	if !l.Take(t0, host(2), offers, 1) {
		t.Fatal("another computer was refused for the first one's charges")
	}
	if l.Take(t0.Add(time.Second), host(1), offers, 1) {
		t.Fatal("half a token was enough")
	}
	if !l.Take(t0.Add(2*time.Second), host(1), offers, 1) {
		t.Fatal("a token earned in 2 s at 0.5/s was refused")
	}
}

func TestGlobalPurseChargedOnlyWhenBothAllow(t *testing.T) {
	l := New(16)
	answers := l.Open(Purse{Host: Allowance{Burst: 1, PerSecond: 0.1}, All: Allowance{Burst: 2, PerSecond: 1}})
	if !l.Take(t0, host(1), answers, 1) || !l.Take(t0, host(2), answers, 1) {
		t.Fatal("the first two computers were refused")
	}
	if l.Take(t0, host(3), answers, 1) {
		t.Fatal("a third was taken past the global bucket")
	}
	// host 3's own bucket was not charged for the refusal: once the
	// global one has earned a token, host 3 has its whole allowance.
	t1 := t0.Add(time.Second)
	if !l.Take(t1, host(3), answers, 1) {
		t.Fatal("host 3 lost its own allowance to a refusal of the global one")
	}
	if got := l.Left(t1, answers); got != 0 {
		t.Fatalf("Left = %v; want 0", got)
	}
	l.Spend(t1.Add(2*time.Second), answers, 5)
	if got := l.Left(t1.Add(2*time.Second), answers); got != 0 {
		t.Fatalf("Left after spending more than it holds = %v; want 0", got)
	}
}

func TestHostTableBounded(t *testing.T) {
	l := New(8)
	p := l.Open(Purse{Host: Allowance{Burst: 1}})
	for i := range 1000 {
		l.Take(t0.Add(time.Duration(i)*time.Millisecond), host(i), p, 1)
	}
	if l.Hosts() != 8 {
		t.Fatalf("%d computers held; want the bound, 8", l.Hosts())
	}
	// The computer heard last is still charged; one forgotten starts again full.
	if l.Take(t0.Add(time.Second), host(999), p, 1) {
		t.Fatal("the latest computer's spent bucket was forgotten")
	}
	if !l.Take(t0.Add(time.Second), host(0), p, 1) {
		t.Fatal("a forgotten computer did not start from a full purse")
	}
}

func TestRefusalsReportedOnceEach(t *testing.T) {
	l := New(8)
	for range 3 {
		l.Refuse(t0, event.UnreadableCatchUpFlood, "Eve", host(7))
	}
	l.RefuseSkewed(t0, event.UnreadableClock, "Bob", host(8), -time.Minute)
	var got []event.Unreadable
	emit := func(ev event.Event) { got = append(got, ev.(event.Unreadable)) }
	l.Due(t0, emit)
	if len(got) != 0 {
		t.Fatalf("reported at once: %v", got)
	}
	if at := l.NextDeadline(); !at.Equal(t0.Add(time.Second)) {
		t.Fatalf("next report at %v; want a second after the first refusal", at)
	}
	l.Due(t0.Add(time.Second), emit)
	l.Due(t0.Add(2*time.Second), emit)
	if len(got) != 2 || got[0].Count != 3 || got[0].Host != host(7) || got[1].Skew != -time.Minute {
		t.Fatalf("reports %+v; want catch-up flood ×3 from %v, then the clock's skew", got, host(7))
	}
}
