package netconf

import (
	"net/netip"
	"time"

	"github.com/groupcast/groupcast/netconf/internal/classroom"
	"github.com/groupcast/groupcast/netconf/internal/presence"
	"github.com/groupcast/groupcast/netconf/internal/reliable"
	"github.com/groupcast/groupcast/netconf/wire"
)

func (e *Engine) onData(now time.Time, p *wire.Packet, src netip.AddrPort) {
	if p.Seq == 0 {
		add(&e.stats.Rejected, 1)
		return
	}
	pr := e.peerFor(now, p, src)
	if pr == nil {
		return
	}
	repair := p.Kind == wire.KindRepair
	if repair {
		add(&e.stats.RepairsIn, 1)
		pr.Repairs.Repaired(now, p.Seq)
	}
	switch pr.Stream.Check(now, p.Seq) {
	case reliable.Duplicate:
		add(&e.stats.Duplicates, 1)
		return
	case reliable.Implausible:
		add(&e.stats.Implausible, 1)
		e.refuse(now, UnreadableImplausible, pr.Label(), src.Addr())
		return
	case reliable.BeyondWindow:
		add(&e.stats.BeyondWindow, 1)
		return
	}
	signed := e.m.judge.Check(now, p, src)
	d := reliable.Held{Time: p.Time, Nick: p.Nick, Frag: p.Frag, Body: p.Body, Signed: signed == classroom.Current, Refused: signed == classroom.Recorded}
	if e.m.keepsHistory() {
		d.Wire = asData(p) // kept, to answer others' catch-up
	}
	out, ok := pr.Stream.Put(now, p.Seq, d, e.deliveries[:0])
	if !ok {
		add(&e.stats.BeyondWindow, 1) // memory budget full: asked for again later
		return
	}
	add(&e.stats.DatagramsIn, 1)
	if repair {
		add(&e.stats.Recovered, 1) // its first copy never arrived
	}
	e.deliver(pr, out)
	if repair {
		pr.Stream.Repaired(now, e.timing.RepairGap) // more may be missing: ask for it once this answer is in
	}
	e.scheduleNack(now, pr)
}

// deliver emits deliveries made in e.deliveries, the loop's reusable
// slice, and keeps it for the next datagram.
func (e *Engine) deliver(pr *presence.Peer, out []reliable.Delivery) {
	e.emit(pr, out)
	clear(out) // let go of the texts
	e.deliveries = out[:0]
}

func (e *Engine) onControl(now time.Time, p *wire.Packet, src netip.AddrPort) {
	c, err := wire.ParseControl(p.Body)
	if err != nil {
		add(&e.stats.Rejected, 1)
		return
	}
	uptime := senderUptime(p, c)
	if e.m.peers.Get(p.Sender) == nil && !reliable.PlausibleStart(p.Seq, uptime) {
		add(&e.stats.Implausible, 1) // before it becomes a member: no roster entry for a forgery
		e.refuse(now, UnreadableImplausible, p.Nick, src.Addr())
		return
	}
	pr := e.peerFor(now, p, src)
	if pr == nil {
		return
	}
	leaving := p.Kind == wire.KindLeave
	out, ok := pr.Stream.Control(now, p.Seq, c.Trail, uptime, now.Sub(e.m.started), leaving, nil)
	if !ok {
		add(&e.stats.Implausible, 1)
		e.refuse(now, UnreadableImplausible, pr.Label(), src.Addr())
		return
	}
	add(&e.stats.ControlIn, 1)
	e.emit(pr, out)
	if leaving {
		e.removePeer(now, pr, departLeave)
		return
	}
	e.scheduleNack(now, pr)
}

// senderUptime is how long the sender of a control datagram has been
// running, on its own clock, in seconds (never negative; computed in
// floating point so no claimed value overflows).
func senderUptime(p *wire.Packet, c wire.Control) float64 {
	return max(float64(p.Time)-float64(c.Started), 0) / 1e6
}

