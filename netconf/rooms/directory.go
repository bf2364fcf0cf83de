package rooms

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/ipv4"

	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/internal/mcast"
	"github.com/groupcast/groupcast/netconf/wire"
)

// Announcer announces one room on the SAP group until it is closed, then
// announces its deletion. Announcements go out at once, then after 0.5,
// 1.5 and 3.5 s (so a directory started at the same time sees the room
// quickly), then every 5 s (RFC 2974 asks for a bandwidth-based interval;
// one 500-byte packet every 5 s is far below its 4 kbit/s).
type Announcer struct {
	room  netconf.Room
	sign  ed25519.PrivateKey
	write func([]byte) error // one announcement out
	close func()
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
}

// NewVersion is the version of a room's entry for a run of the room
// that starts now. Each run is a newer version, so a recording of an
// earlier run (its deletion, say) is older than what directories hold
// (Known), and its presenter signs for this run (its session: what is
// signed for an earlier one is refused). Set it before joining, so the
// engine signs for the version announced.
func NewVersion() uint64 { return uint64(time.Now().Unix()) }

// AnnounceInterval is the steady interval between announcements.
const AnnounceInterval = 5 * time.Second

// Announce starts announcing room through iface.
func Announce(room netconf.Room, iface netconf.Choice, sign ed25519.PrivateKey) (*Announcer, error) {
	if room.Origin == (netip.Addr{}) {
		room.Origin = iface.Addr()
	}
	if room.Version == 0 {
		room.Version = NewVersion()
	}
	if _, err := AppendSAP(nil, room, false, sign); err != nil {
		return nil, err
	}
	write, closeSender, err := OpenSender(iface, room.TTL)
	if err != nil {
		return nil, err
	}
	a := &Announcer{room: room, sign: sign, stop: make(chan struct{}), done: make(chan struct{}),
		write: write, close: closeSender}
	go a.run()
	return a, nil
}

// OpenSender opens a socket that sends to the SAP group through iface
// with TTL ttl (at least 1), loopback on: write sends one announcement.
func OpenSender(iface netconf.Choice, ttl int) (write func([]byte) error, close func(), err error) {
	c, err := net.ListenPacket("udp4", "0.0.0.0:0")
	if err != nil {
		return nil, nil, &netconf.OpError{Op: "open the room announcer", Err: err}
	}
	p := ipv4.NewPacketConn(c)
	nif, err := net.InterfaceByIndex(iface.Index)
	if err == nil {
		err = p.SetMulticastInterface(nif)
	}
	if err == nil {
		err = p.SetMulticastTTL(max(ttl, 1))
	}
	if err == nil {
		err = p.SetMulticastLoopback(true)
	}
	if err != nil {
		c.Close()
		return nil, nil, &netconf.OpError{Op: "announce the room on " + iface.Name, Err: err}
	}
	dest := net.UDPAddrFromAddrPort(SAPGroup)
	return func(b []byte) error { _, err := p.WriteTo(b, nil, dest); return err }, func() { _ = c.Close() }, nil
}

func (a *Announcer) run() {
	defer close(a.done)
	steps := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}
	for i := 0; ; i++ {
		a.send(false)
		wait := AnnounceInterval
		if i < len(steps) {
			wait = steps[i]
		}
		select {
		case <-a.stop:
			a.send(true)
			return
		case <-time.After(wait):
		}
	}
}

func (a *Announcer) send(deletion bool) {
	b, err := AppendSAP(nil, a.room, deletion, a.sign)
	if err == nil {
		_ = a.write(b) // the next announcement repeats it
	}
}

// Close announces the room's deletion and stops; idempotent.
func (a *Announcer) Close() error {
	a.once.Do(func() {
		close(a.stop)
		<-a.done
		a.close()
	})
	return nil
}

// Discover listens to the SAP group on iface ("" for automatic) and
// calls found for each room announcement (and deletion) heard, until ctx
// ends or wait has passed.
func Discover(ctx context.Context, iface string, wait time.Duration, found func(r netconf.Room, deleted bool)) error {
	c, _, err := Listen(iface)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(wait))
	stop := context.AfterFunc(ctx, func() { _ = c.SetReadDeadline(time.Now()) })
	defer stop()
	buf := make([]byte, 65536)
	for {
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			return nil // deadline: done listening
		}
		b, remote := buf[:n], false
		if inner, _, ok := wire.ParseForward(b); ok {
			b, remote = inner, true // another network's, forwarded by a bridge
		}
		if r, del, err := ParseSAP(b); err == nil {
			r.Remote = remote
			found(r, del)
		}
	}
}

// Listen joins the SAP group on iface ("" for automatic), the
// interface it chose.
func Listen(iface string) (net.PacketConn, netconf.Choice, error) {
	choice, err := netconf.ResolveInterface(iface, SAPGroup.Addr())
	if err != nil {
		return nil, choice, err
	}
	nif, err := net.InterfaceByIndex(choice.Index)
	if err != nil {
		return nil, choice, &netconf.OpError{Op: "find interface " + choice.Name, Err: err}
	}
	c, _, err := mcast.Listen(SAPGroup, choice.Name, nif)
	return c, choice, err
}

