package classroom

import (
	"math/rand/v2"
	"time"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/part"
	"github.com/groupcast/groupcast/netconf/internal/presence"
	"github.com/groupcast/groupcast/netconf/wire"
)

// Part is a membership's classroom (part.Part): it owns RECEIPT and
// PINNED. As a member it shows pinned announcements once and sends the
// receipts it owes; as the presenter it counts receipts, reports them,
// and pins its announcements for those who join later.
type Part struct {
	part.Base
	env        part.Env
	judge      *Judge
	student    *Student
	presenting *Presenter // nil unless we present
	scratch    []byte
	wbuf       []byte
}

// NewPart is the classroom of a membership whose room judge is judge.
func NewPart(env part.Env, judge *Judge) *Part {
	c := &Part{env: env, judge: judge, student: NewStudent(), wbuf: make([]byte, 0, wire.MaxDatagram)}
	if judge.Presenting() {
		c.presenting = NewPresenter()
	}
	return c
}

// Kinds: receipts and pinned announcements.
func (c *Part) Kinds() []wire.Kind { return []wire.Kind{wire.KindReceipt, wire.KindPinned} }

// Presenting: we present the room.
func (c *Part) Presenting() bool { return c.presenting != nil }

// Receive handles a RECEIPT or a PINNED.
func (c *Part) Receive(in *part.In) {
	if in.P.Kind == wire.KindReceipt {
		c.onReceipt(in)
		return
	}
	c.onPinned(in)
}

// onReceipt counts, for the presenter, who has received what.
func (c *Part) onReceipt(in *part.In) {
	p := in.P
	presenter, err := wire.ParseReceipt(p.Body)
	if err != nil {
		event.Add(&c.env.Stats().Rejected, 1)
		return
	}
	if c.env.Member(in.Now, p, in.Src) == nil {
		return
	}
	if c.presenting != nil && presenter == c.env.Self() {
		c.presenting.Ack(in.Now, p.Sender, p.Seq)
	}
}

// onPinned shows an announcement made before we joined, once.
func (c *Part) onPinned(in *part.In) {
	p, now, st := in.P, in.Now, c.env.Stats()
	if p.Seq == 0 || p.Frag.Count != 0 {
		event.Add(&st.Ignored, 1)
		return
	}
	switch c.judge.Check(now, p, in.Src) {
	case Unsigned:
		event.Add(&st.Ignored, 1)
		return
	case Recorded:
		return
	}
	pr := c.env.Member(now, p, in.Src)
	if pr == nil {
		return
	}
	c.Proven(pr)
	if c.Shown(pr.ID, p.Seq, now) {
		return // sent again: our receipt (sent again now) did not reach it
	}
	pr.Spoke = true
	c.env.Emit(event.Message{From: p.Nick, Sender: pr.ID, Seq: p.Seq, Sent: time.UnixMicro(p.Time), Text: string(p.Body),
		Received: now, Source: pr.Src, Announcement: true, Presenter: true, Earlier: true})
	event.Add(&st.MessagesIn, 1)
}

// Shown notes an announcement of presenter shown at now, whether it came
// live, pinned or caught up; its receipt goes out after a random
// 20-250 ms. It reports whether it had been shown before (then it is not
// to be shown again, but acknowledged again: our receipt was lost).
func (c *Part) Shown(presenter wire.SenderID, seq uint64, now time.Time) (before bool) {
	before = c.student.Seen(presenter, seq)
	c.student.Shown(presenter, seq, now, receiptDelay(c.env.Rand()))
	return before
}

func receiptDelay(r *rand.Rand) time.Duration {
	return 20*time.Millisecond + time.Duration(r.Int64N(int64(230*time.Millisecond)))
}

// Proven marks pr as the room's presenter: its key signed what it sent.
func (c *Part) Proven(pr *presence.Peer) {
	if !pr.Presenter {
		pr.Presenter = true
		c.env.RosterChanged()
	}
}

// Announced notes an announcement of ours (single: its datagram, to pin
// for newcomers; nil for a message in pieces, which is not pinned).
func (c *Part) Announced(now time.Time, seq uint64, single []byte) {
	if c.presenting != nil {
		c.presenting.Announced(now, seq, single)
	}
}

// Newcomer notes a member heard for the first time: the pins are sent
// again soon, for it.
func (c *Part) Newcomer(now time.Time) {
	if c.presenting != nil {
		c.presenting.Newcomer(now)
	}
}

// PeerLeft forgets what a member acknowledged.
func (c *Part) PeerLeft(now time.Time, pr *presence.Peer) {
	if c.presenting != nil {
		c.presenting.Left(now, pr.ID)
	}
}

// Tick sends our receipt when one is due and, presenting, reports
// receipts and repeats pinned announcements for newcomers.
func (c *Part) Tick(now time.Time) {
	if to, seq, ok := c.student.ReceiptDue(now); ok {
		p := wire.Packet{Kind: wire.KindReceipt, Sender: c.env.Self(), Seq: seq, Time: now.UnixMicro(), Nick: c.env.Nick(),
			Body: wire.AppendReceipt(c.scratch[:0], to)}
		c.env.Write(&p)
	}
	if c.presenting == nil {
		return
	}
	for _, r := range c.presenting.Report(now, c.env.Peers()) {
		c.env.Emit(event.Receipt{Seq: r.Seq, Number: r.Number, Received: r.Received, Members: r.Members, People: r.People,
			Missing: views(r.Missing), Have: views(r.Have)})
	}
	for _, w := range c.presenting.PinnedDue(now) {
		dgram, err := c.judge.Repin(c.wbuf[:0], w, now)
		if err != nil {
			continue // not one we can pin (we signed it, so never)
		}
		c.wbuf = dgram
		if err := c.env.Transmit(dgram); err != nil {
			event.Add(&c.env.Stats().SendErrors, 1)
		}
	}
}

// NextDeadline is when a receipt, a report or a pin is next due.
func (c *Part) NextDeadline(time.Time) time.Time {
	next := c.student.NextDeadline()
	if c.presenting != nil {
		if at := c.presenting.NextDeadline(); !at.IsZero() && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	return next
}

// views is how the user sees peers.
func views(peers []*presence.Peer) []event.Peer {
	out := make([]event.Peer, len(peers))
	for i, pr := range peers {
		out[i] = pr.View()
	}
	return out
}
