package netconf

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupcast/groupcast/internal/lossy"
	"github.com/groupcast/groupcast/internal/memnet"
	"github.com/groupcast/groupcast/netconf/wire"
)

func TestTailLossIsRepaired(t *testing.T) {
	hub := memnet.NewHub()
	// Bob misses Alice's only message and nothing follows it.
	bob := joinBus(t, hub, "Bob", lossy.Faults{DropIf: isFrom("Alice", 1, 1, wire.KindData)}, DefaultTiming())
	defer bob.e.Close()
	alice := joinBus(t, hub, "Alice", lossy.Faults{}, DefaultTiming())
	defer alice.e.Close()
	drain(alice.e)
	start := time.Now()
	alice.e.Do(Send{Text: "the last word"})
	m := waitEvent(t, bob.e, 2*time.Second, func(ev Event) bool { _, ok := ev.(Message); return ok }).(Message)
	if m.Text != "the last word" || bob.dropped() != 1 {
		t.Fatalf("got %q; dropped %d", m.Text, bob.dropped())
	}
	if st := bob.e.Stats(); st.Recovered != 1 || st.NacksOut == 0 {
		t.Fatalf("stats %+v: want the message recovered through a NACK", st)
	}
	t.Logf("a lost last message was repaired after %v", time.Since(start).Round(time.Millisecond))
}

func TestAgedOutDataIsDeclaredLost(t *testing.T) {
	hub := memnet.NewHub()
	timing := DefaultTiming()
	timing.BufferAge = 50 * time.Millisecond
	// Bob never gets seq 2, neither first nor as a repair.
	bob, alice := bobHearsAlice(t, hub, isFrom("Alice", 2, 2, wire.KindData, wire.KindRepair), timing, "one", "two", "three")
	defer bob.e.Close()
	defer alice.e.Close()
	var got []string
	var lost *Lost
	waitEvent(t, bob.e, 3*time.Second, func(ev Event) bool {
		switch ev := ev.(type) {
		case Message:
			got = append(got, ev.Text)
		case Lost:
			if lost != nil {
				t.Fatalf("second loss %+v", ev)
			}
			lost = &ev
			got = append(got, "<lost>")
		}
		return len(got) == 3
	})
	if strings.Join(got, ",") != "one,<lost>,three" || lost.First != 2 || lost.Last != 2 || lost.Peer.Nick != "Alice" {
		t.Fatalf("got %v, lost %+v", got, lost)
	}
	if s := lost.Sentence(); s != "1 message from Alice could not be recovered" {
		t.Fatalf("sentence %q", s)
	}
}

func TestSilentSenderTimesOutWithLoss(t *testing.T) {
	hub := memnet.NewHub()
	timing := fastTiming()
	var cut atomic.Bool // read by the fault injectors of both ports
	bob, alice := bobHearsAlice(t, hub, func(b []byte) bool {
		// seq 2 never arrives; after "three", Alice is cut off entirely (a crash).
		if isFrom("Alice", 2, 2, wire.KindData, wire.KindRepair)(b) {
			return true
		}
		if isFrom("Alice", 3, 3, wire.KindData)(b) {
			defer cut.Store(true)
			return false
		}
		return cut.Load() && isFrom("Alice", 0, 0, wire.KindData, wire.KindRepair, wire.KindHeartbeat, wire.KindHello, wire.KindLeave, wire.KindNack)(b)
	}, timing, "one", "two", "three")
	defer bob.e.Close()
	defer alice.e.Close()
	var got []string
	left := waitEvent(t, bob.e, 5*time.Second, func(ev Event) bool {
		switch ev := ev.(type) {
		case Message:
			got = append(got, ev.Text)
		case Lost:
			got = append(got, fmt.Sprintf("<lost %d-%d>", ev.First, ev.Last))
		case PeerLeft:
			return true
		}
		return false
	}).(PeerLeft)
	if !left.Timeout || left.Peer.Nick != "Alice" || strings.Join(got, ",") != "one,<lost 2-2>,three" {
		t.Fatalf("left %+v after %v", left, got)
	}
}

func TestPresenceAndLeaveUnderLoss(t *testing.T) {
	hub := memnet.NewHub()
	timing := DefaultTiming() // a real peer timeout (5 s): leaving must be seen well before it
	bob := joinBus(t, hub, "Bob", lossy.Faults{Drop: 0.10, Seed: 3}, timing)
	defer bob.e.Close()
	var slowest time.Duration
	for round := range 10 {
		alice := joinBus(t, hub, "Alice", lossy.Faults{Drop: 0.10, Seed: uint64(round)}, timing)
		j := waitEvent(t, bob.e, 3*time.Second, func(ev Event) bool { _, ok := ev.(PeerJoined); return ok }).(PeerJoined)
		if j.Peer.Nick != "Alice" || !j.Peer.Host.IsValid() {
			t.Fatalf("joined %+v", j)
		}
		start := time.Now()
		alice.e.Do(Leave{Linger: true})
		l := waitEvent(t, bob.e, 3*time.Second, func(ev Event) bool { _, ok := ev.(PeerLeft); return ok }).(PeerLeft)
		took := time.Since(start)
		if l.Timeout || l.Peer.ID != j.Peer.ID {
			t.Fatalf("round %d: left %+v (timeout) after %v", round, l, took)
		}
		slowest = max(slowest, took)
		_ = alice.e.Close()
	}
	if bob.dropped() == 0 {
		t.Fatal("no loss happened")
	}
	t.Logf("10 leaves at 10%% loss seen within %v (linger included)", slowest.Round(time.Millisecond))
	if slowest > 2500*time.Millisecond {
		t.Fatalf("a leave took %v to be seen", slowest)
	}
}

