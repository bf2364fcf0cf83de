package stream

import (
	"time"

	"github.com/groupcast/groupcast/netconf/internal/part"
	"github.com/groupcast/groupcast/netconf/internal/presence"
	"github.com/groupcast/groupcast/netconf/wire"
)

// runPeerTimers does what is due for each peer — picking a start point,
// timing out, asking for what is missing — and notes the earliest of their
// next deadlines, so the loop walks the peers only when one is due.
func (s *Part) runPeerTimers(now time.Time) {
	t := &s.opt.Timing
	next := now.Add(t.PeerTimeout)
	for pr := range s.env.Peers().All() {
		rs := pr.Stream
		if rs.SyncDue(now) {
			// No HELLO or heartbeat came: start with what we have.
			s.emit(now, pr, rs.StartHere(nil))
			s.scheduleNack(now, pr)
		}
		if now.Sub(pr.LastHeard) > t.PeerTimeout {
			s.emit(now, pr, rs.GiveUp(nil))
			s.env.Forget(now, pr, presence.Timeout)
			continue
		}
		if rs.NackDue(now) {
			s.askForMissing(now, pr)
		}
		next = part.Earliest(next, pr.LastHeard.Add(t.PeerTimeout+time.Millisecond), rs.NextDeadline())
	}
	s.peersNext = next
}

// askForMissing sends a NACK for what pr's stream misses, now that one is
// due; in plain mode, which sends no NACKs, a gap is a loss at once.
func (s *Part) askForMissing(now time.Time, pr *presence.Peer) {
	rs := pr.Stream
	if s.opt.Plain {
		rs.NackAgainAt(time.Time{})
		s.emit(now, pr, rs.GiveUp(nil))
		return
	}
	ranges := rs.Missing()
	if len(ranges) == 0 {
		rs.NackAgainAt(time.Time{})
		return
	}
	p := wire.Packet{Kind: wire.KindNack, Sender: s.env.Self(), Time: now.UnixMicro(), Nick: s.opt.Nick,
		Body: wire.AppendNack(s.scratch[:0], wire.Nack{Target: pr.ID, Ranges: ranges})}
	s.env.Write(&p)
	count(&s.env.Stats().NacksOut, 1)
	pr.Repairs.Asked(now, ranges[0].First, ranges[len(ranges)-1].Last)
	rs.Asked(ranges, s.opt.Timing.MaxRepairs, now.Add(s.retryDelay(pr)))
}

// nackDelay is how long a member waits before asking for what it
// misses: random up to Timing.NackDelay, so that one of many asks first
// and the others hear it (suppression).
func (s *Part) nackDelay() time.Duration {
	return time.Duration(s.env.Rand().Int64N(int64(s.opt.Timing.NackDelay) + 1))
}

// retryDelay is how long to wait for pr's repair before asking again:
// its repairs' round trip as timed, within NackRetryMin and NackRetry,
// plus up to a quarter more at random.
func (s *Part) retryDelay(pr *presence.Peer) time.Duration {
	t := &s.opt.Timing
	w := pr.Repairs.Wait(max(t.NackRetryMin, 1), max(t.NackRetry, t.NackRetryMin))
	return w + time.Duration(s.env.Rand().Int64N(int64(w/4)+1))
}

// scheduleNack plans a NACK after a random delay when data is missing,
// and makes sure the loop visits the member when something of its stream
// is due.
func (s *Part) scheduleNack(now time.Time, pr *presence.Peer) {
	pr.Stream.ScheduleNack(now, s.nackDelay)
	if at := pr.Stream.NextDeadline(); !at.IsZero() {
		s.wake(at)
	}
}
