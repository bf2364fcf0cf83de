// Package catchup is the engine's catch-up part (docs/PROTOCOL.md,
// "Catch-up"): a member that keeps history asks the group, when it
// joins, for what was said since it last kept something; members that
// keep history answer with the messages they hold, each a DATA as its
// sender sent it, inside a CATCHUP of their own (sealed as usual in a
// private group). A member takes from them only what its own streams
// will never deliver: what was sent before it was there.
//
// The part owns CATCHUP_ASK and CATCHUP. It reads its Archive off the
// loop (part.Env.Go) and hands what it said back through part.Env.Post;
// what each computer may ask of it, and what all answers may cost, is
// charged to the membership's ledger.
package catchup

import (
	"net/netip"
	"time"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/classroom"
	"github.com/groupcast/groupcast/netconf/internal/ledger"
	"github.com/groupcast/groupcast/netconf/internal/part"
	"github.com/groupcast/groupcast/netconf/internal/seal"
	"github.com/groupcast/groupcast/netconf/wire"
)

const (
	// Span is how far back a member asks, at most (and how far back an
	// answer reaches, whatever the ask says): a school day.
	Span = 24 * time.Hour
	// Messages bounds an answer: the latest this many messages, and at
	// most Datagrams datagrams.
	Messages  = 500
	Datagrams = 1024
	// Answers are paced: Burst datagrams every Timing.Pace (6 400 a
	// second, about 9 MB/s at most, with the default pace).
	Burst = 32
	// AsksPerJoin is how often a membership asks: a first ask and, while
	// nobody answers, its retries (Timing.Retries).
	AsksPerJoin = 3
	// A member answers a computer's asks as often as the protocol sends
	// them: HostAsks at once (a membership's asks, and as many again
	// when it joins again or its computer restarts), then one more every
	// Every. An ask is charged only when an answer goes out: a member
	// with nothing to answer with, or whose answer another member's made
	// needless, gives the charge back. Asks beyond those are a flood,
	// refused and reported. Over all computers a member sends at most
	// Allowance datagrams of answers, earning Rate a second: a flood of
	// asks (from forged addresses, say) costs the group at most that.
	HostAsks  = 2 * AsksPerJoin
	Every     = 10 * time.Second
	Allowance = 2 * Datagrams
	Rate      = 200
	// Askers bounds the asks one answer stands for (their computers are
	// charged, or given the charge back, when it goes or does not).
	Askers = 256
	// Bounds of what an asking member keeps: datagrams seen, messages
	// being put together from pieces.
	Seen    = 8192
	Partial = 64
)

// Timing is when the part asks and answers.
type Timing struct {
	// FirstAsk: the first ask goes this long after joining, once the
	// members' heartbeats have said where their streams are.
	FirstAsk time.Duration
	// Open: answers are taken for this long after an ask.
	Open time.Duration
	// Retries: when nothing answered, the ask is repeated after these
	// (AsksPerJoin-1 of them: the answerers allow no more).
	Retries []time.Duration
	// Pace: a burst of an answer's datagrams goes every Pace.
	Pace time.Duration
	// An answer waits a random 0-Delay (plus Late when we were not there
	// for all that was asked), and is not sent when another member's is
	// heard meanwhile.
	Delay, Late time.Duration
}

// DefaultTiming is the protocol's timing.
func DefaultTiming() Timing {
	return Timing{FirstAsk: 1200 * time.Millisecond, Open: 10 * time.Second,
		Retries: []time.Duration{2 * time.Second, 5 * time.Second},
		Pace:    5 * time.Millisecond, Delay: 150 * time.Millisecond, Late: 300 * time.Millisecond}
}

// Archive is a conversation's kept messages, as catch-up needs them.
// Its methods are called from a goroutine of their own, never the
// engine's loop.
type Archive interface {
	// Last is when something of the conversation was last kept (zero:
	// never).
	Last() (time.Time, error)
	// Kept is up to max of the latest messages kept that were received
	// at or after since, oldest first, each as the DATA datagrams it
	// came in (Message.Wire).
	Kept(since time.Time, max int) ([][][]byte, error)
}

// Shown notes an announcement (a presenter's message, seq of sender)
// shown at now, so that it is acknowledged, and reports whether it was
// shown before (pinned, live or caught up).
type Shown func(sender wire.SenderID, seq uint64, now time.Time) (seenBefore bool)

// Config is what a Part is made with.
type Config struct {
	// Archive is what the member keeps (nil: it keeps nothing, and
	// neither asks nor answers; what comes is read and ignored).
	Archive Archive
	Judge   *classroom.Judge
	Shown   Shown
	Timing  Timing
}

