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

func TestTallyCapsEachComputer(t *testing.T) {
	l := New(16)
	members := l.OpenTally(2)
	a, b := l.Counter(t0, host(1), members), l.Counter(t0, host(2), members)
	for i := range 2 {
		if !a.Hold(1) {
			t.Fatalf("member %d refused within the cap", i+1)
		}
	}
	if a.Hold(1) {
		t.Fatal("a third member was held past a cap of 2")
	}
	if !b.Hold(2) {
		t.Fatal("another computer was refused for the first one's holdings")
	}
	a.Release(1)
	if !a.Hold(1) || l.Holds(host(1), members) != 2 || a.N() != 2 {
		t.Fatalf("after a release: holds %d", l.Holds(host(1), members))
	}
	if l.Holds(host(9), members) != 0 {
		t.Fatal("a computer never heard holds something")
	}
}

// A computer that holds something is never forgotten to make room, so
// what it holds is given back to the account it was taken from; a flood
// of new addresses pushes out only those that hold nothing.
func TestComputersHoldingAreNotForgotten(t *testing.T) {
	l := New(4)
	held := l.OpenTally(1 << 20)
	offers := l.Open(Purse{Host: Allowance{Burst: 1, PerSecond: 0.001}})
	c := l.Counter(t0, host(1), held)
	c.Hold(1000)
	if !l.Take(t0, host(1), offers, 1) {
		t.Fatal("first offer refused")
	}
	for i := range 100 {
		l.Take(t0.Add(time.Duration(i+1)*time.Second), host(100+i), offers, 1)
	}
	if l.Hosts() > 4 {
		t.Fatalf("%d computers accounted for; bound 4", l.Hosts())
	}
	if l.Holds(host(1), held) != 1000 {
		t.Fatal("the computer holding 1000 bytes was forgotten")
	}
	if l.Take(t0.Add(200*time.Second), host(1), offers, 1) {
		t.Fatal("its purse was reset along the way")
	}
	c.Release(1000)
	for i := range 10 {
		l.Take(t0.Add(time.Duration(300+i)*time.Second), host(500+i), offers, 1)
	}
	if l.Holds(host(1), held) != 0 || l.Hosts() > 4 {
		t.Fatalf("after its release: holds %d, %d computers", l.Holds(host(1), held), l.Hosts())
	}
}

// A charge given back is the computer's again (and everyone's), never
// past the purse's burst.
func TestGiveReturnsACharge(t *testing.T) {
	l := New(16)
	answers := l.Open(Purse{Host: Allowance{Burst: 2, PerSecond: 0.1}, All: Allowance{Burst: 3, PerSecond: 0}})
	took := 0
	for range 3 {
		if l.Take(t0, host(1), answers, 1) {
			took++
		}
	}
	if took != 2 {
		t.Fatalf("a burst of 2 took %d charges", took)
	}
	l.Give(t0, host(1), answers, 1)
	if !l.Take(t0, host(1), answers, 1) {
		t.Fatal("a charge given back could not be taken again")
	}
	if got := l.Left(t0, answers); got != 1 {
		t.Fatalf("Left = %v; want 1", got)
	}
	l.Give(t0, host(2), answers, 5) // host 2 never spent: its bucket and the global one stay at most full
	if got := l.Left(t0, answers); got != 3 {
		t.Fatalf("Left after giving more than was taken = %v; want the burst, 3", got)
	}
	if !l.Take(t0, host(2), answers, 2) || l.Take(t0, host(2), answers, 1) {
		t.Fatal("host 2's bucket grew past its burst")
	}
}