// DiscoverFunc is the shape of Discover (tests give their own).
type DiscoverFunc func(ctx context.Context, iface string, wait time.Duration, found func(r netconf.Room, deleted bool)) error

// Settle is how long Find listens at least: every room announced steadily
// (AnnounceInterval) is heard once in that time, so an impostor's entry
// under the same name is noticed.
const Settle = AnnounceInterval + 500*time.Millisecond

// Find listens for a room called name, through discover, for Settle or
// until it is heard, whichever is later, and at most wait. It fails with
// an AmbiguousError when more than one room is announced under that name
// (Known.Lookup), so that nobody is silently given an impostor's copy,
// and with a NotFoundError when none is.
func Find(ctx context.Context, discover DiscoverFunc, iface, name string, wait time.Duration) (netconf.Room, error) {
	k, err := listen(ctx, discover, iface, name, wait)
	if err != nil {
		return netconf.Room{}, err
	}
	room, ok, err := k.Lookup(name)
	if err != nil {
		return netconf.Room{}, err
	}
	if !ok {
		return netconf.Room{}, &NotFoundError{Name: name, Wait: wait, Heard: k.List()}
	}
	return room, nil
}

// FindOwn is Find for the presenter of the room, whose key is key (nil:
// Find): only
// the room announced with its key counts, so a student's copy under the
// same name neither blocks nor misleads it. A NotFoundError means no room
// of that name is announced with its key.
func FindOwn(ctx context.Context, discover DiscoverFunc, iface, name string, wait time.Duration, key ed25519.PrivateKey) (netconf.Room, error) {
	if key == nil {
		return Find(ctx, discover, iface, name, wait)
	}
	k, err := listen(ctx, discover, iface, name, wait)
	if err != nil {
		return netconf.Room{}, err
	}
	for _, r := range k.named(name) {
		if r.PresenterKey.Equal(key.Public()) {
			return r, nil
		}
	}
	return netconf.Room{}, &NotFoundError{Name: name, Wait: wait, Heard: k.List()}
}

// FindPinned is Find where only a room whose presenter key has the
// fingerprint pin counts: with the teacher's key named in a lab's
// settings, an impostor's room of the same name is never taken, nor is
// the student asked to choose. The NotFoundError says which rooms of that
// name were ignored.
func FindPinned(ctx context.Context, discover DiscoverFunc, iface, name string, wait time.Duration, pin string) (netconf.Room, error) {
	k, err := listen(ctx, discover, iface, name, wait)
	if err != nil {
		return netconf.Room{}, err
	}
	var ignored []netconf.Room
	for _, r := range k.named(name) {
		if len(r.PresenterKey) == ed25519.PublicKeySize && Fingerprint(r.PresenterKey) == pin {
			return r, nil
		}
		ignored = append(ignored, r)
	}
	return netconf.Room{}, &NotFoundError{Name: name, Wait: wait, Heard: k.List(), Pin: pin, Ignored: ignored}
}

// listen collects what discover hears for Settle or until a room called
// name is heard, whichever is later, and at most wait.
func listen(ctx context.Context, discover DiscoverFunc, iface, name string, wait time.Duration) (*Known, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	k := NewKnown()
	var heard atomic.Bool
	settled := time.AfterFunc(min(Settle, wait), func() {
		if heard.Load() {
			cancel()
		}
	})
	defer settled.Stop()
	start := time.Now()
	err := discover(ctx, iface, wait, func(r netconf.Room, deleted bool) {
		k.Apply(r, deleted)
		if _, ok, _ := k.Lookup(name); ok {
			heard.Store(true)
			if time.Since(start) >= Settle {
				cancel()
			}
		}
	})
	return k, err
}

// NotFoundError says that no room of that name was heard: each front end
// adds where the user can see the rooms that were. Heard are the rooms
// that were (for FreeGroup, when the room is to be created).
type NotFoundError struct {
	Name  string
	Wait  time.Duration
	Heard []netconf.Room
	// Pin is the presenter key's fingerprint looked for (FindPinned), and
	// Ignored the rooms of that name announced with another key.
	Pin     string
	Ignored []netconf.Room
}

func (e *NotFoundError) Error() string {
	if e.Pin == "" {
		return fmt.Sprintf("no room named %q was announced on this network within %s", e.Name, e.Wait.Round(time.Second))
	}
	s := fmt.Sprintf("no room named %q with presenter key %s was announced on this network within %s", e.Name, e.Pin, e.Wait.Round(time.Second))
	if len(e.Ignored) > 0 {
		var who []string
		for _, r := range e.Ignored {
			who = append(who, Describe(r))
		}
		s += fmt.Sprintf("; ignored, as it may be an impostor: %s", strings.Join(who, "; "))
	}
	return s
}

// ValidFingerprint checks a presenter key's fingerprint as a person would
// type it from the presenter's screen.
func ValidFingerprint(s string) error {
	if len(s) != 11 || strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return fmt.Errorf("a presenter key fingerprint is the 11 letters, digits, - and _ its presenter's screen shows, not %q", s)
	}
	return nil
}
