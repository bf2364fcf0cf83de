package netconf

import (
	"time"

	"github.com/groupcast/groupcast/netconf/internal/mcast"
	"github.com/groupcast/groupcast/netconf/wire"
)

// checkInterface looks at the membership's interface when that is due
// (or at once, when force) and acts on a change: gone or without link,
// the user is told and the sockets are closed, and what is sent meanwhile
// waits in the retransmit buffer; back, the group is joined again — same
// sender id, same streams — and receivers repair what they missed.
func (e *Engine) checkInterface(now time.Time, force bool) {
	m := e.m
	w := m.watch
	if w == nil {
		return
	}
	switch w.Check(now, force) {
	case mcast.WentDown:
		m.detach()
		e.queue.Push(InterfaceChanged{Name: w.Choice().Name, Up: false, Gone: w.Gone()})
	case mcast.CameBack:
		tr, err := e.openTransport(m.cfg, w.Choice())
		if err != nil {
			add(&e.stats.SendErrors, 1)
			return // the next check tries again
		}
		w.Rejoined()
		m.link.Attach(tr, e.rx, e.rxc)
		e.queue.Push(InterfaceChanged{Name: w.Choice().Name, Up: true})
		m.stream.WriteControl(wire.KindHeartbeat, now) // where our stream stands: receivers ask for what they missed
	}
}
