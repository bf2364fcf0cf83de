package stream

import (
	"bytes"
	"net/netip"
	"time"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/input"
	"github.com/groupcast/groupcast/netconf/wire"
)

// Send sends text as one message (the engine checked it: CheckText), or
// says why it cannot. As the room's presenter we sign it: as an
// announcement when announce is set (pinned for newcomers, its receipts
// counted), else as our message. Only the presenter announces.
func (s *Part) Send(now time.Time, text string, announce bool) {
	presenting := s.judge.Presenting()
	switch {
	case announce && !presenting:
		s.env.Emit(event.Error{Op: "send", Err: input.Errorf("text", "only a room's presenter can announce")})
		return
	case s.opt.Plain:
		s.sendPlain(now, text)
		return
	case s.judge.ReadOnly() && !presenting:
		s.env.Emit(event.Error{Op: "send", Err: input.Errorf("text", "%s is read-only: only its presenter may post", s.judge.RoomName())})
		return
	}
	whole, piece := wire.MaxText, wire.MaxFragmentText
	var sign func(*wire.Packet)
	switch {
	case announce:
		whole, piece, sign = wire.MaxSignedWhole, wire.MaxSignedText, s.judge.Sign
	case presenting:
		whole, piece, sign = wire.MaxSignedWhole, wire.MaxSignedText, s.judge.SignMessage
	}
	dgrams, first, err := s.Out.Message(now, text, whole, piece, sign, s.dgrams)
	if err != nil {
		s.env.Emit(event.Error{Op: "send", Err: input.Errorf("text", "the message cannot be sent: %v", err)})
		return
	}
	st := s.env.Stats()
	for _, dgram := range dgrams {
		s.env.Ledger().Earn(s.repairs, float64(len(dgram)+s.opt.SealOverhead)) // earns what its repairs may cost
		s.opt.Data.Queue(dgram)
		count(&st.DatagramsOut, 1)
		count(&st.BytesOut, uint64(len(dgram)))
	}
	if announce {
		var single []byte // pinned for newcomers; a message in pieces is not
		if len(dgrams) == 1 {
			single = dgrams[0]
		}
		s.class.Announced(now, first, single)
	}
	var kept [][]byte
	if s.opt.KeepWire {
		kept = make([][]byte, len(dgrams)) // our history answers others' catch-up with them too
		for i, d := range dgrams {
			kept[i] = bytes.Clone(d)
		}
	}
	clear(dgrams) // the send buffer keeps them; this slice is reused
	s.dgrams = dgrams[:0]
	s.env.Emit(event.Sent{Seq: first, Time: now, Nick: s.opt.Nick, Text: text, Presenter: presenting, Announcement: announce, Wire: kept})
}

// sendPlain sends text as one bare datagram, for classic tools.
func (s *Part) sendPlain(now time.Time, text string) {
	b, err := wire.EncodePlain(text, s.opt.Encoding) // CheckText passed: it fits
	if err != nil {
		s.env.Emit(event.Error{Op: "send", Err: err})
		return
	}
	st := s.env.Stats()
	if err := s.opt.Data.WritePlain(b); err != nil {
		count(&st.SendErrors, 1)
		s.env.Emit(event.Error{Op: "send", Err: err})
		return
	}
	count(&st.DatagramsOut, 1)
	count(&st.BytesOut, uint64(len(b)))
	s.env.Emit(event.Sent{Time: now, Nick: s.opt.Nick, Text: text, Plain: true})
}

// repair answers a NACK for our own data from host, within the repair
// budget (ledger.Repairs, charged to host). It reports whether the budget let it
// through (a computer flooding NACKs is refused, and does not slow us).
func (s *Part) repair(now time.Time, n wire.Nack, host netip.Addr) bool {
	t, st := &s.opt.Timing, s.env.Stats()
	s.Out.Activity(now) // someone asks: lingering waits for quiet (LingerMax bounds a flood)
	refused := false
	sent, aged := s.Out.Buf.Repair(now, n.Ranges, s.Out.Seq(), t.MaxRepairs, t.RepairLinger, func(d []byte) bool {
		cost := len(d) + s.opt.SealOverhead
		if !s.env.Ledger().Take(now, host, s.repairs, float64(cost)) {
			refused = true
			return false
		}
		dgram := append(s.wbuf[:0], d...)
		_ = wire.SetKind(dgram, wire.KindRepair) // a DATA we sent: it can be
		s.wbuf = dgram
		if err := s.env.Transmit(dgram); err != nil {
			count(&st.SendErrors, 1)
			return false
		}
		count(&st.RepairsOut, 1)
		count(&st.RepairBytesOut, uint64(cost))
		return true
	})
	if refused {
		count(&st.RepairsRefused, 1)
		s.env.Ledger().Refuse(now, event.UnreadableRepairFlood, "", host)
		return sent > 0
	}
	if aged && now.Sub(s.lastTrailBeat) >= t.RepairLinger {
		// Tell them at once where our buffer starts, so they report the
		// loss instead of asking again.
		s.lastTrailBeat = now
		s.WriteControl(wire.KindHeartbeat, now)
	}
	return true
}
