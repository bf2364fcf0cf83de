package seal

import (
	"errors"
	"time"
)

// MaxClockSkew is how far a sealed datagram's timestamp may be from our
// clock. A recording replayed later than this is refused whatever else;
// members' clocks must agree within it (any NTP-synchronised PCs do).
const MaxClockSkew = 5 * time.Minute

// window remembers, per sender of a private group, the highest packet
// number and the 128 before it (SRTP's window is 64), so a datagram seen
// once is refused after.
type window struct {
	top      uint64
	seen     [2]uint64 // bit i of the 128: top-i was seen
	lastSeen time.Time
	ahead    time.Duration // the sender's clock is at least this far ahead of ours (≥ 0)
}

const windowSize = 128

// check reports whether pn is new, without recording it.
func (w *window) check(pn uint64) bool {
	switch {
	case pn == 0:
		return false
	case pn > w.top:
		return true
	case w.top-pn >= windowSize:
		return false
	default:
		d := w.top - pn
		return w.seen[d/64]&(1<<(d%64)) == 0
	}
}

// record marks pn as seen; call only after check and authentication.
func (w *window) record(pn uint64) {
	if pn > w.top {
		shift := pn - w.top
		w.shift(shift)
		w.top = pn
		w.seen[0] |= 1
		return
	}
	d := w.top - pn
	w.seen[d/64] |= 1 << (d % 64)
}

func (w *window) shift(n uint64) {
	switch {
	case n >= 128:
		w.seen = [2]uint64{}
	case n >= 64:
		w.seen = [2]uint64{0, w.seen[0] << (n - 64)}
	case n > 0:
		w.seen[1] = w.seen[1]<<n | w.seen[0]>>(64-n)
		w.seen[0] <<= n
	}
}

// Guard holds the replay windows of one membership, one per sender,
// bounded in number.
type Guard struct {
	windows map[[8]byte]*window
	limit   int
}

// NewGuard makes a guard for at most limit senders.
func NewGuard(limit int) *Guard { return &Guard{windows: map[[8]byte]*window{}, limit: limit} }

// Admit checks a datagram from sender, numbered pn and stamped sent (its
// own clock): it fails with ErrClock when the stamp is more than
// MaxClockSkew from now (a recording from another time, or a clock far
// off), ErrReplay when pn was seen, and ErrTooManySenders when sender is
// new and the windows of limit senders, none idle, are all in use (a
// flood of fake senders); otherwise it records pn. It also
// returns how far ahead of ours the sender's clock is at least: the
// largest offset its accepted datagrams showed, never negative (a replay
// only ever looks older).
func (g *Guard) Admit(sender [8]byte, pn uint64, sent, now time.Time) (ahead time.Duration, err error) {
	if d := sent.Sub(now); d > MaxClockSkew || d < -MaxClockSkew {
		return 0, ErrClock
	}
	w := g.windows[sender]
	if w == nil {
		if len(g.windows) >= g.limit {
			g.expire(now)
			if len(g.windows) >= g.limit {
				return 0, ErrTooManySenders
			}
		}
		w = &window{}
		g.windows[sender] = w
	}
	if !w.check(pn) {
		return 0, ErrReplay
	}
	w.record(pn)
	w.lastSeen = now
	w.ahead = max(w.ahead, sent.Sub(now))
	return w.ahead, nil
}

// Reasons Admit refuses a datagram.
var (
	ErrClock  = errors.New("stamped too far from this computer's clock")
	ErrReplay = errors.New("seen before")

	ErrTooManySenders = errors.New("too many senders to track")
)

// expire forgets senders not heard for longer than MaxClockSkew: their
// old datagrams are refused by the timestamp check anyway.
func (g *Guard) expire(now time.Time) {
	for id, w := range g.windows {
		if now.Sub(w.lastSeen) > 2*MaxClockSkew {
			delete(g.windows, id)
		}
	}
}
