// Package parttest runs one part alone, with the time given: a recording
// Env (a real ledger and member table; what is written and emitted is
// kept), Step to hand it a datagram, and RunUntil to tick it at each of
// its deadlines. No goroutines of its own, no sleeps.
package parttest

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/ledger"
	"github.com/groupcast/groupcast/netconf/internal/part"
	"github.com/groupcast/groupcast/netconf/internal/presence"
	"github.com/groupcast/groupcast/netconf/internal/reliable"
	"github.com/groupcast/groupcast/netconf/wire"
)

// Env is a part.Env that records.
type Env struct {
	Now     time.Time
	SelfID  wire.SenderID
	Name    string
	Start   time.Time
	Sealed  bool
	Table   *presence.Table
	Led     *ledger.Ledger
	Counts  event.Stats
	Random  *rand.Rand
	Roster  int           // RosterChanged calls
	Written []wire.Packet // what Write, Transmit and Queue sent, decoded, bodies copied
	Plain   [][]byte      // what WritePlain sent // what Write and Transmit sent, decoded, bodies copied
	Events  []event.Event
	// Posted is work handed to the loop by a part's goroutines; Drain runs it.
	Posted chan func(time.Time)
	// Inline: Go runs its work at once, on the caller's goroutine, so
	// what it posts is there for the next Drain (for work that does not
	// block, such as a fake archive's).
	Inline bool
	done   chan struct{}
}

// New is an Env for a member joined at now.
func New(now time.Time) *Env {
	var self wire.SenderID
	self[0] = 0xEE
	params := &reliable.Params{Window: 1024, PeerTimeout: 10 * time.Second, SyncWait: time.Second}
	led := ledger.New(ledger.MaxHosts)
	return &Env{
		Now: now, SelfID: self, Name: "self", Start: now,
		Table:  presence.New(presence.Limits{MaxPeers: 256, MaxPeersPerHost: 8, HeldPerHost: 8 << 20}, params, reliable.NewBudget(64<<20), led),
		Led:    led,
		Random: rand.New(rand.NewPCG(1, 2)),
		Posted: make(chan func(time.Time), 64),
		done:   make(chan struct{}),
	}
}

var _ part.Env = (*Env)(nil)

func (v *Env) Self() wire.SenderID    { return v.SelfID }
func (v *Env) Nick() string           { return v.Name }
func (v *Env) Started() time.Time     { return v.Start }
func (v *Env) Keyed() bool            { return v.Sealed }
func (v *Env) Peers() *presence.Table { return v.Table }
func (v *Env) Emit(ev event.Event)    { v.Events = append(v.Events, ev) }
func (v *Env) Ledger() *ledger.Ledger { return v.Led }
func (v *Env) Stats() *event.Stats    { return &v.Counts }
func (v *Env) Rand() *rand.Rand       { return v.Random }
func (v *Env) Wake()                  {}
func (v *Env) RosterChanged()         { v.Roster++ }
func (v *Env) Go(f func(<-chan struct{})) {
	if v.Inline {
		f(v.done)
		return
	}
	go f(v.done)
}

// Forget removes pr from the table and records PeerLeft.
func (v *Env) Forget(now time.Time, pr *presence.Peer, why presence.Departure) {
	v.Table.Remove(now, pr, why == presence.Left)
	v.Events = append(v.Events, event.PeerLeft{Peer: pr.View(), Timeout: why == presence.Timeout, Evicted: why == presence.Evicted})
}

// Queue records a DATA as Write does (the Env serves as the stream's
// link too).
func (v *Env) Queue(dgram []byte) { _ = v.Transmit(dgram) }

// WritePlain records bare text.
func (v *Env) WritePlain(b []byte) error {
	v.Plain = append(v.Plain, append([]byte(nil), b...))
	return nil
}

// Member admits p's sender as the engine does (without its checks of
// sender binding: a part's tests give honest sources).
func (v *Env) Member(now time.Time, p *wire.Packet, src netip.AddrPort) *presence.Peer {
	if pr := v.Table.Get(p.Sender); pr != nil {
		pr.Heard(now, p.Time)
		return pr
	}
	pr, _, verdict := v.Table.Admit(now, p.Sender, p.Nick, src)
	if verdict != presence.Admitted {
		return nil
	}
	pr.Heard(now, p.Time)
	v.Events = append(v.Events, event.PeerJoined{Peer: event.Peer{ID: pr.ID, Nick: pr.Nick, Host: pr.Host}})
	return pr
}

func (v *Env) Write(p *wire.Packet) error {
	q := *p
	q.Body = append([]byte(nil), p.Body...)
	v.Written = append(v.Written, q)
	return nil
}

func (v *Env) Transmit(b []byte) error {
	p, err := wire.Decode(b)
	if err != nil {
		return err
	}
	return v.Write(&p)
}

func (v *Env) Post(quit <-chan struct{}, f func(time.Time)) bool {
	select {
	case v.Posted <- f:
		return true
	case <-quit:
	case <-v.done:
	}
	return false
}

// Close ends what Go started (their done closes).
func (v *Env) Close() { close(v.done) }

// Drain runs the work posted so far.
func (v *Env) Drain() {
	for {
		select {
		case f := <-v.Posted:
			f(v.Now)
		default:
			return
		}
	}
}

// Step hands p, from src, to pt at the Env's time. The body is copied
// into a buffer that is overwritten afterwards, as a reader's batch is:
// a part that kept a reference to it sees garbage.
func (v *Env) Step(pt part.Part, p wire.Packet, src netip.AddrPort) {
	buf := append([]byte(nil), p.Body...)
	p.Body = buf
	pt.Receive(&part.In{Now: v.Now, P: &p, Src: src})
	for i := range buf {
		buf[i] = 0xA5
	}
}

// Take returns the events emitted so far, and forgets them.
func (v *Env) Take() []event.Event {
	evs := v.Events
	v.Events = nil
	return evs
}

// TakeWritten returns the datagrams sent so far, and forgets them.
func (v *Env) TakeWritten() []wire.Packet {
	w := v.Written
	v.Written = nil
	return w
}

// RunUntil ticks pt at each of its deadlines up to end (running posted
// work before each tick), and fails when a deadline does not move on
// after its tick: a part that would make the loop spin.
func (v *Env) RunUntil(t testing.TB, pt part.Part, end time.Time) {
	t.Helper()
	for steps := 0; ; steps++ {
		v.Drain()
		at := pt.NextDeadline(v.Now)
		if at.IsZero() || at.After(end) {
			v.Now = end
			pt.Tick(end)
			return
		}
		if at.Before(v.Now) {
			at = v.Now
		}
		v.Now = at
		pt.Tick(at)
		if next := pt.NextDeadline(at); !next.IsZero() && !next.After(at) {
			t.Fatalf("deadline %v did not move on after its tick", next)
		}
		if steps > 1_000_000 {
			t.Fatalf("more than a million ticks before %v", end)
		}
	}
}
