package netconf

import (
	"github.com/groupcast/groupcast/netconf/wire"
	"net"
	"time"
)

// A membership is joined on one interface, and interfaces come and go: a
// USB adapter is pulled, Wi-Fi drops, a cable is unplugged, a VPN
// reconnects. The kernel says nothing to a multicast socket when that
// happens (on Linux its reads just stop), so the engine looks at the
// interface every ifaceCheckEvery: when it goes away or loses its link the
// user is told at once, what is sent meanwhile waits in the retransmit
// buffer, and when it is back the membership's sockets are opened and
// joined again — same sender id, same streams — and receivers repair what
// they missed.
const ifaceCheckEvery = time.Second

// ifaceStatus is what the platform says of an interface now.
type ifaceStatus struct {
	Exists, Up, Running bool
	Index               int
}

// ifaceLookup reads an interface's status by name.
type ifaceLookup func(name string) ifaceStatus

func lookupInterface(name string) ifaceStatus {
	n, err := net.InterfaceByName(name)
	if err != nil {
		return ifaceStatus{}
	}
	return ifaceStatus{Exists: true, Up: n.Flags&net.FlagUp != 0, Running: n.Flags&net.FlagRunning != 0, Index: n.Index}
}

// ifaceWatch follows the membership's interface.
type ifaceWatch struct {
	choice      Choice
	lookup      ifaceLookup
	needRunning bool // it had a link when we joined (some never report one)
	down        bool // gone or without link: the user was told
	gone        bool
	checkAt     time.Time
}

func newIfaceWatch(choice Choice, cfg Config, lookup ifaceLookup) *ifaceWatch {
	if choice.Name == "" {
		choice.Name = cfg.Interface
	}
	if choice.Name == "" {
		return nil
	}
	st := lookup(choice.Name)
	return &ifaceWatch{choice: choice, lookup: lookup, needRunning: st.Running}
}

// usable reports whether st can carry the membership.
func (w *ifaceWatch) usable(st ifaceStatus) bool {
	return st.Exists && st.Up && (st.Running || !w.needRunning)
}

// checkInterface looks at the membership's interface when that is due
// (or at once, when force) and acts on a change.
func (e *Engine) checkInterface(now time.Time, force bool) {
	m := e.m
	w := m.watch
	if w == nil || (!force && now.Before(w.checkAt)) {
		return
	}
	w.checkAt = now.Add(ifaceCheckEvery)
	st := w.lookup(w.choice.Name)
	switch {
	case !w.usable(st) && !w.down:
		w.down, w.gone = true, !st.Exists
		m.detach()
		e.queue.Push(InterfaceChanged{Name: w.choice.Name, Up: false, Gone: w.gone})
	case w.usable(st) && w.down:
		w.choice.Index = st.Index // a new adapter gets a new index
		tr, err := e.openTransport(m.cfg, w.choice)
		if err != nil {
			e.stats.sendErrors.Add(1)
			return // the next check tries again
		}
		w.down = false
		m.attach(tr, e.rx)
		e.queue.Push(InterfaceChanged{Name: w.choice.Name, Up: true})
		e.writeControl(wire.KindHeartbeat) // where our stream stands: receivers ask for what they missed
	}
}

// ifaceDown reports whether the membership's interface is known to be
// gone or without link.
func (m *member) ifaceDown() bool { return m.watch != nil && m.watch.down }
