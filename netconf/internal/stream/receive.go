package stream

import (
	"net/netip"
	"time"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/classroom"
	"github.com/groupcast/groupcast/netconf/internal/presence"
	"github.com/groupcast/groupcast/netconf/internal/reliable"
	"github.com/groupcast/groupcast/netconf/wire"
)

func (s *Part) onData(now time.Time, p *wire.Packet, src netip.AddrPort) {
	st := s.env.Stats()
	if p.Seq == 0 {
		count(&st.Rejected, 1)
		return
	}
	pr := s.env.Member(now, p, src)
	if pr == nil {
		return
	}
	repair := p.Kind == wire.KindRepair
	if repair {
		count(&st.RepairsIn, 1)
		pr.Repairs.Repaired(now, p.Seq)
	}
	switch pr.Stream.Check(now, p.Seq) {
	case reliable.Duplicate:
		if repair || !pr.SentAfter(p.Time, s.env.Started()) || !pr.Stream.Rewind(p.Seq) {
			count(&st.Duplicates, 1)
			return
		}
	case reliable.Implausible:
		count(&st.Implausible, 1)
		s.env.Ledger().Refuse(now, event.UnreadableImplausible, pr.Label(), src.Addr())
		return
	case reliable.BeyondWindow:
		count(&st.BeyondWindow, 1)
		return
	}
	signed := s.judge.Check(now, p, src)
	d := reliable.Held{Time: p.Time, Nick: p.Nick, Frag: p.Frag, Body: p.Body, Signed: signed == classroom.Current,
		Message: p.Sig.Message, Refused: signed == classroom.Recorded}
	if s.opt.KeepWire {
		d.Wire = asData(p) // kept, to answer others' catch-up
	}
	out, ok := pr.Stream.Put(now, p.Seq, d, s.deliveries[:0])
	if !ok {
		count(&st.BeyondWindow, 1) // memory budget full: asked for again later
		return
	}
	count(&st.DatagramsIn, 1)
	if repair {
		count(&st.Recovered, 1) // its first copy never arrived
	}
	s.emit(now, pr, out)
	clear(out) // let go of the texts
	s.deliveries = out[:0]
	if repair {
		pr.Stream.Repaired(now, s.opt.Timing.RepairGap) // more may be missing: ask for it once this answer is in
	}
	s.scheduleNack(now, pr)
}

func (s *Part) onControl(now time.Time, p *wire.Packet, src netip.AddrPort) {
	st := s.env.Stats()
	c, err := wire.ParseControl(p.Body)
	if err != nil {
		count(&st.Rejected, 1)
		return
	}
	uptime := senderUptime(p, c)
	if s.env.Peers().Get(p.Sender) == nil && !reliable.PlausibleStart(p.Seq, uptime) {
		count(&st.Implausible, 1) // before it becomes a member: no roster entry for a forgery
		s.env.Ledger().Refuse(now, event.UnreadableImplausible, p.Nick, src.Addr())
		return
	}
	pr := s.env.Member(now, p, src)
	if pr == nil {
		return
	}
	leaving := p.Kind == wire.KindLeave
	out, ok := pr.Stream.Control(now, p.Seq, c.Trail, uptime, now.Sub(s.env.Started()), leaving, nil)
	if !ok {
		count(&st.Implausible, 1)
		s.env.Ledger().Refuse(now, event.UnreadableImplausible, pr.Label(), src.Addr())
		return
	}
	count(&st.ControlIn, 1)
	s.emit(now, pr, out)
	if leaving {
		s.env.Forget(now, pr, presence.Left)
		return
	}
	s.scheduleNack(now, pr)
}

// senderUptime is how long the sender of a control datagram has been
// running, on its own clock, in seconds (never negative; computed in
// floating point so no claimed value overflows).
func senderUptime(p *wire.Packet, c wire.Control) float64 {
	return max(float64(p.Time)-float64(c.Started), 0) / 1e6
}

func (s *Part) onNack(now time.Time, p *wire.Packet, src netip.AddrPort) {
	st := s.env.Stats()
	n, err := wire.ParseNack(p.Body)
	if err != nil {
		count(&st.Rejected, 1)
		return
	}
	if s.env.Member(now, p, src) == nil {
		return
	}
	count(&st.NacksIn, 1)
	if n.Target == s.env.Self() {
		// Only a NACK the repair budget answered may slow us down: a
		// computer flooding NACKs is not a receiver that fell behind.
		if !s.opt.Plain && s.repair(now, n, src.Addr()) {
			s.Out.Pace.Nacked(now, n.Ranges, s.Out.Buf, s.Out.Seq())
		}
		return
	}
	if pr := s.env.Peers().Get(n.Target); pr != nil && pr.Stream.Overheard(n.Ranges) {
		// Someone asked for exactly what we miss: the repair will be
		// multicast to us too, so we stay quiet for a retry interval.
		pr.Stream.NackAgainAt(now.Add(s.retryDelay(pr)))
		count(&st.NacksSuppressed, 1)
	}
}

// emit turns deliveries into events.
func (s *Part) emit(now time.Time, pr *presence.Peer, out []reliable.Delivery) {
	st := s.env.Stats()
	for _, d := range out {
		if d.Lost != nil {
			count(&st.Lost, d.Lost.Len())
			s.env.Emit(event.Lost{Peer: pr.View(), First: d.Lost.First, Last: d.Lost.Last})
			continue
		}
		if d.Refused {
			continue // a recording of the presenter's (the judge counted it)
		}
		if s.judge.ReadOnly() && !d.Signed {
			count(&st.ReadOnlyDropped, 1) // only the presenter may post here
			continue
		}
		// The presenter's message is the presenter's, but not an
		// announcement: not pinned, notified or acknowledged.
		msg := event.Message{From: d.Nick, Sender: pr.ID, Seq: d.Seq, Sent: time.UnixMicro(d.Time), Text: d.Text,
			Received: now, Source: pr.Src, Presenter: d.Signed, Announcement: d.Signed && !d.Message, Wire: d.Wire}
		if msg.Announcement {
			s.class.Shown(pr.ID, msg.Seq, msg.Received)
		}
		if msg.Presenter {
			s.class.Proven(pr)
		}
		pr.Spoke = true
		s.env.Emit(msg)
		count(&st.MessagesIn, 1)
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

// Plain shows a bare datagram from a classic tool (open groups only:
// the engine refused it in a private one).
func (s *Part) Plain(now time.Time, b []byte, src netip.AddrPort) {
	st := s.env.Stats()
	if s.judge.ReadOnly() {
		count(&st.ReadOnlyDropped, 1)
		return
	}
	text, enc := s.charsets.Decode(src, b, s.opt.Encoding)
	if text == "" {
		count(&st.Ignored, 1)
		return
	}
	count(&st.PlainIn, 1)
	from := src.String()
	if r, h := event.ReachOf(src.Addr()); r == event.ReachBridge {
		from = netip.AddrPortFrom(h, src.Port()).String() + " (another network)"
	}
	s.env.Emit(event.Message{From: from, Sent: now, Received: now, Source: src, Text: text, Plain: true, Encoding: enc})
}
