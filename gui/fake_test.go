package gui

import (
	"net/netip"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/groupcast/groupcast/netconf"
)

// fakeEngine stands in for netconf.Engine: the test reads the commands
// the window sends and feeds it events, through the same channels.
type fakeEngine struct {
	cmds   chan netconf.Command
	events chan netconf.Event
	done   chan struct{}
	once   sync.Once
	mu     sync.Mutex
	stats  netconf.Stats
	roster []netconf.Peer
	closed bool
}

func newFakeEngine() *fakeEngine {
	return &fakeEngine{cmds: make(chan netconf.Command, 64), events: make(chan netconf.Event), done: make(chan struct{})}
}

func (f *fakeEngine) Do(c netconf.Command) bool {
	select {
	case f.cmds <- c:
		return true
	case <-f.done:
		return false
	}
}

func (f *fakeEngine) Events() <-chan netconf.Event { return f.events }

func (f *fakeEngine) Stats() netconf.Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stats
}

func (f *fakeEngine) Roster() []netconf.Peer {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]netconf.Peer(nil), f.roster...)
}

func (f *fakeEngine) Close() error {
	f.once.Do(func() {
		f.mu.Lock()
		f.closed = true
		f.mu.Unlock()
		close(f.done)
		close(f.events)
	})
	return nil
}

var (
	testGroup = netip.MustParseAddrPort("239.255.3.3:3333")
	testTime  = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	lo        = netconf.Interface{Name: "lo", Index: 1, Up: true, Loopback: true, Addrs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/8")}}
	eth       = netconf.Interface{Name: "eth0", Index: 2, Up: true, Multicast: true, Addrs: []netip.Prefix{netip.MustParsePrefix("192.168.1.7/24")}}
)

func fakeInterfaces(netip.Addr) ([]netconf.Interface, netconf.Choice, error) {
	return []netconf.Interface{lo, eth}, netconf.Choice{Interface: eth, Automatic: true, Reason: "test"}, nil
}

// Log times render the same on every machine. Set once, before any test
// starts: a harness setting it would race with timers of earlier tests
// that read it.
func init() { time.Local = time.UTC }

// harness is a window on Fyne's test driver, bound to a fake engine.
type harness struct {
	t      *testing.T
	ui     *window
	engine *fakeEngine
	w      fyne.Window
	queue  chan func()
	later  []func() // work the UI goroutine put off (options.soon), when the test collects it
}

func newHarness(t *testing.T, cfg netconf.Config) *harness {
	t.Helper()
	return newHarnessWith(t, cfg, nil)
}

// newHarnessWith is newHarness with options of the test's (set changes
// them before the window is made).
func newHarnessWith(t *testing.T, cfg netconf.Config, set func(h *harness, o *options)) *harness {
	t.Helper()
	a := test.NewTempApp(t)
	w := a.NewWindow("Groupcast")
	h := &harness{t: t, engine: newFakeEngine(), w: w, queue: make(chan func(), 64)}
	opts := options{do: func(f func()) { h.queue <- f }, now: func() time.Time { return testTime }}
	if set != nil {
		set(h, &opts)
	}
	h.ui = newWindow(a, w, h.engine, fakeInterfaces, cfg, opts)
	w.Resize(fyne.NewSize(640, 480))
	t.Cleanup(func() {
		w.Close()
		h.ui.shutdown()
	})
	return h
}

func defaultCfg() netconf.Config {
	c := netconf.DefaultConfig()
	c.Nick = "Alice"
	return c
}

// emit feeds an event through the engine's channel and applies what the
// window scheduled for the UI goroutine, here on the test's goroutine.
func (h *harness) emit(ev netconf.Event) {
	h.t.Helper()
	select {
	case h.engine.events <- ev:
	case <-time.After(2 * time.Second):
		h.t.Fatal("the window does not read engine events")
	}
	select {
	case f := <-h.queue:
		f()
	case <-time.After(2 * time.Second):
		h.t.Fatal("the window scheduled no UI update")
	}
}

// command returns the next command the window handed to the engine.
func (h *harness) command() netconf.Command {
	h.t.Helper()
	select {
	case c := <-h.engine.cmds:
		return c
	case <-time.After(2 * time.Second):
		h.t.Fatal("no command reached the engine")
	}
	return nil
}

func (h *harness) noCommand() {
	h.t.Helper()
	select {
	case c := <-h.engine.cmds:
		h.t.Fatalf("unexpected command %#v", c)
	case <-time.After(100 * time.Millisecond):
	}
}

// joinAs taps Join and answers it like the engine would.
func (h *harness) joinAs(nick string) netconf.Config {
	h.t.Helper()
	test.Tap(h.ui.bar.join)
	j, ok := h.command().(netconf.Join)
	if !ok {
		h.t.Fatal("Join did not send a join command")
	}
	h.emit(netconf.Joined{
		Group: j.Config.Group, Interface: netconf.Choice{Interface: eth, Automatic: true},
		TTL: j.Config.TTL, Loopback: j.Config.Loopback, Nick: nick,
	})
	return j.Config
}
