// Package reliable is the state machines of reliable delivery
// (docs/PROTOCOL.md, "Reliable delivery"), given the time instead of
// reading a clock: a Stream per remote sender (in order, exactly once,
// gaps asked for or declared lost, pieces put back together), the
// SendBuffer and Pacer of our own stream, the budgets that bound memory
// and repairs, and the queue of events for the user. It does no I/O and
// never imports the engine.
package reliable

import (
	"bytes"
	"time"

	"github.com/groupcast/groupcast/netconf/wire"
)

// Params are the limits and timers a membership's streams share.
type Params struct {
	Window      uint64        // datagrams held ahead of the next one to deliver
	PeerTimeout time.Duration // silence after which a sender is gone: bounds how far its claims may jump
	SyncWait    time.Duration // a new sender's data waits this long for a control datagram
}

// Held is a DATA datagram's content, kept until it can be delivered.
type Held struct {
	Time   int64 // the sender's clock, Unix µs
	Nick   string
	Frag   wire.Frag
	Body   []byte
	Signed bool // the room's presenter signed it, verified
	// Message: signed as the presenter's message, not an announcement
	// (wire.Sig.Message).
	Message bool
	// Refused: the presenter signed it for another session or time (a
	// recording): it takes its place in the stream, so nothing asks for
	// it again, but is never shown.
	Refused bool
	// Wire is the datagram as its sender sent it (a DATA), kept only for
	// a member that keeps history (catch-up answers with it); nil
	// otherwise. It is the holder's own copy.
	Wire []byte
}

// Delivery is what a stream hands on, in order: a message (Lost nil), or
// a gap that cannot be repaired.
type Delivery struct {
	Seq     uint64 // the message's first seq
	Time    int64
	Nick    string
	Text    string
	Signed  bool // every piece was signed by the room's presenter
	Message bool // a piece was signed as the presenter's message: not an announcement
	Refused bool // a piece was refused (Held.Refused): not to be shown
	Lost    *wire.Range
	Wire    [][]byte // the message's datagrams (Held.Wire), when kept
}

// Outcome says what became of a DATA datagram.
type Outcome int

// Outcomes of Stream.Data.
const (
	Taken        Outcome = iota // delivered, or held for later
	Duplicate                   // delivered or held already
	Implausible                 // its seq is beyond what the sender could have sent
	BeyondWindow                // too far ahead, or no room in the budget: asked for again later
)

// Stream is the receive side of one remote sender's stream.
type Stream struct {
	params *Params

	synced   bool      // the start point is known
	start    uint64    // where delivery started, once synced
	syncBy   time.Time // deadline to pick a start point without a control datagram
	expected uint64    // next seq to deliver (before sync: where it may start at the earliest)
	highest  uint64    // highest seq known to exist
	held     map[uint64]Held

	// The seqs a sender's datagrams claim are bounded by what it could
	// have sent: allowance grows at maxSendRate since claimAt.
	claimAt   time.Time
	allowance float64

	nackAt  time.Time // when to ask for what is missing; zero: nothing scheduled
	nackBy  time.Time // the retry planned when repairs began to come (Repaired)
	behind  bool      // the last NACK asked for more than one answer repairs (Asked)
	partial *reassembly

	heldGen    uint64 // changes whenever held does
	low        uint64 // the lowest seq held (0: none), unless lowStale
	lowStale   bool
	missingFor missingKey // missingWas is the gaps as of this
	missingWas []wire.Range

	budget    *Budget // the membership's (nil: unbounded)
	share     Share   // the sender's computer's part of it (nil: unbounded)
	floor     uint64  // where delivery stopped when we last lost track of the sender (Rewind goes no lower)
	bytes     int     // of the budget, held by this stream
	heldSince uint64  // budget tick when it began to hold memory
}

// NewStream starts a stream whose delivery may start no earlier than
// from (0: anywhere), charging what it holds to budget and share.
func NewStream(params *Params, budget *Budget, share Share, from uint64) *Stream {
	return &Stream{params: params, budget: budget, share: share, expected: from, floor: from, held: map[uint64]Held{}}
}

// Rewind moves the start, fixed by a first control datagram from a
// sender older than us, back to seq: a DATA sent after we joined that the
// control overtook (they come on two ports, read by two sockets). Only
// while nothing has been delivered since the start was fixed, and never
// before where delivery stopped when we last lost track of the sender. It
// reports whether seq is now wanted.
func (s *Stream) Rewind(seq uint64) bool {
	if !s.synced || seq == 0 || seq >= s.start || seq < s.floor || s.expected != s.start {
		return false
	}
	s.start, s.expected = seq, seq
	return true
}

