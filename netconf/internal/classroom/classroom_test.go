package classroom

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/groupcast/groupcast/netconf/internal/ledger"
	"github.com/groupcast/groupcast/netconf/internal/presence"
	"github.com/groupcast/groupcast/netconf/internal/reliable"
	"github.com/groupcast/groupcast/netconf/wire"
)

func TestReportsAreCoalescedAndBounded(t *testing.T) {
	members := newMembers()
	now := time.Unix(1000, 0)
	p := NewPresenter()
	p.Announced(now, 1, []byte("one"))
	for i := range 20 {
		members.Admit(now, wire.SenderID{byte(i + 1)}, fmt.Sprintf("pc%02d", i), pcAddr(i))
		p.Newcomer(now)
	}
	counts := p.Report(now, members)
	if len(counts) != 1 || counts[0].Received != 0 || counts[0].Members != 20 || len(counts[0].Missing) != MaxMissing || counts[0].Missing[0].Nick != "pc00" {
		t.Fatalf("first report %+v", counts)
	}
	p.Ack(now, wire.SenderID{1}, 1)
	if got := p.Report(now.Add(ReportEvery/2), members); got != nil {
		t.Fatalf("reported again within %v: %+v", ReportEvery, got)
	}
	if got := p.Report(now.Add(ReportEvery), members); len(got) != 1 || got[0].Received != 1 {
		t.Fatalf("after an ack: %+v", got)
	}
	if got := p.PinnedDue(now.Add(pinAfter)); len(got) != 1 {
		t.Fatalf("pinned for newcomers: %q", got)
	}
}

func TestStudentReceipts(t *testing.T) {
	s := NewStudent()
	now := time.Unix(1000, 0)
	teacher := wire.SenderID{7}
	s.Shown(teacher, 1, now, 50*time.Millisecond)
	s.Shown(teacher, 2, now, 50*time.Millisecond)
	if _, _, ok := s.ReceiptDue(now); ok {
		t.Fatal("a receipt before its delay")
	}
	for i, at := range []time.Duration{50 * time.Millisecond, 1050 * time.Millisecond} {
		to, seq, ok := s.ReceiptDue(now.Add(at))
		if !ok || to != teacher || seq != 2 {
			t.Fatalf("receipt %d: %v %d %v", i, to, seq, ok)
		}
	}
	if _, _, ok := s.ReceiptDue(now.Add(time.Hour)); ok || !s.Seen(teacher, 1) || s.Seen(teacher, 3) {
		t.Fatal("a third receipt, or what was shown is forgotten")
	}
}

// TestAnnouncementIsCountedAtOnce: a new announcement is reported at
// once as received by none of the members present, naming them, before
// any receipt arrives (the presenter saw nothing until the first one).
func TestAnnouncementIsCountedAtOnce(t *testing.T) {
	members := newMembers()
	now := time.Unix(1000, 0)
	p := NewPresenter()
	for i := range 11 {
		members.Admit(now, wire.SenderID{byte(i + 1)}, fmt.Sprintf("pc%02d", i), pcAddr(i))
		p.Newcomer(now)
	}
	if got := p.Report(now, members); got != nil {
		t.Fatalf("reported before any announcement: %+v", got)
	}
	later := now.Add(time.Minute)
	p.Announced(later, 1, []byte("one"))
	got := p.Report(later, members)
	if len(got) != 1 || got[0].Seq != 1 || got[0].Received != 0 || got[0].Members != 11 || len(got[0].Missing) != MaxMissing {
		t.Fatalf("right after the announcement: %+v", got)
	}
}

