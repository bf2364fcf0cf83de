package netconf

import (
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

// queueData keeps a new DATA datagram for flushData, which writes what
// the loop's commands produced at once.
func (e *Engine) queueData(dgram []byte) {
	if e.m.link.Full() {
		e.flushData()
	}
	e.m.link.Queue(dgram)
}

// flushData writes the queued DATA (link.Flush).
func (e *Engine) flushData() {
	m := e.m
	if m == nil {
		return
	}
	if err := m.link.Flush(); err != nil {
		add(&e.stats.SendErrors, 1)
		if !m.watch.Down() { // when it is, the user knows; the data is repaired once it is back
			e.queue.Push(Error{Op: "transmit", Err: err})
		}
	}
}

// write encodes and sends a datagram that is not kept for repair.
func (e *Engine) write(p *wire.Packet) {
	if err := e.m.link.Write(p); err != nil {
		e.queue.Push(Error{Op: "send " + p.Kind.String(), Err: err})
	}
}