func (e *Engine) onNack(now time.Time, p *wire.Packet, src netip.AddrPort) {
	n, err := wire.ParseNack(p.Body)
	if err != nil {
		add(&e.stats.Rejected, 1)
		return
	}
	if e.peerFor(now, p, src) == nil {
		return
	}
	add(&e.stats.NacksIn, 1)
	m := e.m
	if n.Target == m.self {
		// Only a NACK the repair budget answered may slow us down: a
		// computer flooding NACKs is not a receiver that fell behind.
		if !m.cfg.Plain && e.repair(now, n, src.Addr()) {
			m.out.Pace.Nacked(now, n.Ranges, m.out.Buf, m.out.Seq())
		}
		return
	}
	if pr := m.peers.Get(n.Target); pr != nil && pr.Stream.Overheard(n.Ranges) {
		// Someone asked for exactly what we miss: the repair will be
		// multicast to us too, so we stay quiet for a retry interval.
		pr.Stream.NackAgainAt(now.Add(e.retryDelay(pr)))
		add(&e.stats.NacksSuppressed, 1)
	}
}

// nackDelay is how long a member waits before asking for what it
// misses: random up to Timing.NackDelay, so that one of many asks first
// and the others hear it (suppression).
func (e *Engine) nackDelay() time.Duration {
	return time.Duration(e.rng.Int64N(int64(e.timing.NackDelay) + 1))
}

// retryDelay is how long to wait for pr's repair before asking again:
// its repairs' round trip as timed, within NackRetryMin and NackRetry,
// plus up to a quarter more at random.
func (e *Engine) retryDelay(pr *presence.Peer) time.Duration {
	t := pr.Repairs.Wait(max(e.timing.NackRetryMin, 1), max(e.timing.NackRetry, e.timing.NackRetryMin))
	return t + time.Duration(e.rng.Int64N(int64(t/4)+1))
}

// scheduleNack plans a NACK after a random delay when data is missing,
// and makes sure the loop visits the member when something of its stream
// is due.
func (e *Engine) scheduleNack(now time.Time, pr *presence.Peer) {
	pr.Stream.ScheduleNack(now, e.nackDelay)
	if at := pr.Stream.NextDeadline(); !at.IsZero() {
		e.m.wakePeers(at)
	}
}

// emit turns deliveries into events.
func (e *Engine) emit(pr *presence.Peer, out []reliable.Delivery) {
	m := e.m
	for _, d := range out {
		if d.Lost != nil {
			add(&e.stats.Lost, d.Lost.Len())
			e.queue.Push(Lost{Peer: view(pr), First: d.Lost.First, Last: d.Lost.Last})
			continue
		}
		if d.Refused {
			continue // a recording of the presenter's (the judge counted it)
		}
		if r := m.cfg.Room; r != nil && r.ReadOnly && !d.Signed {
			add(&e.stats.ReadOnlyDropped, 1) // only the presenter may post here
			continue
		}
		msg := Message{From: d.Nick, Sender: pr.ID, Seq: d.Seq, Sent: time.UnixMicro(d.Time), Text: d.Text,
			Received: e.now(), Source: pr.Src, Announcement: d.Signed, Wire: d.Wire}
		if msg.Announcement {
			e.acknowledge(pr.ID, msg.Seq, msg.Received)
			e.provenPresenter(pr)
		}
		pr.Spoke = true
		e.queue.Push(msg)
		add(&e.stats.MessagesIn, 1)
	}
}

// provenPresenter marks pr as the room's presenter: its key signed what it
// sent.
func (e *Engine) provenPresenter(pr *presence.Peer) {
	if !pr.Presenter {
		pr.Presenter = true
		e.rosterChanged()
	}
}

// asData is p as its sender sent it: a DATA (a REPAIR is the same
// datagram with another kind), in a buffer of its own.
func asData(p *wire.Packet) []byte {
	q := *p
	q.Kind = wire.KindData
	b, err := wire.AppendEncode(nil, &q)
	if err != nil {
		return nil // it decoded, so it encodes
	}
	return b
}
