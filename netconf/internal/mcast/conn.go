// Package mcast is Groupcast's sockets, per operating system: the
// receiver bound to the group's port and joined on a named interface (the
// one receiver-and-join of the engine, the room directory and the
// doctor), the sender with its interface, TTL and loopback set, batch
// reads and writes, the per-datagram destination check, the filter of our
// own echo; and the network interfaces and multicast addresses a person
// may choose, with the sentences that say what is wrong with them.
package mcast

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/ipv4"

	"github.com/groupcast/groupcast/netconf/wire"
)

// receiveBuffer is asked of the kernel so bursts are not dropped while the
// engine is busy; the kernel may grant less (net.core.rmem_max).
const receiveBuffer = 4 << 20

// Options say what to open.
type Options struct {
	Group    netip.AddrPort
	Iface    Choice
	TTL      int
	Loopback bool // let programs on this computer hear us
	SendOnly bool // no receivers: bare text needs no replies
	// Companion also opens a receiver on the group's companion port
	// (wire.CompanionPort), where Groupcast sends all but its messages;
	// WriteControl sends there.
	KeepEcho  bool // receive what our own sender sends (the doctor's self-test)
	Companion bool
	// Counters of datagrams a receiver drops before anyone sees them
	// (either may be nil).
	OtherGroup *uint64 // addressed to another group, or unicast on our port (atomic)
	Rejected   *uint64 // larger than any datagram we accept (atomic)
}

// Conn is one joined group: a receiver and a separate sender, and a
// receiver on the companion port (Control) when asked for.
type Conn struct {
	ctl      *Conn          // the companion port's receiver (no sender of its own)
	ctlGroup netip.AddrPort // where WriteControl sends
	group    netip.AddrPort
	iface    Choice
	netIface *net.Interface
	opts     Options

	rconn    net.PacketConn
	receiver *ipv4.PacketConn
	raw      *gathered // instead of rconn and receiver: the companion port's on Linux
	sconn    net.PacketConn
	sender   *ipv4.PacketConn
	dest     *net.UDPAddr
	dstCheck bool // per-datagram destination check available
	ownPort  uint16
	ownAddrs map[netip.Addr]bool

	rmsgs     []ipv4.Message // reused by ReadBatch (Linux)
	wmsgs     []ipv4.Message // reused by WriteBatch (Linux)
	cmsgs     []ipv4.Message // reused by WriteControlBatch (Linux)
	cm        ipv4.ControlMessage
	closeOnce sync.Once
}

// Open opens both sockets and joins the group (only the sender with
// SendOnly). On failure nothing is left open.
func Open(o Options) (*Conn, error) {
	nif, err := net.InterfaceByIndex(o.Iface.Index)
	if err != nil {
		return nil, &OpError{Op: "find interface " + o.Iface.Name, Err: err}
	}
	c := &Conn{group: o.Group, iface: o.Iface, netIface: nif, opts: o, dest: net.UDPAddrFromAddrPort(o.Group)}
	if !o.SendOnly {
		c.rconn, c.receiver, err = Listen(o.Group, o.Iface.Name, nif)
		if err == nil {
			// Without control messages (Windows) we rely on the kernel's
			// per-socket group filtering.
			c.dstCheck = c.receiver.SetControlMessage(ipv4.FlagDst, true) == nil
		}
	}
	c.ctlGroup = netip.AddrPortFrom(o.Group.Addr(), wire.CompanionPort(o.Group.Port()))
	if err == nil && o.Companion && !o.SendOnly {
		c.ctl = &Conn{group: o.Group, iface: o.Iface, netIface: nif, opts: o}
		err = c.ctl.listenControl(c.ctlGroup, o.Iface.Name, nif)
		var oe *OpError
		if errors.As(err, &oe) && strings.HasPrefix(oe.Op, "open port") {
			oe.Op += fmt.Sprintf(" (the companion of port %d, where members send all but their messages)", o.Group.Port())
		}
	}
	if err == nil {
		err = c.openSender()
	}
	if err != nil {
		c.closeSockets()
		return nil, err
	}
	if !o.SendOnly && !o.KeepEcho {
		c.ownPort, c.ownAddrs = c.senderPort(), localAddrs()
		c.filterOwnEcho(c.ownPort)
		if c.ctl != nil {
			c.ctl.ownPort, c.ctl.ownAddrs = c.ownPort, c.ownAddrs
			c.ctl.filterOwnEcho(c.ownPort)
		}
	}
	return c, nil
}

