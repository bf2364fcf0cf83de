package netconf

import (
	"time"

	"github.com/groupcast/groupcast/netconf/internal/part"
)

// runTimers does everything that is due.
func (e *Engine) runTimers(now time.Time) {
	m := e.m
	if m == nil {
		return
	}
	if m.stream.Out.Lingering() || m.stream.Out.Leaving() {
		over, leaving := m.stream.Depart(now)
		if over {
			e.finish(nil, true)
		}
		if leaving {
			return // nothing else is due
		}
	}
	e.checkInterface(now, false)
	if e.m == m {
		m.parts.Tick(now)
	}
	m.ledger.Due(now, e.queue.Push)
	if m.roster.Age(now) >= time.Second {
		m.peers.Tidy(now) // once a second, not per datagram
	}
	if !now.Before(m.roster.Deadline()) {
		e.publishRoster()
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
	next := part.Earliest(m.ledger.NextDeadline(),
		m.roster.Deadline(), m.parts.NextDeadline(now))
	if m.watch != nil {
		next = part.Earliest(next, m.watch.NextCheck())
	}
	e.timer.Reset(max(next.Sub(now), 0))
}

// rosterChanged notes that the roster must be published again.
func (e *Engine) rosterChanged() { e.m.roster.Changed() }

// publishRoster stores a snapshot for Roster.
func (e *Engine) publishRoster() {
	m := e.m
	if m == nil {
		e.roster.Store(&[]Peer{})
		return
	}
	now := e.now()
	list := m.roster.Snapshot(now, Peer{ID: m.self, Nick: m.cfg.Nick, LastHeard: now, Self: true, Presenter: m.class.Presenting()}, m.peers)
	e.roster.Store(&list)
}