// Part is a membership's catch-up: what it asks for and takes, and the
// answer it gives.
type Part struct {
	part.Base
	env     part.Env
	archive Archive
	judge   *classroom.Judge
	shown   Shown
	t       Timing
	quit    chan struct{}
	stats   *event.Stats
	ledger  *ledger.Ledger
	// perHost: the asks of each computer answered (HostAsks, then one
	// per Every); answers: the datagrams of all answers.
	perHost, answers ledger.PurseID

	// Asking.
	since   time.Time // what we ask for (zero until Archive.Last is known)
	asks    int       // asks sent
	askAt   time.Time // the next ask (zero: none due)
	until   time.Time // answers are taken until then
	seen    map[dgKey]struct{}
	pieces  map[dgKey]*caughtPieces // by the message's first seq
	scratch []byte

	// Answering.
	answerAt    time.Time // our answer is due then (zero: none)
	answerSince time.Time
	othersHeard bool         // another member answered meanwhile: we stay quiet
	askers      []netip.Addr // the computers charged for the answer planned or being read
	fetching    bool         // Archive.Kept runs
	outq        [][]byte
	sendAt      time.Time
}

type dgKey struct {
	sender wire.SenderID
	seq    uint64
}

var _ part.Part = (*Part)(nil)

// New is the catch-up of the membership env is; with an archive it asks
// it, off the loop, when we last kept something, and the first ask goes
// once it has said.
func New(env part.Env, cfg Config) *Part {
	c := &Part{env: env, archive: cfg.Archive, judge: cfg.Judge, shown: cfg.Shown, t: cfg.Timing,
		quit: make(chan struct{}), stats: env.Stats(), ledger: env.Ledger(),
		seen: map[dgKey]struct{}{}, pieces: map[dgKey]*caughtPieces{}}
	c.perHost = c.ledger.Open(ledger.Purse{Host: ledger.Allowance{Burst: HostAsks, PerSecond: 1 / Every.Seconds()}})
	c.answers = c.ledger.Open(ledger.Purse{All: ledger.Allowance{Burst: Allowance, PerSecond: Rate}})
	if a := c.archive; a != nil {
		env.Go(func(<-chan struct{}) {
			at, err := a.Last()
			env.Post(c.quit, func(now time.Time) { c.onLast(now, at, err) })
		})
	}
	return c
}

// Kinds is CATCHUP_ASK and CATCHUP.
func (c *Part) Kinds() []wire.Kind { return []wire.Kind{wire.KindCatchUpAsk, wire.KindCatchUp} }

// Receive handles an ask or an answer.
func (c *Part) Receive(in *part.In) {
	switch in.P.Kind {
	case wire.KindCatchUpAsk:
		c.onAsk(in.Now, in.P, in.Src)
	case wire.KindCatchUp:
		c.onCatchUp(in.Now, in.P, in.Src)
	}
}

// Close stops what the archive would still say from reaching the loop.
func (c *Part) Close() {
	select {
	case <-c.quit:
	default:
		close(c.quit)
	}
}

// onLast takes what Archive.Last said: the first ask is due.
func (c *Part) onLast(now, at time.Time, err error) {
	since := now.Add(-Span)
	if err == nil && !at.IsZero() {
		// Clocks may disagree: ask a little further back; what we
		// already have is known by its sender and seq.
		since = later(since, at.Add(-seal.MaxClockSkew))
	}
	c.since = since
	c.askAt = later(now, c.env.Started().Add(c.t.FirstAsk))
}

// Tick asks, fetches an answer and sends it, as each is due.
func (c *Part) Tick(now time.Time) {
	if !c.askAt.IsZero() && !now.Before(c.askAt) {
		c.ask(now)
	}
	if !c.answerAt.IsZero() && !now.Before(c.answerAt) {
		c.answerAt = time.Time{}
		if c.othersHeard {
			c.giveBack(now) // another member answered: ours is not sent
		} else if !c.fetching {
			c.fetch()
		}
	}
	if len(c.outq) > 0 && !now.Before(c.sendAt) {
		c.sendBurst(now)
	}
	if !c.until.IsZero() && now.After(c.until) {
		c.until = time.Time{}
		clear(c.pieces) // pieces that will not come
	}
}

// NextDeadline is when catch-up next has something to do (zero: never).
func (c *Part) NextDeadline(time.Time) time.Time {
	next := part.Earliest(part.Earliest(c.askAt, c.answerAt), c.closes())
	if len(c.outq) > 0 {
		next = part.Earliest(next, c.sendAt)
	}
	return next
}

// closes is when answers are no longer taken: just after until.
func (c *Part) closes() time.Time {
	if c.until.IsZero() {
		return time.Time{}
	}
	return c.until.Add(time.Nanosecond)
}

// ask asks the group for what was said since c.since.
func (c *Part) ask(now time.Time) {
	c.scratch = wire.AppendCatchUpAsk(c.scratch[:0], c.since.UnixMicro())
	p := wire.Packet{Kind: wire.KindCatchUpAsk, Sender: c.env.Self(), Time: now.UnixMicro(), Nick: c.env.Nick(), Body: c.scratch}
	c.env.Write(&p)
	c.until = now.Add(c.t.Open)
	c.askAt = time.Time{}
	if c.asks < len(c.t.Retries) {
		c.askAt = now.Add(c.t.Retries[c.asks])
	}
	c.asks++
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func (c *Part) count(n *uint64) { event.Add(n, 1) }

// refuseFlood counts an ask refused because its computer asked again.
func (c *Part) refuseFlood(now time.Time, nick string, host netip.Addr) {
	c.count(&c.stats.CatchUpRefused)
	c.ledger.Refuse(now, event.UnreadableCatchUpFlood, nick, host)
}