// Control is the companion port's receiver (nil unless Options.Companion):
// Read (and on Linux ReadBatch) as for the group's port.
func (c *Conn) Control() *Conn { return c.ctl }

// WriteControl sends one datagram to the companion port, from the same
// socket as Write, so a member's datagrams all come from one source.
func (c *Conn) WriteControl(b []byte) error { return c.writeTo(b, c.ctlGroup) }

// Listen opens a receiver on group's port, bound to the group where the
// platform allows, shared with other programs, and joins the group on
// nif (named name, for errors): the one way every part of Groupcast
// listens to a group.
func Listen(group netip.AddrPort, name string, nif *net.Interface) (net.PacketConn, *ipv4.PacketConn, error) {
	c, err := listenReceiver(group)
	if err != nil {
		return nil, nil, &OpError{Op: fmt.Sprintf("open port %d", group.Port()), Err: err}
	}
	if uc, ok := c.(*net.UDPConn); ok {
		_ = uc.SetReadBuffer(receiveBuffer) // best effort: the kernel caps it
	}
	p := ipv4.NewPacketConn(c)
	if err := p.JoinGroup(nif, &net.UDPAddr{IP: group.Addr().AsSlice()}); err != nil {
		_ = c.Close()
		return nil, nil, &OpError{Op: fmt.Sprintf("join %s on %s", group.Addr(), name), Err: err}
	}
	return c, p, nil
}

func (c *Conn) openSender() error {
	s, err := net.ListenPacket("udp4", "0.0.0.0:0")
	if err != nil {
		return &OpError{Op: "open sender socket", Err: err}
	}
	c.sconn = s
	c.sender = ipv4.NewPacketConn(s)
	if err := c.sender.SetMulticastInterface(c.netIface); err != nil {
		return &OpError{Op: "send through " + c.iface.Name, Err: err}
	}
	if err := c.sender.SetMulticastTTL(c.opts.TTL); err != nil {
		return &OpError{Op: fmt.Sprintf("set TTL %d", c.opts.TTL), Err: err}
	}
	// Loopback on lets peers on this host hear us; our own copies are
	// dropped by sender id (or, on Linux, by filterOwnEcho).
	if err := c.sender.SetMulticastLoopback(c.opts.Loopback); err != nil {
		return &OpError{Op: "set multicast loopback", Err: err}
	}
	return nil
}

func (c *Conn) closeSockets() {
	if c.ctl != nil {
		c.ctl.closeSockets()
	}
	if c.rconn != nil {
		_ = c.rconn.Close()
	}
	if c.raw != nil {
		c.raw.close(c.group.Addr(), nil)
	}
	if c.sconn != nil {
		_ = c.sconn.Close()
	}
}

// Close leaves the group and closes both sockets; idempotent.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		if c.receiver != nil {
			// Closing the socket drops the membership too; leaving first
			// sends the IGMP leave at once.
			_ = c.receiver.LeaveGroup(c.netIface, &net.UDPAddr{IP: c.group.Addr().AsSlice()})
		}
		if c.ctl != nil && c.ctl.receiver != nil {
			_ = c.ctl.receiver.LeaveGroup(c.netIface, &net.UDPAddr{IP: c.group.Addr().AsSlice()})
		}
		if c.ctl != nil && c.ctl.raw != nil {
			c.ctl.raw.close(c.group.Addr(), c.netIface)
		}
		c.closeSockets()
	})
	return nil
}

