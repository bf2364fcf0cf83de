package netconf

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	"golang.org/x/net/ipv4"
)

// receiveBuffer is asked of the kernel so bursts are not dropped while the
// engine is busy; the kernel may grant less (net.core.rmem_max).
const receiveBuffer = 4 << 20

// membership is one joined group: the receiver and sender sockets and the
// goroutine reading the receiver.
type membership struct {
	group    netip.AddrPort
	iface    Choice
	netIface *net.Interface
	ttl      int
	loopback bool

	rconn    net.PacketConn
	receiver *ipv4.PacketConn
	sconn    net.PacketConn
	sender   *ipv4.PacketConn
	dest     *net.UDPAddr
	wmsgs    []ipv4.Message // reused by writeBatch (Linux)
	dstCheck bool           // per-datagram destination check available

	otherGroup *atomic.Uint64 // counts datagrams for other groups
	rejected   *atomic.Uint64 // counts datagrams too large to read whole
	closeOnce  sync.Once
}

func wrapSyscall(opt string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("set %s: %w", opt, err)
}

// openMembership opens both sockets and joins the group (only the sender
// when cfg.SendOnly). On failure nothing is left open.
func openMembership(cfg Config, choice Choice, otherGroup, rejected *atomic.Uint64) (*membership, error) {
	nif, err := net.InterfaceByIndex(choice.Index)
	if err != nil {
		return nil, &OpError{Op: "find interface " + choice.Name, Err: err}
	}
	m := &membership{
		group: cfg.Group, iface: choice, netIface: nif, ttl: cfg.TTL, loopback: cfg.Loopback,
		dest: net.UDPAddrFromAddrPort(cfg.Group), otherGroup: otherGroup, rejected: rejected,
	}
	if !cfg.SendOnly {
		err = m.openReceiver()
	}
	if err == nil {
		err = m.openSender()
	}
	if err != nil {
		m.closeSockets()
		return nil, err
	}
	return m, nil
}

func (m *membership) openReceiver() error {
	c, err := listenReceiver(m.group)
	if err != nil {
		return &OpError{Op: fmt.Sprintf("open port %d", m.group.Port()), Err: err}
	}
	m.rconn = c
	if uc, ok := c.(*net.UDPConn); ok {
		_ = uc.SetReadBuffer(receiveBuffer) // best effort: the kernel caps it
	}
	m.receiver = ipv4.NewPacketConn(c)
	if err := m.receiver.JoinGroup(m.netIface, &net.UDPAddr{IP: m.group.Addr().AsSlice()}); err != nil {
		return &OpError{Op: fmt.Sprintf("join %s on %s", m.group.Addr(), m.iface.Name), Err: err}
	}
	// Without control messages (Windows) we rely on the kernel's
	// per-socket group filtering.
	m.dstCheck = m.receiver.SetControlMessage(ipv4.FlagDst, true) == nil
	return nil
}

func (m *membership) openSender() error {
	c, err := net.ListenPacket("udp4", "0.0.0.0:0")
	if err != nil {
		return &OpError{Op: "open sender socket", Err: err}
	}
	m.sconn = c
	m.sender = ipv4.NewPacketConn(c)
	if err := m.sender.SetMulticastInterface(m.netIface); err != nil {
		return &OpError{Op: "send through " + m.iface.Name, Err: err}
	}
	if err := m.sender.SetMulticastTTL(m.ttl); err != nil {
		return &OpError{Op: fmt.Sprintf("set TTL %d", m.ttl), Err: err}
	}
	// Loopback on lets peers on this host hear us; our own copies are
	// dropped by sender id.
	if err := m.sender.SetMulticastLoopback(m.loopback); err != nil {
		return &OpError{Op: "set multicast loopback", Err: err}
	}
	return nil
}

func (m *membership) closeSockets() {
	if m.rconn != nil {
		_ = m.rconn.Close()
	}
	if m.sconn != nil {
		_ = m.sconn.Close()
	}
}

// senderPort is the local port of the sender socket.
func (m *membership) senderPort() uint16 {
	if ua, ok := m.sconn.LocalAddr().(*net.UDPAddr); ok {
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
