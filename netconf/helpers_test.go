package netconf

import (
	"crypto/ed25519"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/groupcast/groupcast/internal/lossy"
	"github.com/groupcast/groupcast/internal/memnet"
	"github.com/groupcast/groupcast/internal/testnet"
	"github.com/groupcast/groupcast/netconf/internal/catchup"
	"github.com/groupcast/groupcast/netconf/internal/fileshare"
	"github.com/groupcast/groupcast/netconf/wire"
)

// The in-process test members: engines on an in-memory multicast bus
// (internal/memnet) whose inbound datagrams suffer faults (internal/lossy).

// busMember is an engine on the bus.
type busMember struct {
	e      *Engine
	conn   *lossy.Conn // the group's port; nil when joined without faults
	ctl    *lossy.Conn // the companion port; nil when joined without faults
	raw    *memnet.Conn
	joined Joined
}

// dropped is how many datagrams the fault injector dropped, on both ports.
func (b *busMember) dropped() uint64 { return b.conn.Dropped.Load() + b.ctl.Dropped.Load() }

// received is how many datagrams reached the fault injector, on both ports.
func (b *busMember) received() uint64 { return b.conn.Received.Load() + b.ctl.Received.Load() }

// busTransport is a transport on the in-memory bus: a conn on the group
// (which also sends) and one on its companion port (memnet.Control).
func busTransport(hub *memnet.Hub) Transport {
	return PacketTransport(hub.Join(), memnet.Group, hub.JoinAt(memnet.Control), memnet.Control)
}

// joinBus joins an open group as nick.
func joinBus(t testing.TB, hub *memnet.Hub, nick string, f lossy.Faults, timing Timing) *busMember {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Nick = nick
	return joinWith(t, hub, cfg, f, timing)
}

// joinKeyed joins the private group of pass (an open one when pass is "").
func joinKeyed(t testing.TB, hub *memnet.Hub, nick, pass string) *busMember {
	t.Helper()
	return joinKeyedTiming(t, hub, nick, pass, DefaultTiming(), nil)
}

// joinKeyedTiming joins a private group with timing and, when clock is
// set, a clock of its own (a computer whose clock is wrong).
func joinKeyedTiming(t testing.TB, hub *memnet.Hub, nick, pass string, timing Timing, clock func() time.Time) *busMember {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Nick, cfg.Passphrase = nick, pass
	var opts []Option
	if clock != nil {
		opts = append(opts, withClock(clock))
	}
	b := joinWith(t, hub, cfg, lossy.Faults{}, timing, opts...)
	if b.joined.Keyed != (pass != "") {
		t.Fatalf("joined %+v", b.joined)
	}
	return b
}

// joinRoom joins room as nick, as its presenter when presenter is set.
func joinRoom(t testing.TB, hub *memnet.Hub, nick string, room *Room, presenter ed25519.PrivateKey) *busMember {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Nick, cfg.Room, cfg.Presenter = nick, room, presenter
	return joinWith(t, hub, cfg, lossy.Faults{}, DefaultTiming())
}

// joinWith joins cfg on the bus, its inbound datagrams suffering f, and
// waits until it has joined.
func joinWith(t testing.TB, hub *memnet.Hub, cfg Config, f lossy.Faults, timing Timing, opts ...Option) *busMember {
	t.Helper()
	b := &busMember{raw: hub.Join()}
	// Without faults the engine reads and writes the bus in batches, as it
	// does sockets on Linux; the fault injector reads one at a time.
	var pc, cc net.PacketConn = b.raw, hub.JoinAt(memnet.Control)
	if f.Drop != 0 || f.Duplicate != 0 || f.Reorder != 0 || f.DropIf != nil {
		b.conn, b.ctl = lossy.Wrap(pc, f), lossy.Wrap(cc, f)
		pc, cc = b.conn, b.ctl
	}
	b.e = New(append([]Option{WithTiming(timing), WithTransport(func(Config) (Transport, error) {
		return PacketTransport(pc, memnet.Group, cc, memnet.Control), nil
	})}, opts...)...)
	b.e.Do(Join{Config: cfg})
	ev := waitEvent(t, b.e, 10*time.Second, func(ev Event) bool {
		if e, ok := ev.(Error); ok {
			t.Fatalf("join %s: %v", cfg.Nick, e.Err)
		}
		_, ok := ev.(Joined)
		return ok
	})
	b.joined = ev.(Joined)
	return b
}

// fastTiming is the protocol with short heartbeats and timeouts, for
// tests of presence.
func fastTiming() Timing {
	t := DefaultTiming()
	t.PeerTimeout = 800 * time.Millisecond
	t.Heartbeat = 200 * time.Millisecond
	t.LingerQuiet = 300 * time.Millisecond
	return t
}

// waitEvent reads events until match accepts one, failing after limit.
func waitEvent(t testing.TB, e *Engine, limit time.Duration, match func(Event) bool) Event {
	t.Helper()
	deadline := time.After(limit)
	for {
		select {
		case ev, ok := <-e.Events():
			if !ok {
				t.Fatal("events closed")
			}
			if match(ev) {
				return ev
			}
		case <-deadline:
			t.Fatalf("no matching event within %v", limit)
		}
	}
}

// waitPeers waits up to 3 s until n PeerJoined events came from e.
func waitPeers(t testing.TB, e *Engine, n int) {
	t.Helper()
	joined := 0
	waitEvent(t, e, 3*time.Second, func(ev Event) bool {
		if _, ok := ev.(PeerJoined); ok {
			joined++
		}
		return joined == n
	})
}

