package netconf

import (
	"bytes"
	"net/netip"
	"time"

	"github.com/groupcast/groupcast/netconf/internal/seal"
	"github.com/groupcast/groupcast/netconf/wire"
)

func (e *Engine) send(text string) {
	m := e.m
	switch {
	case m == nil:
		e.queue.Push(Error{Op: "send", Err: ErrNotJoined})
		return
	case m.out.Ending():
		e.queue.Push(Error{Op: "send", Err: ErrLeaving})
		return
	}
	if err := CheckText(m.cfg, text); err != nil {
		e.queue.Push(Error{Op: "send", Err: err})
		return
	}
	now := e.now()
	if m.cfg.Plain {
		e.sendPlain(now, text)
		return
	}
	if r := m.cfg.Room; r != nil && r.ReadOnly && m.cfg.Presenter == nil {
		e.queue.Push(Error{Op: "send", Err: inputErr("text", "%s is read-only: only its presenter may post", r.Name)})
		return
	}
	whole, piece := wire.MaxText, wire.MaxFragmentText
	var sign func(*wire.Packet)
	if m.cfg.Presenter != nil {
		whole, piece, sign = wire.MaxSignedWhole, wire.MaxSignedText, m.judge.Sign
	}
	dgrams, first, err := m.out.Message(now, text, whole, piece, sign, sealOverheadIf(m.key), m.dgrams)
	if err != nil {
		e.queue.Push(Error{Op: "send", Err: inputErr("text", "the message cannot be sent: %v", err)})
		return
	}
	for _, dgram := range dgrams {
		e.queueData(dgram)
		add(&e.stats.DatagramsOut, 1)
		add(&e.stats.BytesOut, uint64(len(dgram)))
	}
	if m.presenting != nil {
		var single []byte // pinned for newcomers; a message in pieces is not
		if len(dgrams) == 1 {
			single = dgrams[0]
		}
		m.presenting.Announced(now, first, single)
	}
	var kept [][]byte
	if m.keepsHistory() {
		kept = make([][]byte, len(dgrams)) // our history answers others' catch-up with them too
		for i, d := range dgrams {
			kept[i] = bytes.Clone(d)
		}
	}
	clear(dgrams) // the send buffer keeps them; this slice is reused
	m.dgrams = dgrams[:0]
	e.queue.Push(Sent{Seq: first, Time: now, Nick: m.cfg.Nick, Text: text, Announcement: m.presenting != nil, Wire: kept})
}

// queueData keeps a new DATA datagram (sealed when the group has a key)
// for flushData, which writes what the loop's commands produced at once.
func (e *Engine) queueData(dgram []byte) {
	m := e.m
	if m.key != nil {
		if len(m.outbuf)+wire.MaxDatagram > cap(m.outbuf) {
			e.flushData() // outq points into outbuf: never let it grow
		}
		if m.outbuf == nil {
			m.outbuf = make([]byte, 0, 64*wire.MaxDatagram)
		}
		m.pn++
		start := len(m.outbuf)
		m.outbuf = m.key.Seal(m.outbuf, m.pn, dgram)
		dgram = m.outbuf[start:len(m.outbuf):len(m.outbuf)]
	}
	m.outq = append(m.outq, dgram)
}

// flushData writes the queued DATA, in one system call where the
// transport can (sendmmsg on Linux). A datagram that does not go out stays
// in the retransmit buffer: receivers that notice the gap ask for it.
func (e *Engine) flushData() {
	m := e.m
	if m == nil || len(m.outq) == 0 {
		return
	}
	var err error
	if bw, ok := m.tr.(BatchWriter); ok {
		err = bw.WriteBatch(m.outq)
	} else {
		for _, w := range m.outq {
			if err = m.tr.Write(w); err != nil {
				break
			}
		}
	}
	if err != nil {
		add(&e.stats.SendErrors, 1)
		if !m.watch.Down() { // when it is, the user knows; the data is repaired once it is back
			e.queue.Push(Error{Op: "transmit", Err: err})
		}
	}
	clear(m.outq)
	m.outq, m.outbuf = m.outq[:0], m.outbuf[:0]
}

// sendPlain sends text as one bare datagram, for classic tools.
func (e *Engine) sendPlain(now time.Time, text string) {
	m := e.m
	b, err := wire.EncodePlain(text, m.cfg.Encoding) // CheckText passed: it fits
	if err != nil {
		e.queue.Push(Error{Op: "send", Err: err})
		return
	}
	if err := m.tr.Write(b); err != nil {
		add(&e.stats.SendErrors, 1)
		e.queue.Push(Error{Op: "send", Err: err})
		return
	}
	add(&e.stats.DatagramsOut, 1)
	add(&e.stats.BytesOut, uint64(len(b)))
	e.queue.Push(Sent{Time: now, Nick: m.cfg.Nick, Text: text, Plain: true})
}

// writeControl sends a HELLO, HEARTBEAT or LEAVE describing our stream.
func (e *Engine) writeControl(kind wire.Kind) {
	m := e.m
	if m.cfg.Plain {
		return // classic tools would show our control traffic as garbage
	}
	p := m.out.Control(kind, e.now(), m.scratch[:0])
	e.write(&p)
}

// write encodes and sends a datagram that is not kept for repair.
func (e *Engine) write(p *wire.Packet) {
	m := e.m
	dgram, err := wire.AppendEncode(m.wbuf[:0], p)
	if err != nil {
		e.queue.Push(Error{Op: "send " + p.Kind.String(), Err: err})
		return
	}
	m.wbuf = dgram
	if err := m.transmit(dgram); err != nil {
		add(&e.stats.SendErrors, 1)
		return // control traffic is repeated; a failed one is not worth an error line
	}
	add(&e.stats.ControlOut, 1)
}

// repair answers a NACK for our own data from host, within the repair
// budget (reliable.RepairBudget). It reports whether the budget let it
// through (a computer flooding NACKs is refused, and does not slow us).
func (e *Engine) repair(now time.Time, n wire.Nack, host netip.Addr) bool {
	m := e.m
	m.out.Activity(now) // someone asks: lingering waits for quiet (LingerMax bounds a flood)
	refused := false
	sent, aged := m.out.Buf.Repair(now, n.Ranges, m.out.Seq(), e.timing.MaxRepairs, e.timing.RepairLinger, func(d []byte) bool {
		cost := len(d) + sealOverheadIf(m.key)
		if !m.out.Repairs.Allow(now, host, cost, e.timing.BufferBytes) {
			refused = true
			return false
		}
		dgram := append(m.wbuf[:0], d...)
		_ = wire.SetKind(dgram, wire.KindRepair) // a DATA we sent: it can be
		m.wbuf = dgram
		if err := m.transmit(dgram); err != nil {
			add(&e.stats.SendErrors, 1)
			return false
		}
		add(&e.stats.RepairsOut, 1)
		add(&e.stats.RepairBytesOut, uint64(cost))
		return true
	})
	if refused {
		add(&e.stats.RepairsRefused, 1)
		e.refuse(now, UnreadableRepairFlood, "", host)
		return sent > 0
	}
	if aged && now.Sub(m.lastTrailBeat) >= e.timing.RepairLinger {
		// Tell them at once where our buffer starts, so they report the
		// loss instead of asking again.
		m.lastTrailBeat = now
		e.writeControl(wire.KindHeartbeat)
	}
	return true
}

// sealOverheadIf is what sealing adds to a datagram in a keyed group.
func sealOverheadIf(k *seal.Key) int {
	if k == nil {
		return 0
	}
	return wire.SealOverhead
}
