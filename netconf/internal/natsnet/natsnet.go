// Package natsnet carries a group's datagrams through a NATS server
// (docs/BRIDGE.md): the subjects a group uses, the connection options
// every Groupcast client sets, and a member's transport. Each NATS
// message is one datagram with its trailer (wire.AppendForward), which
// says where it was first sent.
package natsnet

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/groupcast/groupcast/netconf/wire"
)

// SubjectPrefix is the subject scheme's version: every subject begins
// with it.
const SubjectPrefix = "gc1"

// SAPSubject carries room announcements between networks.
const SAPSubject = SubjectPrefix + ".sap"

// SAPAskSubject carries solicitations (rooms.AppendSolicit): presenters
// announcing through NATS answer them on SAPSubject.
const SAPAskSubject = SubjectPrefix + ".sap.ask"

// Limits of a subscription's queue: past them NATS drops what arrives
// (counted), as a socket's buffer does, and repair follows.
const (
	PendingMsgs  = 16384
	PendingBytes = 32 << 20
	// The rooms' subject carries one announcement a room every 5 s.
	RoomsPendingMsgs  = 1024
	RoomsPendingBytes = 2 << 20
)

// GroupID is the hash a group's subjects are named by: the first 16
// bytes of SHA-256("groupcast group v1\0" | ADDR:PORT), in hex. Neither
// the address nor a room's name shows in a subject.
func GroupID(group netip.AddrPort) string {
	h := sha256.Sum256([]byte("groupcast group v1\x00" + group.String()))
	return hex.EncodeToString(h[:16])
}

// Subjects are a group's two subjects: what goes to its port (new
// messages) and to its companion port (the rest).
func Subjects(group netip.AddrPort) (data, control string) {
	id := SubjectPrefix + "." + GroupID(group)
	return id + ".d", id + ".c"
}

// Options say how to reach a NATS server.
type Options struct {
	URL   string // nats://host:4222 (tls:// for TLS); several, comma-separated
	Creds string // a credentials file (NATS accounts, JWT and nkey), or ""
	CA    string // a CA certificate file to check the server's TLS with, or ""
	Name  string // the connection's name, as the server lists it
}

// Check says what is wrong with o before dialling.
func (o Options) Check() error {
	if strings.TrimSpace(o.URL) == "" {
		return errors.New("no NATS server given; write nats://HOST:4222")
	}
	for _, u := range strings.Split(o.URL, ",") {
		u = strings.TrimSpace(u)
		if !strings.Contains(u, "://") {
			u = "nats://" + u
		}
		scheme, _, _ := strings.Cut(u, "://")
		switch scheme {
		case "nats", "tls", "ws", "wss":
		default:
			return fmt.Errorf("%q is not a NATS server's address; write nats://HOST:4222 or tls://HOST:4222", u)
		}
	}
	return nil
}

// Secret is the secret the URL carries for the server — a token
// (nats://TOKEN@host) or a user's password — of the first address that
// has one, or nil. A site's bridges sign their beacons with a key made
// from it (wire.BridgeKey): whoever may use the hub may vouch for a
// bridge.
func (o Options) Secret() []byte {
	for _, u := range strings.Split(o.URL, ",") {
		u = strings.TrimSpace(u)
		if !strings.Contains(u, "://") {
			u = "nats://" + u
		}
		p, err := url.Parse(u)
		if err != nil || p.User == nil {
			continue
		}
		if pass, ok := p.User.Password(); ok && pass != "" {
			return []byte(pass)
		}
		if name := p.User.Username(); name != "" {
			return []byte(name)
		}
	}
	return nil
}

// Redacted is the URL with its secrets replaced, to show.
func (o Options) Redacted() string {
	var out []string
	for _, u := range strings.Split(o.URL, ",") {
		u = strings.TrimSpace(u)
		if p, err := url.Parse(u); err == nil && p.User != nil {
			u = p.Redacted()
			if _, ok := p.User.Password(); !ok {
				p.User = url.User("xxxxx")
				u = p.String()
			}
		}
		out = append(out, u)
	}
	return strings.Join(out, ",")
}

// Open is the transport of a member called nick joined to group through
// the NATS server o names.
func Open(o Options, nick string, group netip.AddrPort) (*Member, error) {
	if o.Name == "" {
		o.Name = "groupcast " + nick
	}
	nc, err := Connect(o)
	if err != nil {
		return nil, err
	}
	return Join(nc, group)
}

// Connect dials the server. The connection never hears its own
// messages (NoEcho), reconnects by itself for as long as it is open, and
// keeps at most 1 MiB to publish while it reconnects (what does not fit
// is dropped: the datagrams a network would have lost).
func Connect(o Options) (*nats.Conn, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	opts := []nats.Option{
		nats.Name(o.Name), nats.NoEcho(), nats.MaxReconnects(-1), nats.ReconnectWait(250 * time.Millisecond),
		nats.ReconnectBufSize(1 << 20), nats.Timeout(5 * time.Second), nats.RetryOnFailedConnect(false),
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}), // slow consumers are counted (Dropped)
	}
	if o.Creds != "" {
		opts = append(opts, nats.UserCredentials(o.Creds))
	}
	if o.CA != "" {
		opts = append(opts, nats.RootCAs(o.CA))
	}
	nc, err := nats.Connect(o.URL, opts...)
	switch {
	case errors.Is(err, nats.ErrAuthorization) && o.Secret() == nil && o.Creds == "":
		return nil, fmt.Errorf("the NATS server at %s is closed to who has not its token: use the address with the token that `groupcast hub` printed (nats://TOKEN@HOST:4222)", o.Redacted())
	case errors.Is(err, nats.ErrAuthorization):
		return nil, fmt.Errorf("the NATS server at %s refused the token or credentials given: %w", o.Redacted(), err)
	case err != nil:
		return nil, fmt.Errorf("cannot reach the NATS server at %s: %w", o.Redacted(), err)
	}
	return nc, nil
}

