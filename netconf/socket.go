package netconf

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"

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
	self     SenderID
	nick     string
	seq      uint64

	rconn    net.PacketConn
	receiver *ipv4.PacketConn
	sconn    net.PacketConn
	sender   *ipv4.PacketConn
	dest     *net.UDPAddr
	dstCheck bool // per-datagram destination check available

	stop chan struct{}
	wg   sync.WaitGroup
}

func wrapSyscall(opt string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("set %s: %w", opt, err)
}

// openMembership opens both sockets and joins the group. On failure
// nothing is left open.
func openMembership(cfg Config, choice Choice, self SenderID) (m *membership, err error) {
	nif, err := net.InterfaceByIndex(choice.Index)
	if err != nil {
		return nil, &OpError{Op: "find interface " + choice.Name, Err: err}
	}
	m = &membership{
		group: cfg.Group, iface: choice, netIface: nif, ttl: cfg.TTL, loopback: cfg.Loopback,
		self: self, nick: cfg.Nick, stop: make(chan struct{}),
		dest: net.UDPAddrFromAddrPort(cfg.Group),
	}
	defer func() {
		if err != nil {
			m.closeSockets()
		}
	}()
	if err := m.openReceiver(); err != nil {
		return nil, err
	}
	if err := m.openSender(); err != nil {
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

// write sends one datagram to the group.
func (m *membership) write(b []byte) error {
	if _, err := m.sender.WriteTo(b, nil, m.dest); err != nil {
		return &OpError{Op: fmt.Sprintf("send to %s", m.group), Err: err}
	}
	return nil
}

// readLoop feeds datagrams to out until the membership stops or the
// socket fails. It owns buf; each datagram is copied out.
func (m *membership) readLoop(out chan<- datagram) {
	defer m.wg.Done()
	buf := make([]byte, 64<<10)
	for {
		n, cm, src, err := m.receiver.ReadFrom(buf)
		if err != nil {
			select {
			case <-m.stop:
				return // closed on purpose
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			select {
			case out <- datagram{mem: m, err: &OpError{Op: fmt.Sprintf("receive on %s", m.iface.Name), Err: err}}:
			case <-m.stop:
			}
			return
		}
		d := datagram{mem: m, data: append([]byte(nil), buf[:n]...)}
		if ua, ok := src.(*net.UDPAddr); ok {
			d.src = ua.AddrPort()
		}
		if cm != nil && cm.Dst != nil {
			d.dst, _ = netip.AddrFromSlice(cm.Dst)
			d.dst = d.dst.Unmap()
		}
		select {
		case out <- d:
		case <-m.stop:
			return
		}
	}
}

// close leaves the group, closes both sockets and waits for the reader.
// It is called once, by the engine's loop.
func (m *membership) close() {
	close(m.stop)
	if m.receiver != nil {
		_ = m.receiver.LeaveGroup(m.netIface, &net.UDPAddr{IP: m.group.Addr().AsSlice()})
	}
	m.closeSockets()
	m.wg.Wait()
}

func (m *membership) closeSockets() {
	if m.rconn != nil {
		_ = m.rconn.Close()
	}
	if m.sconn != nil {
		_ = m.sconn.Close()
	}
}