func TestSameNicknameStaysDistinct(t *testing.T) {
	hub := memnet.NewHub()
	carol := joinBus(t, hub, "Carol", lossy.Faults{}, DefaultTiming())
	defer carol.e.Close()
	var ids []wire.SenderID
	for range 2 {
		b := joinBus(t, hub, "Bob", lossy.Faults{}, DefaultTiming())
		defer b.e.Close()
		drain(b.e)
		j := waitEvent(t, carol.e, 2*time.Second, func(ev Event) bool { _, ok := ev.(PeerJoined); return ok }).(PeerJoined)
		ids = append(ids, j.Peer.ID)
	}
	if ids[0] == ids[1] {
		t.Fatal("two Bobs share an id")
	}
	r := carol.e.Roster()
	for deadline := time.Now().Add(time.Second); len(r) < 3 && time.Now().Before(deadline); r = carol.e.Roster() {
		time.Sleep(10 * time.Millisecond) // the roster is published at most every rosterEvery
	}
	if len(r) != 3 || !r[0].Self || r[0].Nick != "Carol" {
		t.Fatalf("roster %+v", r)
	}
	hosts := map[string]bool{}
	for _, p := range r[1:] {
		if p.Nick != "Bob" {
			t.Fatalf("roster %+v", r)
		}
		hosts[p.Host.String()] = true
	}
	if len(hosts) != 2 {
		t.Fatalf("the two Bobs are not told apart by host: %+v", r)
	}
}

func TestLargeMessageUnderLoss(t *testing.T) {
	hub := memnet.NewHub()
	bob := joinBus(t, hub, "Bob", lossy.Faults{Drop: 0.1, Duplicate: 0.05, Reorder: 0.05, Seed: 11}, DefaultTiming())
	defer bob.e.Close()
	alice := joinBus(t, hub, "Alice", lossy.Faults{Drop: 0.1, Seed: 12}, DefaultTiming())
	defer alice.e.Close()
	drain(alice.e)
	// Multi-byte characters straddle fragment boundaries.
	big := strings.Repeat("世界 — groupcast ", wire.MaxMessage/len("世界 — groupcast "))
	alice.e.Do(Send{Text: big})
	alice.e.Do(Send{Text: "after"})
	var got []string
	waitEvent(t, bob.e, 5*time.Second, func(ev Event) bool {
		if m, ok := ev.(Message); ok {
			got = append(got, m.Text)
		}
		if l, ok := ev.(Lost); ok {
			t.Fatalf("lost %+v", l)
		}
		return len(got) == 2
	})
	if got[0] != big || got[1] != "after" {
		t.Fatalf("got %d and %q bytes", len(got[0]), got[1])
	}
	if bob.dropped() == 0 {
		t.Fatal("no loss happened")
	}
}

func TestLingerSavesTheLastMessage(t *testing.T) {
	hub := memnet.NewHub()
	timing := fastTiming()
	bob := joinBus(t, hub, "Bob", lossy.Faults{DropIf: isFrom("Alice", 1, 1, wire.KindData)}, timing)
	defer bob.e.Close()
	alice := joinBus(t, hub, "Alice", lossy.Faults{}, timing)
	defer alice.e.Close()
	alice.e.Do(Send{Text: "bye"})
	alice.e.Do(Leave{Linger: true})
	var order []string
	waitEvent(t, bob.e, 3*time.Second, func(ev Event) bool {
		switch ev := ev.(type) {
		case Message:
			order = append(order, "message:"+ev.Text)
		case Lost:
			order = append(order, "lost")
		case PeerLeft:
			order = append(order, "left")
			return true
		}
		return false
	})
	if strings.Join(order, ",") != "message:bye,left" {
		t.Fatalf("bob saw %v", order)
	}
	waitEvent(t, alice.e, 2*time.Second, func(ev Event) bool { _, ok := ev.(Left); return ok })
}

func TestLateJoinerStartsAtTheNextMessage(t *testing.T) {
	hub := memnet.NewHub()
	alice := joinBus(t, hub, "Alice", lossy.Faults{}, fastTiming())
	defer alice.e.Close()
	drain(alice.e)
	alice.e.Do(Send{Text: "before you came"})
	time.Sleep(1500 * time.Millisecond) // Alice is well established
	bob := joinBus(t, hub, "Bob", lossy.Faults{}, fastTiming())
	defer bob.e.Close()
	waitEvent(t, bob.e, 2*time.Second, func(ev Event) bool { _, ok := ev.(PeerJoined); return ok })
	alice.e.Do(Send{Text: "welcome"})
	m := waitEvent(t, bob.e, 2*time.Second, func(ev Event) bool {
		if l, ok := ev.(Lost); ok {
			t.Fatalf("a late joiner was told of loss: %+v", l)
		}
		_, ok := ev.(Message)
		return ok
	}).(Message)
	if m.Text != "welcome" || m.Seq != 2 {
		t.Fatalf("late joiner got %q (seq %d)", m.Text, m.Seq)
	}
}

// bobHearsAlice joins Bob, whose inbound datagrams drop matches, and
// Alice, who then sends texts.
func bobHearsAlice(t *testing.T, hub *memnet.Hub, drop func([]byte) bool, timing Timing, texts ...string) (bob, alice *busMember) {
	t.Helper()
	bob = joinBus(t, hub, "Bob", lossy.Faults{DropIf: drop}, timing)
	alice = joinBus(t, hub, "Alice", lossy.Faults{}, timing)
	drain(alice.e)
	for _, s := range texts {
		alice.e.Do(Send{Text: s})
	}
	return bob, alice
}
