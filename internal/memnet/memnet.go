// Package memnet is an in-memory multicast bus for protocol tests: every
// datagram written to an address reaches every member listening on it
// (the writer included, as with multicast loopback: Group, or another
// port such as Control), through bounded inboxes that drop when full,
// as a socket's receive buffer does. Members read and write one datagram
// at a time or in batches, as the multicast sockets do on Linux.
package memnet

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// InboxSize is how many datagrams a member's inbox holds.
const InboxSize = 8192

// Hub is one multicast group.
type Hub struct {
	mu      sync.RWMutex
	members map[*Conn]struct{}
	next    atomic.Uint32
}

// NewHub returns an empty group.
func NewHub() *Hub { return &Hub{members: map[*Conn]struct{}{}} }

// Group is the address members listen on by default (Join), and
// Control the group's companion port (JoinAt), where Groupcast sends all
// but its messages.
var (
	Group   = net.UDPAddrFromAddrPort(netip.MustParseAddrPort("239.255.0.1:9"))
	Control = net.UDPAddrFromAddrPort(netip.MustParseAddrPort("239.255.0.1:10"))
)

type packet struct {
	b   []byte
	src *net.UDPAddr
}

// Conn is one member: a net.PacketConn on the bus.
type Conn struct {
	hub     *Hub
	addr    *net.UDPAddr
	group   netip.AddrPort // what it listens on
	inbox   chan packet
	closed  chan struct{}
	once    sync.Once
	Dropped atomic.Uint64 // datagrams lost to a full inbox
}

// Join adds a member with its own address (198.18.x.y:port), listening
// on Group.
func (h *Hub) Join() *Conn { return h.JoinAt(Group) }

// JoinAt adds a member with its own address listening on group.
func (h *Hub) JoinAt(group *net.UDPAddr) *Conn {
	n := h.next.Add(1)
	c := &Conn{
		hub:    h,
		group:  group.AddrPort(),
		addr:   &net.UDPAddr{IP: net.IPv4(198, 18, byte(n>>8), byte(n)), Port: 40000 + int(n%20000)},
		inbox:  make(chan packet, InboxSize),
		closed: make(chan struct{}),
	}
	h.mu.Lock()
	h.members[c] = struct{}{}
	h.mu.Unlock()
	return c
}

// WriteTo delivers b to every member listening on addr (nil: Group).
func (c *Conn) WriteTo(b []byte, addr net.Addr) (int, error) {
	select {
	case <-c.closed:
		return 0, net.ErrClosed
	default:
	}
	to := Group.AddrPort()
	if ua, ok := addr.(*net.UDPAddr); ok {
		to = ua.AddrPort()
	}
	c.hub.mu.RLock()
	defer c.hub.mu.RUnlock()
	for m := range c.hub.members {
		if m.group != to {
			continue
		}
		p := packet{b: append([]byte(nil), b...), src: c.addr}
		select {
		case m.inbox <- p:
		default:
			m.Dropped.Add(1)
		}
	}
	return len(b), nil
}

// ReadFrom returns the next datagram, or net.ErrClosed after Close.
func (c *Conn) ReadFrom(b []byte) (int, net.Addr, error) {
	select {
	case p := <-c.inbox:
		return copy(b, p.b), p.src, nil
	case <-c.closed:
		return 0, nil, net.ErrClosed
	}
}

// ReadBatch reads the datagrams waiting, as a socket's recvmmsg does: it
// waits for the first and takes those already in the inbox after it, at
// most len(bufs). Datagram i is bufs[i][:sizes[i]], from srcs[i]. It
// returns net.ErrClosed after Close.
func (c *Conn) ReadBatch(bufs [][]byte, sizes []int, srcs []netip.AddrPort) (int, error) {
	var p packet
	select {
	case p = <-c.inbox:
	case <-c.closed:
		return 0, net.ErrClosed
	}
	n := 0
	for {
		src := p.src.AddrPort()
		sizes[n], srcs[n] = copy(bufs[n], p.b), netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
		n++
		if n == len(bufs) {
			return n, nil
		}
		select {
		case p = <-c.inbox:
		default:
			return n, nil
		}
	}
}

// WriteBatch delivers each datagram, in order, to every member on Group.
func (c *Conn) WriteBatch(dgrams [][]byte) error {
	for _, b := range dgrams {
		if _, err := c.WriteTo(b, nil); err != nil {
			return err
		}
	}
	return nil
}

// Close leaves the bus.
func (c *Conn) Close() error {
	c.once.Do(func() {
		c.hub.mu.Lock()
		delete(c.hub.members, c)
		c.hub.mu.Unlock()
		close(c.closed)
	})
	return nil
}

// LocalAddr is the member's address.
func (c *Conn) LocalAddr() net.Addr { return c.addr }

// SetDeadline is not supported; it does nothing.
func (c *Conn) SetDeadline(time.Time) error { return nil }

// SetReadDeadline is not supported; it does nothing.
func (c *Conn) SetReadDeadline(time.Time) error { return nil }

// SetWriteDeadline is not supported; it does nothing.
func (c *Conn) SetWriteDeadline(time.Time) error { return nil }