// Read returns the next datagram sent to the group, skipping (and
// counting) datagrams for other groups or unicast on the port.
func (c *Conn) Read(b []byte) (int, netip.AddrPort, error) {
	if c.raw != nil {
		return c.readOne(b)
	}
	for {
		n, cm, src, err := c.receiver.ReadFrom(b)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return 0, netip.AddrPort{}, net.ErrClosed
			}
			return 0, netip.AddrPort{}, &OpError{Op: fmt.Sprintf("receive on %s", c.iface.Name), Err: err}
		}
		if cm != nil && cm.Dst != nil && !c.forUs(cm.Dst) {
			continue
		}
		var ap netip.AddrPort
		if ua, ok := src.(*net.UDPAddr); ok {
			ap = ua.AddrPort()
		}
		return n, unmapped(ap), nil
	}
}

// forUs reports whether a datagram addressed to dst is for our group,
// counting it otherwise.
func (c *Conn) forUs(dst net.IP) bool {
	if d, ok := netip.AddrFromSlice(dst); ok && d.Unmap() != c.group.Addr() {
		if c.opts.OtherGroup != nil {
			atomic.AddUint64(c.opts.OtherGroup, 1)
		}
		return false
	}
	return true
}

// Write sends one datagram to the group. The standard library's UDP write
// takes a netip.AddrPort and allocates nothing; x/net's WriteTo converts
// the address on every call.
func (c *Conn) Write(b []byte) error { return c.writeTo(b, c.group) }

func (c *Conn) writeTo(b []byte, to netip.AddrPort) error {
	var err error
	if uc, ok := c.sconn.(*net.UDPConn); ok {
		_, err = uc.WriteToUDPAddrPort(b, to)
	} else {
		_, err = c.sender.WriteTo(b, nil, net.UDPAddrFromAddrPort(to))
	}
	if err != nil {
		return &OpError{Op: fmt.Sprintf("send to %s", to), Err: err}
	}
	return nil
}

// MTU is the MTU of the interface the group is sent through.
func (c *Conn) MTU() int {
	if c.netIface == nil {
		return 0
	}
	return c.netIface.MTU
}

// DstChecked reports whether each datagram's destination is checked (it
// is not on Windows, whose kernel filters by group itself).
func (c *Conn) DstChecked() bool { return c.dstCheck }

// IsOwn reports whether src is our own sender socket: our own bare text,
// looped back.
func (c *Conn) IsOwn(src netip.AddrPort) bool {
	return c.ownPort != 0 && src.Port() == c.ownPort && c.ownAddrs[src.Addr()]
}

// senderPort is the local port of the sender socket.
func (c *Conn) senderPort() uint16 {
	if ua, ok := c.sconn.LocalAddr().(*net.UDPAddr); ok {
		return uint16(ua.Port)
	}
	return 0
}

// localAddrs lists this host's IPv4 addresses.
func localAddrs() map[netip.Addr]bool {
	out := map[netip.Addr]bool{}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return out
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(ipn.IP); ok {
				out[ip.Unmap()] = true
			}
		}
	}
	return out
}

func unmapped(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// OpError is a network operation that failed: what was being done, and
// the system's error.
type OpError struct {
	Op  string // e.g. "join 239.255.3.3 on eth0"
	Err error
}

func (e *OpError) Error() string { return e.Op + ": " + e.Err.Error() }
func (e *OpError) Unwrap() error { return e.Err }

func wrapSyscall(opt string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("set %s: %w", opt, err)
}

// SetReadDeadline makes reads fail after t (the doctor's self-test).
func (c *Conn) SetReadDeadline(t time.Time) {
	if c.rconn != nil {
		_ = c.rconn.SetReadDeadline(t)
	}
}
