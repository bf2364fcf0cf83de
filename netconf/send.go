package netconf

func (e *Engine) send(c Send) {
	m := e.m
	switch {
	case m == nil:
		e.queue.Push(Error{Op: "send", Err: ErrNotJoined})
		return
	case m.stream.Out.Ending():
		e.queue.Push(Error{Op: "send", Err: ErrLeaving})
		return
	}
	if err := CheckText(m.cfg, c.Text); err != nil {
		e.queue.Push(Error{Op: "send", Err: err})
		return
	}
	m.stream.Send(e.now(), c.Text, c.Announce)
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
