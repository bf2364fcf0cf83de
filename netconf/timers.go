package netconf

import (
	"github.com/groupcast/groupcast/netconf/wire"
	"time"
)

// runTimers does everything that is due.
func (e *Engine) runTimers(now time.Time) {
	m := e.m
	if m == nil {
		return
	}
	t := &e.timing
	if m.leaving {
		if !now.Before(m.leaveAt) {
			e.writeControl(wire.KindLeave)
			m.leaveStep++
			if m.leaveStep >= len(t.LeaveRepeats) {
				e.finish(nil, true)
				return
			}
			m.leaveAt = m.leaveStart.Add(t.LeaveRepeats[m.leaveStep])
		}
		return
	}
	if !now.Before(m.beatAt) {
		kind := wire.KindHeartbeat
		if m.hellos < len(t.HelloRepeats) {
			kind = wire.KindHello
			m.hellos++
		}
		e.writeControl(kind)
		m.lastBeat = now
		m.scheduleBeat(now, *t)
	}
	if !now.Before(m.peersNext) {
		e.runPeerTimers(now)
	}
	e.checkInterface(now, false)
	if !m.receiptAt.IsZero() && !now.Before(m.receiptAt) {
		p := wire.Packet{Kind: wire.KindReceipt, Sender: m.self, Seq: m.receiptSeq, Time: now.UnixMicro(), Nick: m.cfg.Nick, Body: m.receiptTo[:]}
		e.write(&p)
		m.receiptsLeft--
		m.receiptAt = time.Time{}
		if m.receiptsLeft > 0 {
			m.receiptAt = now.Add(time.Second) // once more, in case the first is lost
		}
	}
	if !m.receiptsDue.IsZero() && !now.Before(m.receiptsDue) {
		e.reportReceipts(now)
	}
	if !m.pinAt.IsZero() && !now.Before(m.pinAt) {
		m.pinAt = time.Time{}
		for _, w := range m.pinned {
			dgram := append(m.wbuf[:0], w...)
			_ = wire.SetKind(dgram, wire.KindPinned) // an announcement we sent: it can be
			m.wbuf = dgram
			if err := m.transmit(dgram); err != nil {
				e.stats.sendErrors.Add(1)
			}
		}
	}
	if m.lingering {
		quietSince := m.lastActivity
		if quietSince.Before(m.lingerStart.Add(-t.LingerQuiet)) {
			quietSince = m.lingerStart.Add(-t.LingerQuiet)
		}
		if (now.Sub(quietSince) >= t.LingerQuiet && m.allHeardSince(m.lastData)) || now.Sub(m.lingerStart) >= t.LingerMax {
			m.lingering, m.leaving = false, true
			m.leaveStart, m.leaveAt, m.leaveStep = now, now, 0
			e.runTimers(now)
			return
		}
	}
	for r, u := range m.unreadable {
		if !u.reported && now.Sub(u.first) >= time.Second {
			u.reported = true
			e.queue.push(Unreadable{Reason: r, Count: u.count, Peer: u.peer, Host: u.host, Skew: u.skew})
		}
	}
	if now.Sub(m.rosterAt) >= time.Second {
		for id, at := range m.departed { // once a second, not per datagram
			if now.Sub(at) > 2*t.PeerTimeout {
				delete(m.departed, id)
			}
		}
	}
	if now.Sub(m.rosterAt) >= time.Second || (m.rosterDirty && now.Sub(m.rosterAt) >= rosterEvery) {
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
	for _, pr := range m.peers {
		if !pr.synced && !pr.syncBy.IsZero() && !now.Before(pr.syncBy) {
			// No HELLO or heartbeat came: start with what we have.
			e.emit(pr, e.sync(now, pr, pr.lowestHeld(pr.highest+1)))
			e.scheduleNack(now, pr)
		}
		if now.Sub(pr.lastHeard) > t.PeerTimeout {
			e.emit(pr, pr.giveUpBefore(now, pr.highest+1, nil))
			e.removePeer(now, pr, departTimeout)
			continue
		}
		if !pr.nackAt.IsZero() && !now.Before(pr.nackAt) && m.cfg.Plain {
			// We send no NACKs in plain mode: a gap is a loss.
			pr.nackAt = time.Time{}
			e.emit(pr, pr.giveUpBefore(now, pr.highest+1, nil))
		}
		if !pr.nackAt.IsZero() && !now.Before(pr.nackAt) {
			if ranges := pr.missing(t.Window); len(ranges) == 0 {
				pr.nackAt = time.Time{}
			} else {
				p := wire.Packet{Kind: wire.KindNack, Sender: m.self, Time: now.UnixMicro(), Nick: m.cfg.Nick,
					Body: wire.AppendNack(m.scratch[:0], wire.Nack{Target: pr.id, Ranges: ranges})}
				e.write(&p)
				e.stats.nacksOut.Add(1)
				pr.nackAt = now.Add(e.retryDelay())
			}
		}
		if at := pr.nextDeadline(*t); at.Before(next) {
			next = at
		}
	}
	m.peersNext = next
}

// nextDeadline is when something is next due for this peer.
func (pr *peer) nextDeadline(t Timing) time.Time {
	next := pr.lastHeard.Add(t.PeerTimeout + time.Millisecond)
	for _, at := range []time.Time{pr.nackAt, pr.syncBy} {
		if !at.IsZero() && at.Before(next) {
			next = at
		}
	}
	return next
}

// allHeardSince reports whether every member has been heard from since t.
// Lingering waits for it too: a member that has said nothing since our
// last message may be frozen for a moment (its kernel dropping what we
// sent), and would ask for it once it runs again. One that is gone for
// good times out (PeerTimeout) and waits no more.
func (m *member) allHeardSince(t time.Time) bool {
	for _, pr := range m.peers {
		if !pr.lastHeard.After(t) {
			return false
		}
	}
	return true
}

// wakePeers makes the loop visit the peers by at.
func (m *member) wakePeers(at time.Time) {
	if at.Before(m.peersNext) {
		m.peersNext = at
	}
}

// armTimer sets the timer for the next thing due.
func (e *Engine) armTimer() {
	m := e.m
	if m == nil {
		e.timer.Stop()
		return
	}
	t := &e.timing
	next := m.beatAt
	soonest := func(at time.Time) {
		if !at.IsZero() && at.Before(next) {
			next = at
		}
	}
	if m.leaving {
		next = m.leaveAt
	}
	soonest(m.peersNext)
	if m.watch != nil {
		soonest(m.watch.checkAt)
	}
	if m.lingering {
		soonest(m.lastActivity.Add(t.LingerQuiet))
		soonest(m.lingerStart.Add(t.LingerQuiet))
		soonest(m.lingerStart.Add(t.LingerMax))
	}
	if ok, w := e.mayTake(e.now()); !ok {
		soonest(e.now().Add(w))
	}
	soonest(m.rosterAt.Add(time.Second))
	if m.rosterDirty {
		soonest(m.rosterAt.Add(rosterEvery))
	}
	soonest(m.receiptAt)
	soonest(m.receiptsDue)
	soonest(m.pinAt)
	for _, u := range m.unreadable {
		if !u.reported {
			soonest(u.first.Add(time.Second))
		}
	}
	e.timer.Reset(max(next.Sub(e.now()), 0))
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
	list := make([]Peer, 0, len(m.peers)+1)
	list = append(list, Peer{ID: m.self, Nick: m.cfg.Nick, LastHeard: now, Self: true})
	for _, pr := range m.peers {
		list = append(list, pr.view())
	}
	e.roster.Store(&list)
}

// scheduleBeat plans the next HELLO or heartbeat: HELLOs at their offsets
// from the start, heartbeats soon after data (tail loss) and otherwise at
// the ambient interval, counted from the last one sent, so a sender that
// streams without pause still sends one every Heartbeat (receivers that
// missed its HELLOs learn from it where its stream starts).
func (m *member) scheduleBeat(now time.Time, t Timing) {
	next := now.Add(t.Heartbeat)
	if !m.lastBeat.IsZero() {
		next = m.lastBeat.Add(t.Heartbeat)
	}
	if m.hellos < len(t.HelloRepeats) {
		next = m.started.Add(t.HelloRepeats[m.hellos])
	}
	if !m.lastData.IsZero() {
		for _, off := range t.DataBeats {
			if at := m.lastData.Add(off); at.After(now) {
				if at.Before(next) {
					next = at
				}
				break
			}
		}
	}
	m.beatAt = next
}
