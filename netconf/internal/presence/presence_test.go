package presence

import (
	"math"
	"net/netip"
	"testing"
	"time"

	"github.com/groupcast/groupcast/netconf/internal/ledger"
	"github.com/groupcast/groupcast/netconf/internal/reliable"
	"github.com/groupcast/groupcast/netconf/wire"
)

func table(maxPeers, perHost int) *Table {
	params := &reliable.Params{Window: 8192, PeerTimeout: 5 * time.Second, SyncWait: 2500 * time.Millisecond}
	return New(Limits{MaxPeers: maxPeers, MaxPeersPerHost: perHost, HeldPerHost: 1 << 20}, params, reliable.NewBudget(1<<20), ledger.New(ledger.MaxHosts))
}

func src(host byte) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 18, 0, host}), 40000)
}

func TestAdmitCrowdedAndPaced(t *testing.T) {
	tb := table(100, 4)
	now := time.Unix(1000, 0)
	for i := range 4 {
		if _, _, v := tb.Admit(now, wire.SenderID{1, byte(i)}, "x", src(1)); v != Admitted {
			t.Fatalf("id %d: %v", i, v)
		}
	}
	if _, _, v := tb.Admit(now, wire.SenderID{1, 9}, "x", src(1)); v != Crowded {
		t.Fatalf("a fifth id from one computer: %v", v)
	}
	if _, _, v := tb.Admit(now, wire.SenderID{2}, "y", src(2)); v != Admitted {
		t.Fatalf("another computer: %v", v)
	}
	// Ids that join and leave at once: the burst, then hostAdmitRate a second.
	tb = table(100, 4)
	admitted := 0
	for i := range 40 {
		m, _, v := tb.Admit(now, wire.SenderID{3, byte(i)}, "z", src(3))
		if v == Admitted {
			admitted++
			tb.Remove(now, m, true)
		}
	}
	if admitted != 4 {
		t.Fatalf("%d admitted at once", admitted)
	}
	if _, _, v := tb.Admit(now.Add(time.Second), wire.SenderID{3, 99}, "z", src(3)); v != Admitted {
		t.Fatalf("a second later: %v", v)
	}
}

func TestFullTableEvictsTheSilent(t *testing.T) {
	tb := table(3, 10)
	now := time.Unix(1000, 0)
	a, _, _ := tb.Admit(now, wire.SenderID{1}, "spoke", src(1))
	a.Spoke = true
	b, _, _ := tb.Admit(now.Add(time.Second), wire.SenderID{2}, "quiet, older", src(2))
	tb.Admit(now.Add(2*time.Second), wire.SenderID{3}, "quiet, newer", src(3))
	m, evicted, v := tb.Admit(now.Add(3*time.Second), wire.SenderID{4}, "new", src(4))
	if v != Admitted || m == nil || evicted != b || tb.Get(b.ID) != nil || tb.Len() != 3 {
		t.Fatalf("verdict %v, evicted %+v", v, evicted)
	}
	for _, m := range []*Peer{tb.Get(wire.SenderID{3}), tb.Get(wire.SenderID{4})} {
		m.Spoke = true
	}
	if _, _, v := tb.Admit(now.Add(4*time.Second), wire.SenderID{5}, "late", src(5)); v != Full {
		t.Fatalf("a table of members who spoke: %v", v)
	}
}

func TestRemovedResumeAndDeparted(t *testing.T) {
	tb := table(10, 10)
	now := time.Unix(1000, 0)
	m, _, _ := tb.Admit(now, wire.SenderID{7}, "Alice", src(7))
	m.Stream.Control(now, 5, 1, 0, 0, false, nil) // synced from seq 1, 5 sent
	for seq := uint64(1); seq <= 3; seq++ {
		if m.Stream.Check(now, seq) == reliable.Taken {
			m.Stream.Put(now, seq, reliable.Held{Body: []byte("x")}, nil)
		}
	}
	tb.Remove(now, m, false)
	if tb.Departed(m.ID) {
		t.Fatal("a member that timed out is ignored")
	}
	back, _, _ := tb.Admit(now.Add(time.Second), m.ID, "Alice", src(7))
	if back.Stream.Expected() != 4 {
		t.Fatalf("heard again, it resumes at %d; want 4", back.Stream.Expected())
	}
	tb.Remove(now, back, true)
	if !tb.Departed(m.ID) {
		t.Fatal("a member that said LEAVE is not ignored")
	}
	tb.Tidy(now.Add(11 * time.Second))
	if tb.Departed(m.ID) {
		t.Fatal("who left is never forgotten")
	}
}