// TestUnacknowledgedAnnouncementIsPinnedAgain: while a member present has
// not acknowledged an announcement (it was cut off when it went out), the
// pinned announcements go out again, after 2 s, then 4 s, 8 s, ... at most
// RepinMax apart; once every member has it, they stop.
func TestUnacknowledgedAnnouncementIsPinnedAgain(t *testing.T) {
	members := newMembers()
	now := time.Unix(1000, 0)
	p := NewPresenter()
	for i := range 3 {
		members.Admit(now, wire.SenderID{byte(i + 1)}, fmt.Sprintf("pc%d", i+1), pcAddr(i))
	}
	p.Announced(now, 1, []byte("one"))
	p.Report(now, members)
	p.Ack(now, wire.SenderID{1}, 1)
	p.Ack(now, wire.SenderID{2}, 1)
	p.Report(now.Add(ReportEvery), members)
	if got := p.PinnedDue(now.Add(RepinFirst - time.Millisecond)); got != nil {
		t.Fatalf("pinned again too early: %q", got)
	}
	at := now.Add(RepinFirst)
	if got := p.PinnedDue(at); len(got) != 1 {
		t.Fatalf("pc3 has not got it: want it pinned again at %v, got %q", RepinFirst, got)
	}
	if next := p.NextDeadline(); next != at.Add(2*RepinFirst) {
		t.Fatalf("next try at %v; want %v later", next.Sub(at), 2*RepinFirst)
	}
	p.Ack(at, wire.SenderID{3}, 1)
	p.Report(at.Add(ReportEvery), members)
	for i := range 10 {
		if got := p.PinnedDue(at.Add(time.Duration(i) * RepinMax)); got != nil {
			t.Fatalf("pinned again though everyone has it: %q", got)
		}
	}
}

// pcAddr is the socket of the i-th PC of a lab: a computer of its own.
func pcAddr(i int) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 18, byte(1 + i/250), byte(1 + i%250)}), 4000)
}

// TestReceiptsCountComputers: a computer counts once, and has an
// announcement when every member on it acknowledged it; ids made up on
// one PC count as that PC.
func TestReceiptsCountComputers(t *testing.T) {
	members := newMembers()
	now := time.Unix(1000, 0)
	p := NewPresenter()
	p.Announced(now, 1, []byte("one"))
	fakes := netip.MustParseAddrPort("198.18.0.66:5000")
	for i := range 30 {
		members.Admit(now, wire.SenderID{0xfa, byte(i + 1)}, "Mallory", fakes)
		p.Ack(now, wire.SenderID{0xfa, byte(i + 1)}, 1)
	}
	members.Admit(now, wire.SenderID{1}, "pc1", pcAddr(0))
	members.Admit(now, wire.SenderID{2}, "pc2", pcAddr(1))
	p.Ack(now, wire.SenderID{1}, 1)
	got := p.Report(now, members)
	if len(got) != 1 || got[0].Members != 3 || got[0].Received != 2 || len(got[0].Missing) != 1 || got[0].Missing[0].Nick != "pc2" {
		t.Fatalf("30 made-up ids on one PC, pc1 has it, pc2 not: %+v", got)
	}
	if c := got[0]; c.People != 32 || len(c.Have) != 2 || c.Have[0].Nick != "Mallory" || c.Have[1].Nick != "pc1" {
		t.Fatalf("people %d, named as having it %v; want 32, Mallory's PC and pc1", c.People, c.Have)
	}
	// A computer with one member that has not acknowledged lacks it.
	members.Admit(now, wire.SenderID{0xfa, 99}, "Mallory", fakes)
	p.Changed(now)
	got = p.Report(now.Add(ReportEvery), members)
	if len(got) != 1 || got[0].Received != 1 || got[0].Members != 3 {
		t.Fatalf("one id on the fakes' PC without it: %+v", got)
	}
}

// newMembers is an empty member table of room enough for the tests.
func newMembers() *presence.Table {
	params := &reliable.Params{Window: 8192, PeerTimeout: 5 * time.Second}
	return presence.New(presence.Limits{MaxPeers: 100, MaxPeersPerHost: 100, HeldPerHost: 1 << 20}, params, reliable.NewBudget(1<<20), ledger.New(ledger.MaxHosts))
}
