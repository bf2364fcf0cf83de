package catchup

import (
	"net/netip"
	"slices"
	"time"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/wire"
)

// onAsk plans an answer to a member asking for what it missed.
func (c *Part) onAsk(now time.Time, p *wire.Packet, src netip.AddrPort) {
	since, err := wire.ParseCatchUpAsk(p.Body)
	if err != nil {
		c.count(&c.stats.Rejected)
		return
	}
	if c.env.Member(now, p, src) == nil {
		return
	}
	if c.archive == nil {
		c.count(&c.stats.Ignored) // we keep nothing to answer with
		return
	}
	c.count(&c.stats.CatchUpAsksIn)
	// What an ask may reach is ours to say: at most Span back.
	from := later(time.UnixMicro(since), now.Add(-Span))
	if from.After(now) {
		c.count(&c.stats.Ignored)
		return
	}
	if c.fetching || len(c.outq) > 0 || len(c.askers) >= Askers {
		// Busy answering: the asker asks again if nobody answers. Its
		// computer is not charged for an ask not answered.
		c.count(&c.stats.CatchUpRefused)
		return
	}
	if !c.ledger.Take(now, src.Addr(), c.perHost, 1) {
		c.refuseFlood(now, p.Nick, src.Addr())
		return
	}
	c.askers = append(c.askers, src.Addr())
	if !c.answerAt.IsZero() {
		c.answerSince = earlier(c.answerSince, from) // one answer for both
		return
	}
	delay := time.Duration(c.env.Rand().Int64N(int64(c.t.Delay) + 1))
	if c.env.Started().After(from) {
		delay += c.t.Late // we were not there for all of it: let one who was answer first
	}
	c.answerAt, c.answerSince, c.othersHeard = now.Add(delay), from, false
}

// fetch reads the answer from the archive, off the loop.
func (c *Part) fetch() {
	c.fetching = true
	a, since, env, judge := c.archive, c.answerSince, c.env, c.judge
	env.Go(func(<-chan struct{}) {
		kept, err := a.Kept(since, Messages)
		if judge != nil {
			kept = slices.DeleteFunc(kept, func(msg [][]byte) bool { return !judge.Vouches(msg) })
		}
		env.Post(c.quit, func(now time.Time) { c.onKept(now, kept, err) })
	})
}

// onKept makes the answer of what Archive.Kept said, as far as the
// answers' allowance goes: the latest messages that fit it, whole.
func (c *Part) onKept(now time.Time, kept [][][]byte, err error) {
	c.fetching = false
	if err != nil || c.othersHeard {
		c.giveBack(now)
		return
	}
	budget := min(int(c.ledger.Left(now, c.answers)), Datagrams)
	self, nick, keyed := c.env.Self(), c.env.Nick(), c.env.Keyed()
	for _, msg := range kept {
		if len(c.outq)+len(msg) > budget {
			break
		}
		for _, dg := range msg {
			n := wire.CatchUpNick(nick, len(dg), keyed)
			if n == "" {
				continue
			}
			p := wire.Packet{Kind: wire.KindCatchUp, Sender: self, Time: now.UnixMicro(), Nick: n, Body: dg}
			b, err := wire.AppendEncode(nil, &p)
			if err != nil {
				continue
			}
			c.outq = append(c.outq, b)
		}
	}
	if len(c.outq) == 0 {
		c.giveBack(now) // nothing to answer with (or no allowance left): nothing was spent
		return
	}
	c.askers = c.askers[:0] // answered: their computers stay charged
	c.ledger.Spend(now, c.answers, float64(len(c.outq)))
	c.sendAt = now
}

// giveBack returns their charge to the computers whose asks the answer
// planned stood for: it is not sent.
func (c *Part) giveBack(now time.Time) {
	for _, host := range c.askers {
		c.ledger.Give(now, host, c.perHost, 1)
	}
	c.askers = c.askers[:0]
}

// sendBurst sends the next burst of the answer.
func (c *Part) sendBurst(now time.Time) {
	n := min(len(c.outq), Burst)
	for _, b := range c.outq[:n] {
		if err := c.env.Transmit(b); err != nil {
			c.count(&c.stats.SendErrors)
		}
	}
	event.Add(&c.stats.CatchUpOut, uint64(n))
	clear(c.outq[:n])
	c.outq = c.outq[n:]
	if len(c.outq) == 0 {
		c.outq = nil
	}
	c.sendAt = now.Add(c.t.Pace)
}
