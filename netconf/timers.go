package netconf

import (
	"time"

	"github.com/groupcast/groupcast/netconf/internal/reliable"
	"github.com/groupcast/groupcast/netconf/wire"
)

// runTimers does everything that is due.
func (e *Engine) runTimers(now time.Time) {
	m := e.m
	if m == nil {
		return
	}
	if (m.stream.Out.Lingering() || m.stream.Out.Leaving()) && e.depart(now) {
		return // leaving: nothing else is due
	}
	e.checkInterface(now, false)
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

// earliest is the earliest of the times that are set.
func earliest(first time.Time, more ...time.Time) time.Time {
	for _, at := range more {
		if !at.IsZero() && (first.IsZero() || at.Before(first)) {
			first = at
		}
	}
	return first
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
	next := earliest(m.ledger.NextDeadline(),
		m.rosterDeadline(), m.parts.NextDeadline(now))
	if m.watch != nil {
		next = earliest(next, m.watch.NextCheck())
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
	list = append(list, Peer{ID: m.self, Nick: m.cfg.Nick, LastHeard: now, Self: true, Presenter: m.class.Presenting()})
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
	if last := m.stream.Out.LastData(); !last.IsZero() {
		allHeard = m.peers.AllHeardSince(last.Add(e.timing.Heartbeat))
	}
	switch m.stream.Out.Depart(now, allHeard) {
	case reliable.SendLeave:
		e.writeControl(wire.KindLeave)
	case reliable.LastLeave:
		e.writeControl(wire.KindLeave)
		e.finish(nil, true)
		return true
	}
	return m.stream.Out.Leaving()
}