// Synced reports whether the stream's start point is known.
func (s *Stream) Synced() bool { return s.synced }

// Start is where delivery started: what came before it was sent before
// we were there (or before we lost track of the sender), and is never
// delivered by the stream. 0 until Synced.
func (s *Stream) Start() uint64 { return s.start }

// Expected is the next seq to deliver.
func (s *Stream) Expected() uint64 { return s.expected }

// Highest is the highest seq known to exist.
func (s *Stream) Highest() uint64 { return s.highest }

// Check decides whether a DATA (or REPAIR) datagram numbered seq is
// wanted, learning from it how far the sender has got; Put then takes it.
// The two are apart so that what costs (checking a signature) is done only
// for a datagram that is wanted.
func (s *Stream) Check(now time.Time, seq uint64) Outcome {
	if seq < s.expected {
		return Duplicate // delivered already (before sync: before we last lost track of it)
	}
	if _, dup := s.held[seq]; dup {
		return Duplicate
	}
	if !s.claim(now, seq, -1) {
		return Implausible
	}
	base := s.expected
	if !s.synced {
		base = s.lowestHeld(seq)
	}
	if seq >= base+s.params.Window {
		return BeyondWindow // asked for again once the window moves
	}
	return Taken
}

// Put takes datagram seq, which Check wanted, and appends to out what can
// now be delivered. d.Body may alias a buffer that is reused: it is copied
// when held. It reports false when there is no room in the budget to hold
// it (it is asked for again later).
func (s *Stream) Put(now time.Time, seq uint64, d Held, out []Delivery) ([]Delivery, bool) {
	if s.synced && seq == s.expected {
		// The next one expected, the common case: delivered at once,
		// with whatever it unblocks, without being held.
		s.expected++
		return s.deliverReady(s.accept(seq, d, out)), true
	}
	d.Body = bytes.Clone(d.Body)
	if !s.hold(seq, d) {
		return out, false
	}
	if !s.synced {
		if s.syncBy.IsZero() {
			s.syncBy = now.Add(s.params.SyncWait)
		}
		return out, true
	}
	return s.deliverReady(out), true
}

// Control takes what a HELLO, HEARTBEAT or LEAVE says of the stream: the
// sender's highest seq, the lowest it can still repair (trail), and its
// uptime in seconds by its own clock. A first one fixes where delivery
// starts: a sender that began after we joined (ourUptime ago, within a
// second) from its first message, an older one from what we hold or its
// next message. A LEAVE gives up on everything missing. It reports false,
// changing nothing, for a seq the sender could not have reached.
func (s *Stream) Control(now time.Time, seq, trail uint64, uptime float64, ourUptime time.Duration, leaving bool, out []Delivery) ([]Delivery, bool) {
	if !s.claim(now, seq, uptime) {
		return out, false
	}
	if !s.synced {
		start := s.lowestHeld(seq + 1)
		if uptime <= (ourUptime + time.Second).Seconds() {
			start = max(trail, 1)
		}
		out = s.sync(start, out)
	} else if trail > s.expected {
		out = s.giveUpBefore(trail, out) // aged out of the sender's buffer
	}
	if leaving {
		out = s.giveUpBefore(s.highest+1, out) // it answers no more NACKs
	}
	return out, true
}

// SyncDue reports whether data came but no control datagram within
// SyncWait: then delivery starts with what is held (StartHere).
func (s *Stream) SyncDue(now time.Time) bool {
	return !s.synced && !s.syncBy.IsZero() && !now.Before(s.syncBy)
}

// StartHere starts delivery at the lowest seq held.
func (s *Stream) StartHere(out []Delivery) []Delivery {
	return s.sync(s.lowestHeld(s.highest+1), out)
}

// sync fixes the start point and delivers what it can.
func (s *Stream) sync(start uint64, out []Delivery) []Delivery {
	s.synced = true
	s.syncBy = time.Time{}
	s.expected = max(start, s.expected, 1) // never before where we stopped last time
	if s.start == 0 {
		s.start = s.expected
	}
	for seq := range s.held {
		if seq < s.expected {
			s.take(seq)
		}
	}
	return s.deliverReady(out)
}

// GiveUp delivers what is held and declares every gap up to the highest
// seq known lost: the sender is gone, or no gap may wait any longer.
func (s *Stream) GiveUp(out []Delivery) []Delivery {
	return s.giveUpBefore(s.highest+1, out)
}

// NextDeadline is when something is next due for the stream (zero: never).
func (s *Stream) NextDeadline() time.Time {
	switch {
	case s.nackAt.IsZero():
		return s.syncBy
	case s.syncBy.IsZero() || s.nackAt.Before(s.syncBy):
		return s.nackAt
	}
	return s.syncBy
}