// NewNetID makes a random network id.
func NewNetID() wire.NetID {
	var id wire.NetID
	for id.IsZero() {
		_, _ = rand.Read(id[:]) // crypto/rand.Read does not fail on supported platforms
	}
	return id
}

// Member is a group's transport for a member joined through NATS: its
// network is itself (a net id of its own), its datagrams go to the
// group's subjects, and what others publish there comes back labelled
// with where it was first sent (wire.Label).
type Member struct {
	nc        *nats.Conn
	own       wire.NetID
	data, ctl string
	rd, rc    *nats.Subscription
	ctx       context.Context
	cancel    context.CancelFunc
	mu        sync.Mutex
	buf       []byte
	dropped   atomic.Uint64 // malformed or our own, or lost while reconnecting
}

// Join subscribes to group's subjects on nc (which the member then owns:
// Close closes it).
func Join(nc *nats.Conn, group netip.AddrPort) (*Member, error) {
	m := &Member{nc: nc, own: NewNetID()}
	m.data, m.ctl = Subjects(group)
	var err error
	if m.rd, err = Subscribe(nc, m.data, PendingMsgs, PendingBytes); err == nil {
		m.rc, err = Subscribe(nc, m.ctl, PendingMsgs, PendingBytes)
	}
	if err == nil {
		err = nc.Flush() // subscribed at the server before Join returns
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("NATS: %w", err)
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	return m, nil
}

// Subscribe subscribes to subject, holding at most msgs messages and
// bytes bytes not yet read (past them NATS drops, as a socket's buffer
// does).
func Subscribe(nc *nats.Conn, subject string, msgs, bytes int) (*nats.Subscription, error) {
	s, err := nc.SubscribeSync(subject)
	if err == nil {
		err = s.SetPendingLimits(msgs, bytes)
	}
	return s, err
}

// Next waits for s's next message. A slow consumer's notice is skipped:
// what NATS dropped is repaired, as a socket's drops are. ok is false
// once ctx ends or the connection or the subscription is closed.
func Next(ctx context.Context, s *nats.Subscription) (msg *nats.Msg, ok bool) {
	for {
		msg, err := s.NextMsgWithContext(ctx)
		switch {
		case err == nil:
			return msg, true
		case ctx.Err() != nil, errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, nats.ErrBadSubscription):
			return nil, false
		}
	}
}

// Net is the member's own network id.
func (m *Member) Net() wire.NetID { return m.own }

// Read returns the next datagram published to the group's subject.
func (m *Member) Read(b []byte) (int, netip.AddrPort, error) { return m.read(m.rd, b) }

// Control reads the companion subject.
func (m *Member) Control() *ControlReader { return &ControlReader{m} }

// ControlReader reads a member's companion subject.
type ControlReader struct{ m *Member }

func (c *ControlReader) Read(b []byte) (int, netip.AddrPort, error) { return c.m.read(c.m.rc, b) }

func (m *Member) read(s *nats.Subscription, b []byte) (int, netip.AddrPort, error) {
	for {
		msg, ok := Next(m.ctx, s)
		if !ok {
			return 0, netip.AddrPort{}, net.ErrClosed
		}
		inner, f, ok := wire.ParseForward(msg.Data)
		if !ok || f.Net == m.own {
			m.dropped.Add(1)
			continue
		}
		return copy(b, inner), wire.Label(f), nil
	}
}

// Write publishes a new message's datagram.
func (m *Member) Write(b []byte) error { return m.publish(m.data, b) }

// WriteControl publishes any other datagram.
func (m *Member) WriteControl(b []byte) error { return m.publish(m.ctl, b) }

func (m *Member) publish(subject string, b []byte) error {
	if len(b) > wire.MaxForwardInner {
		return fmt.Errorf("datagram of %d bytes is too long to forward", len(b))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.buf = wire.AppendForward(m.buf[:0], b, wire.Forward{Net: m.own})
	err := m.nc.Publish(subject, m.buf)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, nats.ErrConnectionClosed) && m.ctx.Err() != nil:
		return net.ErrClosed
	case errors.Is(err, nats.ErrReconnectBufExceeded), errors.Is(err, nats.ErrConnectionReconnecting),
		errors.Is(err, nats.ErrMaxPayload), errors.Is(err, nats.ErrConnectionClosed):
		m.dropped.Add(1) // lost as on a network; repaired as such
		return nil
	}
	return err
}

// Dropped counts what the member dropped: datagrams that arrived
// malformed, and ones NATS dropped because they came faster than the
// member read them.
func (m *Member) Dropped() uint64 {
	n := m.dropped.Load()
	for _, s := range []*nats.Subscription{m.rd, m.rc} {
		if d, err := s.Dropped(); err == nil && d > 0 {
			n += uint64(d)
		}
	}
	return n
}

// Close leaves the subjects and closes the connection; Read returns
// net.ErrClosed.
func (m *Member) Close() error {
	m.cancel()
	m.nc.Close()
	return nil
}
