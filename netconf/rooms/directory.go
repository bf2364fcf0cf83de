package rooms

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
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
// one 500-byte packet every 5 s is far below its 4 kbit/s). A
// solicitation (solicit.go) is answered with the announcement within
// AnswerGap, at most once per AnswerGap however many arrive.
type Announcer struct {
	room     netconf.Room
	sign     ed25519.PrivateKey
	write    func([]byte) error // one announcement out
	close    func()             // the sender, and what hears solicitations
	solicits chan struct{}      // a solicitation arrived (1 slot: many are one)
	stop     chan struct{}
	done     chan struct{}
	once     sync.Once
}

// NewVersion is the version of a room's entry for a run of the room
// that starts now. Each run is a newer version, so a recording of an
// earlier run (its deletion, say) is older than what directories hold
// (Known), and its presenter signs for this run (its session: what is
// signed for an earlier one is refused). Set it before joining, so the
// engine signs for the version announced. It is the time in
// milliseconds (in seconds before Groupcast answered solicitations: a
// teacher whose program restarted within the second, as a script does,
// announced the same version, and the PCs could not tell the runs apart
// to follow it to its new group).
func NewVersion() uint64 { return uint64(time.Now().UnixMilli()) }

// AnnounceInterval is the steady interval between announcements.
const AnnounceInterval = 5 * time.Second

// Announce starts announcing room through iface, and answering the
// solicitations heard there.
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
	a := newAnnouncer(room, sign, write, closeSender)
	// Without the SAP port (another program holds it alone) the room is
	// still announced, every 5 s: answering is a courtesy.
	if in, _, err := Listen(iface.Name); err == nil {
		heard := make(chan struct{})
		go func() { defer close(heard); a.hear(in) }()
		a.close = func() { _ = in.Close(); <-heard; closeSender() }
	}
	go a.run()
	return a, nil
}

func newAnnouncer(room netconf.Room, sign ed25519.PrivateKey, write func([]byte) error, closeFn func()) *Announcer {
	return &Announcer{room: room, sign: sign, write: write, close: closeFn,
		solicits: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
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

// hear reads the SAP group until in is closed, and passes on the
// solicitations. A flood costs a read and a comparison each: what it
// makes the announcer send is paced by run.
func (a *Announcer) hear(in net.PacketConn) {
	buf := make([]byte, 2048)
	for {
		n, _, err := in.ReadFrom(buf)
		if err != nil {
			return // closed
		}
		if _, ok := ParseSolicit(buf[:n]); ok {
			a.solicited()
		}
	}
}

// solicited notes that a solicitation arrived; it never blocks.
func (a *Announcer) solicited() {
	select {
	case a.solicits <- struct{}{}:
	default: // one is waiting already: this one is answered with it
	}
}

// announceSteps are the gaps between the first announcements; then
// AnnounceInterval.
var announceSteps = []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}

func (a *Announcer) run() {
	defer close(a.done)
	var pace answers
	next, i := time.Now(), 0 // the next steady announcement
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-a.stop:
			a.send(true)
			return
		case <-a.solicits:
			pace.solicited(time.Now())
		case <-timer.C:
		}
		now := time.Now()
		steady := !now.Before(next)
		if pace.goesAt(now, steady) {
			a.send(false)
			pace.sent(now)
		}
		if steady {
			wait := AnnounceInterval
			if i < len(announceSteps) {
				wait = announceSteps[i]
			}
			next, i = now.Add(wait), i+1
		}
		wake := next
		if due := pace.dueAt(); !due.IsZero() && due.Before(wake) {
			wake = due
		}
		timer.Reset(wake.Sub(now))
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
// ends or wait has passed. It solicits the rooms at once (and again
// after solicitAgain), so the rooms announced are heard within
// AnswerWindow.
func Discover(ctx context.Context, iface string, wait time.Duration, found func(r netconf.Room, deleted bool)) error {
	c, choice, err := Listen(iface)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(wait))
	stop := context.AfterFunc(ctx, func() { _ = c.SetReadDeadline(time.Now()) })
	defer stop()
	if write, closeSender, err := OpenSender(choice, 1); err == nil {
		ask := AppendSolicit(nil, choice.Addr())
		_ = write(ask) // lost: the rooms are still heard, within AnnounceInterval
		again := time.AfterFunc(solicitAgain, func() { _ = write(ask) })
		defer func() { again.Stop(); closeSender() }()
	}
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

// ValidFingerprint checks a presenter key's fingerprint as a person would
// type it from the presenter's screen.
func ValidFingerprint(s string) error {
	if len(s) != 11 || strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return fmt.Errorf("a presenter key fingerprint is the 11 letters, digits, - and _ its presenter's screen shows, not %q", s)
	}
	return nil
}
