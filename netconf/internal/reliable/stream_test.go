package reliable

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/groupcast/groupcast/netconf/wire"
)

var testParams = Params{Window: 8192, PeerTimeout: 5 * time.Second, SyncWait: 2500 * time.Millisecond}

// testPeer is a synced stream expecting seq 1, with no budget.
func testPeer() *Stream {
	p := NewStream(&Params{Window: testParams.Window, PeerTimeout: testParams.PeerTimeout, SyncWait: testParams.SyncWait}, nil, nil, 1)
	p.synced = true
	return p
}

func hold(p *Stream, seq uint64, body string, f wire.Frag) {
	p.hold(seq, Held{Body: []byte(body), Frag: f, Nick: "Bob"})
	p.highest = max(p.highest, seq)
}

// describe renders deliveries as "text" and "lost a-b".
func describe(out []Delivery) string {
	var s []string
	for _, d := range out {
		if d.Lost == nil {
			s = append(s, d.Text)
		} else {
			s = append(s, fmt.Sprintf("lost %d-%d", d.Lost.First, d.Lost.Last))
		}
	}
	return strings.Join(s, ",")
}

func TestPeerMissingAndCovers(t *testing.T) {
	p := testPeer()
	for _, s := range []uint64{2, 3, 6, 9} {
		hold(p, s, "x", wire.Frag{})
	}
	want := []wire.Range{{First: 1, Last: 1}, {First: 4, Last: 5}, {First: 7, Last: 8}}
	got := p.Missing()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("missing %v; want %v", got, want)
	}
	if got := withWindow(p, 5).Missing(); fmt.Sprint(got) != fmt.Sprint([]wire.Range{{First: 1, Last: 1}, {First: 4, Last: 5}}) {
		t.Fatalf("missing within a window of 5: %v", got)
	}
	withWindow(p, testParams.Window)
	if !covers([]wire.Range{{First: 1, Last: 8}}, want) || covers([]wire.Range{{First: 1, Last: 5}}, want) || covers(want, nil) {
		t.Fatal("covers is wrong")
	}
	// The gaps are remembered until something they depend on changes.
	if got := p.Missing(); &got[0] != &p.Missing()[0] {
		t.Fatal("the gaps were walked again with nothing changed")
	}
	hold(p, 4, "x", wire.Frag{})
	if got := p.Missing(); fmt.Sprint(got) != fmt.Sprint([]wire.Range{{First: 1, Last: 1}, {First: 5, Last: 5}, {First: 7, Last: 8}}) {
		t.Fatalf("after holding 4: %v", got)
	}
	p.highest = 11
	if got := p.Missing(); fmt.Sprint(got) != fmt.Sprint([]wire.Range{{First: 1, Last: 1}, {First: 5, Last: 5}, {First: 7, Last: 8}, {First: 10, Last: 11}}) {
		t.Fatalf("after learning of 11: %v", got)
	}
}

func TestPeerGiveUpDeliversWhatIsHeld(t *testing.T) {
	p := testPeer()
	hold(p, 2, "two", wire.Frag{})
	hold(p, 4, "four", wire.Frag{})
	hold(p, 7, "seven", wire.Frag{})
	out := p.giveUpBefore(6, nil)
	if got := describe(out); got != "lost 1-1,two,lost 3-3,four,lost 5-5" {
		t.Fatalf("got %s", got)
	}
	if p.expected != 6 {
		t.Fatalf("expected %d", p.expected)
	}
	hold(p, 6, "six", wire.Frag{})
	if got := describe(p.deliverReady(nil)); got != "six,seven" {
		t.Fatalf("then %s", got)
	}
}

// TestGiveUpBeforeItsStartWasLearnt: a sender whose control datagrams
// never arrived (they travel on another port than its messages) times out
// holding 1 and 3: they are shown with 2 lost, and nothing before 1 is
// called lost (it once reported "seq 0 lost").
func TestGiveUpBeforeItsStartWasLearnt(t *testing.T) {
	p := NewStream(&testParams, nil, nil, 1)
	hold(p, 1, "one", wire.Frag{})
	hold(p, 3, "three", wire.Frag{})
	if got := describe(p.GiveUp(nil)); got != "one,lost 2-2,three" {
		t.Fatalf("got %s", got)
	}
}

