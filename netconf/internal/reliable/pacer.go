package reliable

import (
	"math"
	"time"

	"github.com/groupcast/groupcast/netconf/wire"
)

// Pacer is the sender's rate control, driven by NACKs (as PGM's rate
// control and TCP's congestion window are driven by loss): unlimited while
// nobody is overrun; when a receiver asks for a run of data we sent
// recently (overrunSign), the rate is halved (at most once per paceCutEvery, however many
// receivers ask), then grows by a tenth every paceGrowEvery without
// another request, and is unlimited again past paceMax. A sender that
// outruns a receiver (a slower machine, a consumer that cannot keep up)
// thus slows down to what that receiver takes instead of burying it in
// repairs. Only new data is paced; control datagrams and repairs are not.
type Pacer struct {
	rate   float64 // datagrams/s; 0: not limited
	tokens float64 // datagrams that may go now (at most paceBurst)
	filled time.Time
	cutAt  time.Time
	cutSeq uint64 // our last seq at the last cut: runs below it are old news
	grewAt time.Time

	// The recent send rate, measured over paceWindow: where the first
	// cut starts from.
	winStart time.Time
	winSent  int
	measured float64
}

const (
	paceMin       = 500.0 // datagrams/s: the slowest we go (about 2 000 lines of chat a second at 4 per datagram)
	paceMax       = 1e6   // past this, unlimited again
	paceBurst     = 64.0
	paceCutEvery  = 100 * time.Millisecond
	paceGrowEvery = 50 * time.Millisecond
	paceWindow    = 100 * time.Millisecond
	// paceRecent is how old the data asked for may be to count as a sign
	// of overrun: a late joiner asking for older data is no such sign.
	paceRecent = 2 * time.Second
	paceRun    = 8
)

// overloadKeep is how long a sender keeps its data while it is paced
// (receivers were overrun lately): rather than evict data younger than
// this when the retransmit buffer is full, it stops taking messages until
// the oldest is that old. A receiver that fell behind can then still have
// everything repaired, and memory stays bounded (BufferBytes plus one
// message).
const overloadKeep = 3 * time.Second

// Keep is how long the retransmit buffer must keep data now.
func (p *Pacer) Keep() time.Duration {
	if p.rate == 0 {
		return 0 // not paced: evict by bytes as usual
	}
	return overloadKeep
}

// MayTake reports whether a new message may be taken now, and if not, how
// long until it may: when paced, new data waits for the rate, and for the
// retransmit buffer (holding more than maxBytes) to age.
func (p *Pacer) MayTake(now time.Time, buf *SendBuffer, maxBytes int) (bool, time.Duration) {
	if w := p.wait(now); w > 0 {
		return false, w
	}
	if keep := p.Keep(); keep > 0 && buf.Bytes() > maxBytes {
		if until := buf.Oldest().Add(keep).Sub(now); until > 0 {
			return false, until
		}
	}
	return true, 0
}

// Nacked looks at a NACK for our stream (whose last seq is seq): a run of
// what we sent lately missing is the sign a receiver is overrun, and slows
// us down.
func (p *Pacer) Nacked(now time.Time, ranges []wire.Range, buf *SendBuffer, seq uint64) {
	if first, ok := overrunSign(ranges); ok {
		if d := buf.get(first); d != nil && now.Sub(d.at) < paceRecent {
			p.overrun(now, first, seq)
		}
	}
}

// overrunSign tells a receiver that could not keep up from random loss:
// a full receive buffer drops every datagram that arrives until it drains,
// so the NACK asks for a run of at least paceRun in a row, while random
// loss of even 20% makes such a run about once in 100 000 datagrams.
// Random loss is repaired without slowing everyone down. It returns the
// first seq of the last such run.
func overrunSign(ranges []wire.Range) (first uint64, ok bool) {
	for _, r := range ranges {
		if r.Len() >= paceRun {
			first, ok = r.First, true
		}
	}
	return first, ok
}

// Sent records n datagrams of new data sent at now.
func (p *Pacer) Sent(now time.Time, n int) {
	if now.Sub(p.winStart) >= paceWindow {
		if !p.winStart.IsZero() {
			p.measured = float64(p.winSent) / now.Sub(p.winStart).Seconds()
		}
		p.winStart, p.winSent = now, 0
	}
	p.winSent += n
	if p.rate > 0 {
		p.refill(now)
		p.tokens -= float64(n)
	}
}

// overrun lowers the rate: a receiver missed a run of our data from seq
// first on; seq is our last seq now. One overload is one cut: NACKs for
// data sent before the last cut (the receiver still digging itself out)
// do not cut again, as TCP halves once per window of loss.
func (p *Pacer) overrun(now time.Time, first, seq uint64) {
	if now.Sub(p.cutAt) < paceCutEvery || first <= p.cutSeq {
		return
	}
	p.cutSeq = seq
	if p.rate == 0 {
		p.rate = max(p.measured, float64(p.winSent)/max(now.Sub(p.winStart).Seconds(), 0.001), paceMin)
		p.tokens, p.filled = 0, now
	} else {
		p.refill(now)
	}
	p.rate = max(p.rate/2, paceMin)
	p.cutAt, p.grewAt = now, now
}

func (p *Pacer) refill(now time.Time) {
	if p.rate == 0 {
		return
	}
	if steps := now.Sub(p.grewAt) / paceGrowEvery; steps > 0 && now.Sub(p.cutAt) >= paceCutEvery {
		p.rate *= math.Pow(1.1, float64(steps))
		p.grewAt = p.grewAt.Add(steps * paceGrowEvery)
		if p.rate > paceMax {
			p.rate = 0
			return
		}
	}
	p.tokens = min(p.tokens+p.rate*now.Sub(p.filled).Seconds(), paceBurst)
	p.filled = now
}

// wait is how long until new data may be sent (0: now).
func (p *Pacer) wait(now time.Time) time.Duration {
	if p.rate == 0 {
		return 0
	}
	p.refill(now)
	if p.rate == 0 || p.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - p.tokens) / p.rate * float64(time.Second))
}
