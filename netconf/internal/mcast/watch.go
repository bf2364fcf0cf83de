package mcast

import (
	"net"
	"time"
)

// A membership is joined on one interface, and interfaces come and go: a
// USB adapter is pulled, Wi-Fi drops, a cable is unplugged, a VPN
// reconnects. The kernel says nothing to a multicast socket when that
// happens (on Linux its reads just stop), so the interface is looked at
// every CheckEvery: when it goes away or loses its link the engine says
// so and closes its sockets; when it is back it opens and joins again.
const CheckEvery = time.Second

// Status is what the platform says of an interface now.
type Status struct {
	Exists, Up, Running bool
	Index               int
}

// Lookup reads an interface's status by name.
type Lookup func(name string) Status

// StatusOf is the Lookup of this computer.
func StatusOf(name string) Status {
	n, err := net.InterfaceByName(name)
	if err != nil {
		return Status{}
	}
	return Status{Exists: true, Up: n.Flags&net.FlagUp != 0, Running: n.Flags&net.FlagRunning != 0, Index: n.Index}
}

// Change is what a look at the interface found.
type Change int

// Changes Check reports.
const (
	Unchanged Change = iota
	WentDown         // gone, down, or without link: close the sockets
	CameBack         // usable again: open and join again (then Rejoined)
)

// Watch follows one interface.
type Watch struct {
	choice      Choice
	lookup      Lookup
	needRunning bool // it had a link when we joined (some never report one)
	down, gone  bool
	checkAt     time.Time
}

// NewWatch follows choice (nil when it has no name: nothing to watch).
func NewWatch(choice Choice, lookup Lookup) *Watch {
	if choice.Name == "" {
		return nil
	}
	return &Watch{choice: choice, lookup: lookup, needRunning: lookup(choice.Name).Running}
}

// Check looks at the interface when that is due (or at once, when
// force) and says what changed.
func (w *Watch) Check(now time.Time, force bool) Change {
	if !force && now.Before(w.checkAt) {
		return Unchanged
	}
	w.checkAt = now.Add(CheckEvery)
	st := w.lookup(w.choice.Name)
	usable := st.Exists && st.Up && (st.Running || !w.needRunning)
	switch {
	case !usable && !w.down:
		w.down, w.gone = true, !st.Exists
		return WentDown
	case usable && w.down:
		w.choice.Index = st.Index // a new adapter gets a new index
		return CameBack
	}
	return Unchanged
}

// Rejoined says the sockets were opened again after CameBack; until then
// the interface stays down and Check tries again.
func (w *Watch) Rejoined() { w.down = false }

// Choice is the interface, with its index as last seen.
func (w *Watch) Choice() Choice { return w.choice }

// Down reports whether the interface is known to be gone or without link,
// and Gone whether it went away altogether.
func (w *Watch) Down() bool { return w != nil && w.down }

// Gone reports whether the interface went away altogether (not just its
// link).
func (w *Watch) Gone() bool { return w.gone }

// NextCheck is when the interface is next looked at.
func (w *Watch) NextCheck() time.Time { return w.checkAt }
