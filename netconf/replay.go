package netconf

import (
	"errors"
	"github.com/groupcast/groupcast/netconf/wire"
	"time"
)

// MaxClockSkew is how far a keyed datagram's timestamp may be from our
// clock. A recording replayed later than this is refused whatever else;
// members' clocks must agree within it (any NTP-synchronised PCs do).
const MaxClockSkew = 5 * time.Minute

// replayWindow remembers, per sender of a keyed group, the highest packet
// number and the 128 before it (SRTP's window is 64), so a datagram seen
// once is refused after.
type replayWindow struct {
	top      uint64
	seen     [2]uint64 // bit i of the 128: top-i was seen
	lastSeen time.Time
	ahead    time.Duration // the sender's clock is at least this far ahead of ours (≥ 0)
}

const replayWindowSize = 128

// check reports whether pn is new, without recording it.
func (w *replayWindow) check(pn uint64) bool {
	switch {
	case pn == 0:
		return false
	case pn > w.top:
		return true
	case w.top-pn >= replayWindowSize:
		return false
	default:
		d := w.top - pn
		return w.seen[d/64]&(1<<(d%64)) == 0
	}
}

// record marks pn as seen; call only after check and authentication.
func (w *replayWindow) record(pn uint64) {
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

func (w *replayWindow) shift(n uint64) {
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

// replayGuard holds the windows of one membership, bounded in number.
type replayGuard struct {
	windows map[wire.SenderID]*replayWindow
}

func newReplayGuard() *replayGuard { return &replayGuard{windows: map[wire.SenderID]*replayWindow{}} }

// admit checks a datagram from sender, numbered pn and stamped sent (its
// own clock): it fails with errClock when the stamp is more than
// MaxClockSkew from now (a recording from another time, or a clock far
// off) and errReplay when pn was seen; otherwise it records pn. It also
// returns how far ahead of ours the sender's clock is at least: the
// largest offset its accepted datagrams showed, never negative (a replay
// only ever looks older).
func (g *replayGuard) admit(sender wire.SenderID, pn uint64, sent, now time.Time) (ahead time.Duration, err error) {
	if d := sent.Sub(now); d > MaxClockSkew || d < -MaxClockSkew {
		return 0, errClock
	}
	w := g.windows[sender]
	if w == nil {
		if len(g.windows) >= maxTrackedSenders {
			g.expire(now)
			if len(g.windows) >= maxTrackedSenders {
				return 0, errReplay
			}
		}
		w = &replayWindow{}
		g.windows[sender] = w
	}
	if !w.check(pn) {
		return 0, errReplay
	}
	w.record(pn)
	w.lastSeen = now
	w.ahead = max(w.ahead, sent.Sub(now))
	return w.ahead, nil
}

// Reasons admit refuses a datagram.
var (
	errClock  = errors.New("stamped too far from this computer's clock")
	errReplay = errors.New("seen before")
)

// expire forgets senders not heard for longer than MaxClockSkew: their
// old datagrams are refused by the timestamp check anyway.
func (g *replayGuard) expire(now time.Time) {
	for id, w := range g.windows {
		if now.Sub(w.lastSeen) > 2*MaxClockSkew {
			delete(g.windows, id)
		}
	}
}