// TestPeerGiveUpIsSizedByWhatIsHeld: giving up up to a seq taken from the
// wire costs what is held, not the distance to that seq (a forged LEAVE
// claiming seq 2^62 once froze the engine in this loop).
func TestPeerGiveUpIsSizedByWhatIsHeld(t *testing.T) {
	p := testPeer()
	hold(p, 3, "three", wire.Frag{})
	hold(p, 1<<40, "far", wire.Frag{})
	done := make(chan string, 1)
	go func() { done <- describe(p.giveUpBefore(1<<62, nil)) }()
	select {
	case got := <-done:
		want := fmt.Sprintf("lost 1-2,three,lost 4-%d,far,lost %d-%d", uint64(1<<40)-1, uint64(1<<40)+1, uint64(1<<62)-1)
		if got != want {
			t.Fatalf("got %s; want %s", got, want)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("giveUpBefore(2^62) walks one seq at a time")
	}
	if p.expected != 1<<62 || len(p.held) != 0 {
		t.Fatalf("expected %d, %d held", p.expected, len(p.held))
	}
}

func TestPeerReassembly(t *testing.T) {
	p := testPeer()
	hold(p, 1, "hel", wire.Frag{Index: 0, Count: 3})
	hold(p, 2, "lo ", wire.Frag{Index: 1, Count: 3})
	hold(p, 3, "世界", wire.Frag{Index: 2, Count: 3})
	hold(p, 4, "plain", wire.Frag{})
	if got := describe(p.deliverReady(nil)); got != "hello 世界,plain" {
		t.Fatalf("got %s", got)
	}
	m := p.deliverReady(nil)
	if len(m) != 0 {
		t.Fatalf("extra %s", describe(m))
	}

	// A piece without its start (lost and reported) shows nothing.
	p = testPeer()
	hold(p, 2, "orphan", wire.Frag{Index: 1, Count: 2})
	hold(p, 3, "ok", wire.Frag{})
	if got := describe(p.giveUpBefore(2, nil)); got != "lost 1-1,ok" {
		t.Fatalf("orphan piece: %s", got)
	}

	// A sender that changes the count mid-message, or sends broken UTF-8.
	p = testPeer()
	hold(p, 1, "a", wire.Frag{Index: 0, Count: 3})
	hold(p, 2, "b", wire.Frag{Index: 1, Count: 4})
	hold(p, 3, "\xe4\xb8", wire.Frag{Index: 0, Count: 2})
	hold(p, 4, "\xff", wire.Frag{Index: 1, Count: 2})
	hold(p, 5, "fine", wire.Frag{})
	if got := describe(p.deliverReady(nil)); got != "lost 3-4,fine" {
		t.Fatalf("broken fragments: %s", got)
	}
}

func TestPeerReassemblyIsBounded(t *testing.T) {
	p := testPeer()
	piece := strings.Repeat("x", wire.MaxFragmentText)
	n := uint16(wire.MaxFragments)
	for i := range n {
		hold(p, uint64(i)+1, piece, wire.Frag{Index: i, Count: n})
	}
	out := p.deliverReady(nil)
	if len(out) != 0 || p.partial != nil {
		t.Fatalf("a message over %d bytes was assembled: %s", wire.MaxMessage, describe(out))
	}
}

func TestPeerHeldMemoryIsBudgeted(t *testing.T) {
	budget := &Budget{limit: testHeld}
	a, b, c := testPeer(), testPeer(), testPeer()
	hostA, hostB := &testShare{limit: testHeld / 2}, &testShare{limit: testHeld / 2}
	a.budget, b.budget, c.budget = budget, budget, budget
	a.share, b.share, c.share = hostA, hostA, hostB
	piece := Held{Body: make([]byte, 1<<20)}
	n := 0
	for seq := uint64(2); a.hold(seq, piece) && b.hold(seq, piece); seq++ {
		n += 2
	}
	if hostA.bytes > hostA.limit || n < hostA.limit/(1<<20)-2 {
		t.Fatalf("one computer's senders held %d MiB in %d datagrams; its share is %d MiB", hostA.bytes>>20, n, hostA.limit>>20)
	}
	seq := uint64(2)
	for ; c.hold(seq, piece); seq++ {
	}
	for ; c.hold(seq, Held{Body: []byte("x")}); seq++ {
	}
	if budget.used > budget.limit || hostB.bytes > hostB.limit {
		t.Fatalf("held %d MiB (%d on the second computer); budget %d MiB", budget.used>>20, hostB.bytes>>20, budget.limit>>20)
	}
	// Pieces of a message count too, and are given back.
	hold(c, 1, "x", wire.Frag{Index: 0, Count: 2})
	c.take(1)
	c.expected = 1
	if out := c.accept(1, Held{Body: []byte("x"), Frag: wire.Frag{Index: 0, Count: 2}}, nil); len(out) != 1 || out[0].Lost == nil {
		t.Fatalf("a piece beyond the budget: %s", describe(out))
	}
	a.Release()
	b.Release()
	c.Release()
	if budget.used != 0 || hostA.bytes != 0 || hostB.bytes != 0 {
		t.Fatalf("budget %d (%d, %d) after release", budget.used, hostA.bytes, hostB.bytes)
	}
}

// FuzzReassembly drives a peer's ordering and reassembly with arbitrary
// fragments: it must not panic, hold more than its budget, or deliver a
// message over MaxMessage or with invalid UTF-8.
func FuzzReassembly(f *testing.F) {
	f.Add([]byte{1, 0, 3, 2, 1, 3, 3, 2, 3, 2, 0, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		budget := &Budget{limit: 64 << 10}
		share := &testShare{limit: 48 << 10}
		p := testPeer()
		p.budget, p.share = budget, share
		for len(ops) >= 3 {
			seq := uint64(ops[0]%40) + 1
			idx, count := uint16(ops[1]%8), uint16(ops[2]%8)
			ops = ops[3:]
			if count > 0 && idx >= count {
				idx = count - 1
			}
			body := strings.Repeat("é", int(seq)%5)
			if seq%7 == 0 {
				body = "\xff"
			}
			if seq >= p.expected {
				if _, dup := p.held[seq]; !dup {
					p.hold(seq, Held{Body: []byte(body), Frag: wire.Frag{Index: idx, Count: count}})
					p.highest = max(p.highest, seq)
				}
			}
			var out []Delivery
			if seq%5 == 0 {
				out = p.giveUpBefore(seq, nil)
			} else {
				out = p.deliverReady(nil)
			}
			for _, d := range out {
				if d.Lost == nil && (len(d.Text) > wire.MaxMessage || !utf8ValidString(d.Text)) {
					t.Fatalf("delivered a bad message %q", d.Text)
				}
			}
			if budget.used > budget.limit || budget.used < 0 || share.bytes != budget.used || share.bytes > share.limit {
				t.Fatalf("budget %+v, share %+v", budget, share)
			}
		}
	})
}

func utf8ValidString(s string) bool { return utf8.ValidString(s) }

const testHeld = 64 << 20

// testShare is a computer's share as the ledger keeps it: at most limit.
type testShare struct{ bytes, limit int }

func (s *testShare) Hold(n int) bool {
	if s.bytes+n > s.limit {
		return false
	}
	s.bytes += n
	return true
}

func (s *testShare) Release(n int) { s.bytes -= n }

// withWindow gives p a window of n datagrams.
func withWindow(p *Stream, n uint64) *Stream {
	params := *p.params
	params.Window = n
	p.params = &params
	return p
}

// Rewind moves a start fixed by a control datagram back, only while
// nothing was delivered since, and never below the resume point.
func TestRewind(t *testing.T) {
	p := NewStream(&testParams, nil, nil, 3) // delivery stopped at 3 when we last lost track of it
	p.Control(time.Now(), 9, 1, 3600, time.Second, false, nil)
	if p.Start() != 10 || p.Rewind(2) || !p.Rewind(5) || p.Start() != 5 || p.Expected() != 5 {
		t.Fatalf("start %d, expected %d; want 5, 5 (not below 3)", p.Start(), p.Expected())
	}
	out, _ := p.Put(time.Now(), 5, Held{Body: []byte("five")}, nil)
	if len(out) != 1 || p.Rewind(4) {
		t.Fatalf("delivered %d; rewound after a delivery", len(out))
	}
}
