// Package part is the shape of the engine's capabilities: the text
// stream, files, catch-up, the classroom's receipts and pins (and next the
// screen) are each a Part in a package of its own, which the engine holds
// and calls by datagram kind, as quic-go's connection holds its frame
// handlers. The engine keeps what every part shares: the loop, the
// membership, the sockets, admission (version, seal, replay, bridges,
// sender binding), the member table, the ledger of what each computer may
// cost, and the event queue. docs/ARCHITECTURE.md says how to add one.
//
// A part never reads a clock or starts a goroutine of its own accord: it
// is given the time (In.Now, Tick's now), says when it next needs the
// loop (NextDeadline), and does what touches the world through the Env it
// was made with. So each part is tested alone, with the time given, as
// the reliable parts are.
package part

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/ledger"
	"github.com/groupcast/groupcast/netconf/internal/presence"
	"github.com/groupcast/groupcast/netconf/wire"
)

// In is one datagram of a kind the part owns, admitted by the engine:
// of our wire version, opened and fresh in a private group, from a bridge
// of this network when forwarded, not our own, and not from a member that
// has left. Its sender is not yet a member: a part checks the body first
// and calls Env.Member, so a malformed datagram never makes a roster entry.
type In struct {
	Now time.Time
	// P is decoded; its Body lies in the reader's batch, which is reused
	// once the batch is done: copy what you keep.
	P *wire.Packet
	// Src is where it came from: the sender's socket, or for a datagram
	// from another network its label (wire.Label). Src.Addr() is the
	// computer every per-computer bound charges (Env.Ledger).
	Src netip.AddrPort
}

// Env is the engine as a part sees it: one membership's. Its methods run
// on the loop, but for Post, Wake and Go, which a part's own goroutines
// use.
type Env interface {
	Self() wire.SenderID
	Nick() string
	// Started is when the membership began.
	Started() time.Time
	// Keyed: a private group, whose datagrams are sealed.
	Keyed() bool
	// Member is the sender of p from src as a member, admitted (PeerJoined
	// queued) on first contact; nil when refused, counted and reported.
	Member(now time.Time, p *wire.Packet, src netip.AddrPort) *presence.Peer
	// Peers is the member table.
	Peers() *presence.Table
	// Forget removes a member from the table, tells every part
	// (PeerLeft) and the user (PeerLeft event).
	Forget(now time.Time, pr *presence.Peer, why presence.Departure)
	// Write encodes p and sends it on the companion port (sealed in a
	// private group); it is not kept for repair. It fails only when p
	// cannot be encoded.
	Write(p *wire.Packet) error
	// Transmit sends an encoded datagram as Write does.
	Transmit(dgram []byte) error
	// Emit queues an event for the user.
	Emit(ev event.Event)
	// RosterChanged says the roster must be published again (a member
	// proved to be the presenter).
	RosterChanged()
	// Ledger holds what each computer may cost and the refusals.
	Ledger() *ledger.Ledger
	// Stats is the engine's counters (count with event.Add).
	Stats() *event.Stats
	// Rand is the loop's random source.
	Rand() *rand.Rand
	// Post runs f on the loop (f is given the time), if the membership is
	// still the one the part was made for. It waits until the loop takes
	// f, and reports false when quit closed or the engine closed first.
	Post(quit <-chan struct{}, f func(now time.Time)) bool
	// Wake makes the loop run the parts' Ticks soon; it never blocks.
	Wake()
	// Go runs f off the loop; the engine's Close waits for it, and done
	// closes when the engine closes.
	Go(f func(done <-chan struct{}))
}

// Part is one capability.
type Part interface {
	// Kinds is the datagram kinds the part owns: fixed for its life.
	Kinds() []wire.Kind
	// Receive handles one datagram of a kind the part owns.
	Receive(in *In)
	// Tick does what is due at now; it runs after every batch of
	// datagrams, command and timer.
	Tick(now time.Time)
	// NextDeadline is when the part next needs a Tick (zero: not until
	// something arrives). It must move on once Tick has run at it.
	NextDeadline(now time.Time) time.Time
	// PeerLeft says a member left the table (left, timed out, evicted),
	// before PeerLeft is queued for the user.
	PeerLeft(now time.Time, pr *presence.Peer)
	// Close ends the part with its membership: stop its goroutines, close
	// its files.
	Close()
}

// Base is a Part's methods that do nothing, for a part to embed.
type Base struct{}

func (Base) Tick(time.Time)                     {}
func (Base) NextDeadline(time.Time) time.Time   { return time.Time{} }
func (Base) PeerLeft(time.Time, *presence.Peer) {}
func (Base) Close()                             {}

// Table is a membership's parts, found by datagram kind.
type Table struct {
	byKind [256]Part
	all    []Part
}

// Add adds p for its kinds; it panics when a kind is claimed twice, a
// bug found at the first Join.
func (t *Table) Add(p Part) {
	for _, k := range p.Kinds() {
		if t.byKind[k] != nil {
			panic(fmt.Sprintf("part: two parts claim %v", k))
		}
		t.byKind[k] = p
	}
	t.all = append(t.all, p)
}

// For is the part that owns kind k, or nil.
func (t *Table) For(k wire.Kind) Part { return t.byKind[k] }

// Tick ticks every part.
func (t *Table) Tick(now time.Time) {
	for _, p := range t.all {
		p.Tick(now)
	}
}

// NextDeadline is the earliest of the parts' deadlines (zero: none).
func (t *Table) NextDeadline(now time.Time) time.Time {
	var next time.Time
	for _, p := range t.all {
		next = Earliest(next, p.NextDeadline(now))
	}
	return next
}

// Earliest is the earliest of the times that are set (zero: none is).
func Earliest(first time.Time, more ...time.Time) time.Time {
	for _, at := range more {
		if !at.IsZero() && (first.IsZero() || at.Before(first)) {
			first = at
		}
	}
	return first
}

// PeerLeft tells every part that pr left.
func (t *Table) PeerLeft(now time.Time, pr *presence.Peer) {
	for _, p := range t.all {
		p.PeerLeft(now, pr)
	}
}

// Close closes every part, the last added first.
func (t *Table) Close() {
	for i := len(t.all) - 1; i >= 0; i-- {
		t.all[i].Close()
	}
}
