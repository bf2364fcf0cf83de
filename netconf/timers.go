package netconf

import (
	"time"

	"github.com/groupcast/groupcast/netconf/internal/presence"
	"github.com/groupcast/groupcast/netconf/internal/reliable"
	"github.com/groupcast/groupcast/netconf/wire"
)

// runTimers does everything that is due.
func (e *Engine) runTimers(now time.Time) {
	m := e.m
	if m == nil {
		return
	}
	if (m.out.Lingering() || m.out.Leaving()) && e.depart(now) {
		return // leaving: nothing else is due
	}
	if kind, ok := m.out.BeatDue(now); ok {
		e.writeControl(kind)
	}
	if !now.Before(m.peersNext) {
		e.runPeerTimers(now)
	}
	e.checkInterface(now, false)
	e.classroomTimers(now)
	e.catchUpTimers(now)
	if e.m == m {
		m.parts.Tick(now)
	}
	m.ledger.Due(now, e.queue.Push)
	if now.Sub(m.rosterAt) >= time.Second {
		m.peers.Tidy(now) // once a second, not per datagram
	}
	if !now.Before(m.rosterDeadline()) {
		e.publishRoster()
	}
}

// runPeerTimers does what is due for each peer — picking a start point,
// timing out, asking for what is missing — and notes the earliest of their
// next deadlines, so the loop walks the peers only when one is due.
func (e *Engine) runPeerTimers(now time.Time) {
	m := e.m
	t := &e.timing
	next := now.Add(t.PeerTimeout)
	for pr := range m.peers.All() {
		s := pr.Stream
		if s.SyncDue(now) {
			// No HELLO or heartbeat came: start with what we have.
			e.emit(pr, s.StartHere(nil))
			e.scheduleNack(now, pr)
		}
		if now.Sub(pr.LastHeard) > t.PeerTimeout {
			e.emit(pr, s.GiveUp(nil))
			e.removePeer(now, pr, departTimeout)
			continue
		}
		if s.NackDue(now) {
			e.askForMissing(now, pr)
		}
		next = earliest(next, pr.LastHeard.Add(t.PeerTimeout+time.Millisecond), s.NextDeadline())
	}
	m.peersNext = next
}

// askForMissing sends a NACK for what pr's stream misses, now that one is
// due; in plain mode, which sends no NACKs, a gap is a loss at once.
func (e *Engine) askForMissing(now time.Time, pr *presence.Peer) {
	m, s := e.m, pr.Stream
	if m.cfg.Plain {
		s.NackAgainAt(time.Time{})
		e.emit(pr, s.GiveUp(nil))
		return
	}
	ranges := s.Missing()
	if len(ranges) == 0 {
		s.NackAgainAt(time.Time{})
		return
	}
	p := wire.Packet{Kind: wire.KindNack, Sender: m.self, Time: now.UnixMicro(), Nick: m.cfg.Nick,
		Body: wire.AppendNack(m.scratch[:0], wire.Nack{Target: pr.ID, Ranges: ranges})}
	e.write(&p)
	add(&e.stats.NacksOut, 1)
	pr.Repairs.Asked(now, ranges[0].First, ranges[len(ranges)-1].Last)
	s.Asked(ranges, e.timing.MaxRepairs, now.Add(e.retryDelay(pr)))
}

// earliest is the earliest of the times that are set.
func earliest(first time.Time, more ...time.Time) time.Time {
	for _, at := range more {
		if !at.IsZero() && (first.IsZero() || at.Before(first)) {
			first = at
		}
	}
	return first
}

// wakePeers makes the loop visit the peers by at.
func (m *session) wakePeers(at time.Time) {
	if at.Before(m.peersNext) {
		m.peersNext = at
	}
}

// armTimer sets the timer for the next thing due: the earliest of each
// part's next deadline.
func (e *Engine) armTimer() {
	m := e.m
	if m == nil {
		e.timer.Stop()
		return
	}
	now := e.now()
	next := earliest(m.out.NextDeadline(now), m.peersNext, m.student.NextDeadline(), m.ledger.NextDeadline(),
		m.rosterDeadline(), m.parts.NextDeadline(now))
	if m.watch != nil {
		next = earliest(next, m.watch.NextCheck())
	}
	if m.presenting != nil {
		next = earliest(next, m.presenting.NextDeadline())
	}
	if m.catchup != nil {
		next = earliest(next, m.catchup.nextDeadline())
	}
	e.timer.Reset(max(next.Sub(now), 0))
}

// rosterDeadline is when the roster is next published: a second after
// the last time, or sooner (rosterEvery) when it changed.
func (m *session) rosterDeadline() time.Time {
	if m.rosterDirty {
		return m.rosterAt.Add(rosterEvery)
	}
	return m.rosterAt.Add(time.Second)
}

// rosterEvery is how often, at most, a changing roster is published: a
// snapshot copies every member, and members come thousands at a time in a
// flood of fake ones.
const rosterEvery = 100 * time.Millisecond

// rosterChanged notes that the roster must be published again.
func (e *Engine) rosterChanged() { e.m.rosterDirty = true }

// publishRoster stores a snapshot for Roster.
func (e *Engine) publishRoster() {
	m := e.m
	if m == nil {
		e.roster.Store(&[]Peer{})
		return
	}
	now := e.now()
	m.rosterAt, m.rosterDirty = now, false
	list := make([]Peer, 0, m.peers.Len()+1)
	list = append(list, Peer{ID: m.self, Nick: m.cfg.Nick, LastHeard: now, Self: true, Presenter: m.presenting != nil})
	for pr := range m.peers.All() {
		list = append(list, view(pr))
	}
	e.roster.Store(&list)
}

// depart moves lingering and leaving on (reliable.Outbound.Depart): LEAVEs
// go out, and after the last one the membership ends. It reports whether
// we are leaving: nothing else is then due.
func (e *Engine) depart(now time.Time) bool {
	m := e.m
	// Every member has sent something a heartbeat after our last message:
	// it ran through the heartbeats that tell where our stream ends, and
	// had time to ask for what it missed. (With no message sent, nobody
	// can miss anything.)
	allHeard := true
	if last := m.out.LastData(); !last.IsZero() {
		allHeard = m.peers.AllHeardSince(last.Add(e.timing.Heartbeat))
	}
	switch m.out.Depart(now, allHeard) {
	case reliable.SendLeave:
		e.writeControl(wire.KindLeave)
	case reliable.LastLeave:
		e.writeControl(wire.KindLeave)
		e.finish(nil, true)
		return true
	}
	return m.out.Leaving()
}

// classroomTimers sends our receipt when one is due and, presenting,
// reports receipts and repeats pinned announcements for newcomers.
func (e *Engine) classroomTimers(now time.Time) {
	m := e.m
	if to, seq, ok := m.student.ReceiptDue(now); ok {
		p := wire.Packet{Kind: wire.KindReceipt, Sender: m.self, Seq: seq, Time: now.UnixMicro(), Nick: m.cfg.Nick,
			Body: wire.AppendReceipt(m.scratch[:0], to)}
		e.write(&p)
	}
	if m.presenting == nil {
		return
	}
	e.reportReceipts(now)
	for _, w := range m.presenting.PinnedDue(now) {
		// Signed again, as pinned now: a student tells it from a recording.
		dgram, err := wire.Repin(m.wbuf[:0], w, m.cfg.Presenter, m.cfg.Room.Name, now.UnixMicro())
		if err != nil {
			continue // not one we can pin (we signed it, so never)
		}
		m.wbuf = dgram
		if err := m.transmit(dgram); err != nil {
			add(&e.stats.SendErrors, 1)
		}
	}
}