// TestHeardSinceGoesBySendTime: a member's datagram that waited in our
// queues (we were busy sending a burst) until after our last message was
// sent before it: the member cannot have heard that message, and must not
// count as heard since. Its clock is five minutes off ours; the least
// delay seen tells the two apart.
func TestHeardSinceGoesBySendTime(t *testing.T) {
	tb := New(Limits{MaxPeers: 8, MaxPeersPerHost: 8, HeldPerHost: 1 << 20}, &reliable.Params{Window: 64, PeerTimeout: 5 * time.Second}, reliable.NewBudget(1<<20), ledger.New(ledger.MaxHosts))
	t0 := time.Unix(5000, 0)
	skew := 5 * time.Minute
	stamp := func(at time.Time) int64 { return at.Add(skew).UnixMicro() } // the member's clock
	pr, _, v := tb.Admit(t0, wire.SenderID{7}, "Bob", netip.MustParseAddrPort("192.0.2.2:4000"))
	if v != Admitted {
		t.Fatal(v)
	}
	pr.Heard(t0, stamp(t0.Add(-200*time.Microsecond))) // on time: 200 µs on the wire
	pr.Heard(t0.Add(time.Second), stamp(t0.Add(time.Second-300*time.Microsecond)))
	lastData := t0.Add(1500 * time.Millisecond)
	// Sent at 1.2 s, taken in at 2.4 s, after a backlog.
	pr.Heard(t0.Add(2400*time.Millisecond), stamp(t0.Add(1200*time.Millisecond)))
	if tb.AllHeardSince(lastData) {
		t.Fatal("a datagram sent before our last message counts as hearing the member since")
	}
	pr.Heard(t0.Add(2500*time.Millisecond), stamp(t0.Add(2500*time.Millisecond-250*time.Microsecond)))
	if !tb.AllHeardSince(lastData) {
		t.Fatal("a datagram sent after our last message does not count")
	}
	// Stamps an attacker would choose do not overflow or panic.
	for _, s := range []int64{math.MinInt64, math.MaxInt64, 0, -1} {
		pr.Heard(t0.Add(3*time.Second), s)
		_ = tb.AllHeardSince(lastData)
	}
}

func TestRepairTimer(t *testing.T) {
	var r RepairTimer
	const least, most = 20 * time.Millisecond, 120 * time.Millisecond
	now := time.Unix(1000, 0)
	// Untimed: the least wait, and half of it more for each ask again for
	// the same.
	for i := range 20 {
		want := min(least*time.Duration(2+max(i-1, 0))/2, most)
		if w := r.Wait(least, most); w != want {
			t.Fatalf("untimed, %d asks: wait %v, want %v", i, w, want)
		}
		r.Asked(now, 5, 7)
	}
	r.Repaired(now.Add(time.Millisecond), 9) // not asked for: nothing said
	if w := r.Wait(least, most); w != most {
		t.Fatalf("after another's repair: %v", w)
	}
	r.Asked(now, 20, 20) // another gap: not backed off
	if w := r.Wait(least, most); w != least {
		t.Fatalf("a new gap: %v", w)
	}
	r.Asked(now, 20, 20)
	r.Repaired(now.Add(time.Millisecond), 20) // answered: back to the estimate
	if w := r.Wait(least, most); w != least {
		t.Fatalf("after a repair: %v", w)
	}
	r = RepairTimer{}
	for i := range uint64(20) { // repairs come 3 ms after each ask
		r.Asked(now, i, i)
		now = now.Add(3 * time.Millisecond)
		r.Repaired(now, i)
	}
	if w := r.Wait(least, most); w != least {
		t.Fatalf("3 ms round trips wait %v, want the least, %v", w, least)
	}
	for i := range uint64(40) { // a busy network: 60 ms
		r.Asked(now, 100+i, 100+i)
		now = now.Add(60 * time.Millisecond)
		r.Repaired(now, 100+i)
	}
	if w := r.Wait(least, most); w < 60*time.Millisecond || w > most {
		t.Fatalf("60 ms round trips wait %v", w)
	}
	before := r.srtt
	r.Asked(now, 500, 500)
	r.Repaired(now.Add(time.Second), 7) // a repair of something else
	if r.srtt != before {
		t.Fatal("a repair not asked for was timed")
	}
}