// drain discards e's events from now on.
func drain(e *Engine) {
	go func() {
		for range e.Events() {
		}
	}()
}

// Engines on real sockets of the loopback interface.

func loConfig(t testing.TB, group string, port uint16, nick string) Config {
	t.Helper()
	c := DefaultConfig()
	c.Group = netip.AddrPortFrom(netip.MustParseAddr(group), port)
	c.Interface = testnet.Loopback(t)
	c.Nick = nick
	return c
}

func joined(t testing.TB, cfg Config) *Engine {
	t.Helper()
	e := New()
	t.Cleanup(func() { _ = e.Close() })
	e.Do(Join{Config: cfg})
	j := nextOf[Joined](t, e)
	if j.Group != cfg.Group || j.Interface.Name != cfg.Interface || j.Nick != cfg.Nick || j.Sender.IsZero() {
		t.Fatalf("joined = %+v", j)
	}
	return e
}

// next returns the next event, failing the test after waitLimit.
func next(t testing.TB, e *Engine) Event {
	t.Helper()
	select {
	case ev, ok := <-e.Events():
		if !ok {
			t.Fatal("events closed")
		}
		return ev
	case <-time.After(waitLimit):
		t.Fatal("no event within", waitLimit)
	}
	return nil
}

func nextOf[T Event](t testing.TB, e *Engine) T {
	t.Helper()
	for {
		ev := next(t, e)
		if v, ok := ev.(T); ok {
			return v
		}
		if er, ok := ev.(Error); ok {
			t.Fatalf("waiting for %T, got error: %s (%v)", *new(T), Explain(er.Err), er.Err)
		}
	}
}

// quiet asserts that no message arrives within d.
func quiet(t testing.TB, e *Engine, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev := <-e.Events():
			if m, ok := ev.(Message); ok {
				t.Fatalf("unexpected message %+v", m)
			}
		case <-deadline:
			return
		}
	}
}

// What members receive and what the bus carries.

// collector reads one engine's events: messages per sender, in order.
type collector struct {
	mu      sync.Mutex
	got     map[string][]string // nick → texts in delivery order
	lost    []Lost
	joined  map[string]int
	left    map[string]int
	total   int
	done    chan struct{}
	counted chan struct{}
	want    int
}

func collect(e *Engine, want int) *collector {
	c := &collector{got: map[string][]string{}, joined: map[string]int{}, left: map[string]int{},
		done: make(chan struct{}), counted: make(chan struct{}), want: want}
	go func() {
		defer close(c.done)
		for ev := range e.Events() {
			c.mu.Lock()
			switch ev := ev.(type) {
			case Message:
				c.got[ev.From] = append(c.got[ev.From], ev.Text)
				c.total++
				if c.total == c.want {
					close(c.counted)
				}
			case Lost:
				c.lost = append(c.lost, ev)
			case PeerJoined:
				c.joined[ev.Peer.Nick]++
			case PeerLeft:
				c.left[ev.Peer.Nick]++
			}
			c.mu.Unlock()
		}
	}()
	return c
}

// recorder keeps a copy of every datagram on the bus, on the group's port
// and its companion.
type recorder struct {
	mu    sync.Mutex
	got   [][]byte
	to    []*net.UDPAddr // where got[i] was sent
	conns []*memnet.Conn
	wg    sync.WaitGroup
}

func record(hub *memnet.Hub) *recorder {
	r := &recorder{conns: []*memnet.Conn{hub.Join(), hub.JoinAt(memnet.Control)}}
	for i, c := range r.conns {
		to := []*net.UDPAddr{memnet.Group, memnet.Control}[i]
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			buf := make([]byte, 65536)
			for {
				n, _, err := c.ReadFrom(buf)
				if err != nil {
					return
				}
				r.mu.Lock()
				r.got = append(r.got, append([]byte(nil), buf[:n]...))
				r.to = append(r.to, to)
				r.mu.Unlock()
			}
		}()
	}
	return r
}

// replay writes what was recorded again from c, each datagram to the
// port it was sent to.
func (r *recorder) replay(c *memnet.Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, d := range r.got {
		_, _ = c.WriteTo(d, r.to[i])
	}
}

// stop ends the recording.
func (r *recorder) stop() {
	for _, c := range r.conns {
		_ = c.Close()
	}
	r.wg.Wait()
}

func (r *recorder) datagrams() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.got...)
}

// isFrom matches datagrams of the given kinds from nick with seq in
// [first, last] (seq is ignored when last is 0).
func isFrom(nick string, first, last uint64, kinds ...wire.Kind) func([]byte) bool {
	return func(b []byte) bool {
		p, err := wire.Decode(b)
		if err != nil || p.Nick != nick {
			return false
		}
		for _, k := range kinds {
			if p.Kind == k && (last == 0 || (p.Seq >= first && p.Seq <= last)) {
				return true
			}
		}
		return false
	}
}

// The parts' limits the engine's tests check against.
const (
	catchUpMessages   = catchup.Messages
	catchUpAllowance  = catchup.Allowance
	catchUpRate       = catchup.Rate
	catchUpHostAsks   = catchup.HostAsks
	fileOffersPerHost = fileshare.OffersPerHost
	maxOutgoing       = fileshare.MaxOutgoing
)

// wFileReadOnly is why a student of a read-only room may not send a file.
var wFileReadOnly = fileshare.WFileReadOnly
