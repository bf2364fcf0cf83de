package netconf

import (
	"github.com/groupcast/groupcast/netconf/internal/seal"
	"github.com/groupcast/groupcast/netconf/wire"
)

func (e *Engine) send(text string) {
	m := e.m
	switch {
	case m == nil:
		e.queue.Push(Error{Op: "send", Err: ErrNotJoined})
		return
	case m.stream.Out.Ending():
		e.queue.Push(Error{Op: "send", Err: ErrLeaving})
		return
	}
	if err := CheckText(m.cfg, text); err != nil {
		e.queue.Push(Error{Op: "send", Err: err})
		return
	}
	m.stream.Send(e.now(), text)
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

// writeControl sends a HELLO, HEARTBEAT or LEAVE describing our stream.
func (e *Engine) writeControl(kind wire.Kind) {
	e.m.stream.WriteControl(kind, e.now())
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

// sealOverheadIf is what sealing adds to a datagram in a keyed group.
func sealOverheadIf(k *seal.Key) int {
	if k == nil {
		return 0
	}
	return wire.SealOverhead
}
