package netconf

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
)

// Transport carries one membership's datagrams. The engine owns it from
// Join to Leave. The real one is a pair of multicast sockets; tests use an
// in-memory bus wrapped in a fault injector (PacketTransport).
type Transport interface {
	// Read blocks for the next datagram addressed to the group. It
	// returns net.ErrClosed after Close.
	Read(b []byte) (n int, src netip.AddrPort, err error)
	// Write sends one datagram to the group.
	Write(b []byte) error
	// Close releases the transport and unblocks Read.
	Close() error
}

// TransportFunc opens a transport for a membership; see WithTransport.
type TransportFunc func(cfg Config) (Transport, error)

// PacketTransport makes a Transport of a net.PacketConn that reaches every
// member when written to group: for tests, an in-memory bus (possibly
// behind a fault injector).
func PacketTransport(c net.PacketConn, group net.Addr) Transport {
	return &packetTransport{c: c, group: group}
}

type packetTransport struct {
	c     net.PacketConn
	group net.Addr
}

func (t *packetTransport) Read(b []byte) (int, netip.AddrPort, error) {
	n, addr, err := t.c.ReadFrom(b)
	if err != nil {
		return 0, netip.AddrPort{}, err
	}
	var src netip.AddrPort
	if ua, ok := addr.(*net.UDPAddr); ok {
		src = ua.AddrPort()
	} else if ap, err := netip.ParseAddrPort(addr.String()); err == nil {
		src = ap
	}
	return n, unmapped(src), nil
}

func (t *packetTransport) Write(b []byte) error {
	_, err := t.c.WriteTo(b, t.group)
	return err
}

func (t *packetTransport) Close() error { return t.c.Close() }

// Read returns the next datagram sent to the group, skipping (and
// counting) datagrams for other groups or unicast on the port.
func (m *membership) Read(b []byte) (int, netip.AddrPort, error) {
	for {
		n, cm, src, err := m.receiver.ReadFrom(b)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return 0, netip.AddrPort{}, net.ErrClosed
			}
			return 0, netip.AddrPort{}, &OpError{Op: fmt.Sprintf("receive on %s", m.iface.Name), Err: err}
		}
		if cm != nil && cm.Dst != nil {
			if dst, ok := netip.AddrFromSlice(cm.Dst); ok && dst.Unmap() != m.group.Addr() {
				if m.otherGroup != nil {
					m.otherGroup.Add(1)
				}
				continue
			}
		}
		var ap netip.AddrPort
		if ua, ok := src.(*net.UDPAddr); ok {
			ap = ua.AddrPort()
		}
		return n, unmapped(ap), nil
	}
}

// Write sends one datagram to the group. The standard library's UDP write
// takes a netip.AddrPort and allocates nothing; x/net's WriteTo converts
// the address on every call.
func (m *membership) Write(b []byte) error {
	var err error
	if uc, ok := m.sconn.(*net.UDPConn); ok {
		_, err = uc.WriteToUDPAddrPort(b, m.group)
	} else {
		_, err = m.sender.WriteTo(b, nil, m.dest)
	}
	if err != nil {
		return &OpError{Op: fmt.Sprintf("send to %s", m.group), Err: err}
	}
	return nil
}

// Close leaves the group and closes both sockets; idempotent.
func (m *membership) Close() error {
	m.closeOnce.Do(func() {
		if m.receiver != nil {
			// Closing the socket drops the membership too; leaving first
			// sends the IGMP leave at once.
			_ = m.receiver.LeaveGroup(m.netIface, &net.UDPAddr{IP: m.group.Addr().AsSlice()})
		}
		m.closeSockets()
	})
	return nil
}

func unmapped(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// batchWriter is a Transport that writes several datagrams per call.
type batchWriter interface {
	writeBatch(b [][]byte) error
}
