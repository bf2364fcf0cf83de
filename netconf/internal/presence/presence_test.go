package presence

import (
	"net/netip"
	"testing"
	"time"

	"github.com/groupcast/groupcast/netconf/internal/reliable"
	"github.com/groupcast/groupcast/netconf/wire"
)

func table(maxPeers, perHost int) *Table {
	params := &reliable.Params{Window: 8192, PeerTimeout: 5 * time.Second, SyncWait: 2500 * time.Millisecond}
	return New(Limits{MaxPeers: maxPeers, MaxPeersPerHost: perHost}, params, reliable.NewBudget(1<<20, 1<<20))
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
