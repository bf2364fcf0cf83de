package netconf

import (
	"net"
	"net/netip"
)

// Transport carries one membership's datagrams. The engine owns it from
// Join to Leave. The real one is multicast sockets: a receiver on the
// group's port, one on its companion port (wire.CompanionPort), and a
// sender; tests use an in-memory bus wrapped in a fault injector
// (PacketTransport).
type Transport interface {
	// Read blocks for the next datagram addressed to the group's port. It
	// returns net.ErrClosed after Close.
	Read(b []byte) (n int, src netip.AddrPort, err error)
	// Write sends one datagram to the group's port: a message.
	Write(b []byte) error
	// Control is the receiver of the group's companion port, where
	// everything but new messages goes (nil for a membership that only
	// sends); WriteControl sends there, from the socket Write uses.
	Control() Receiver
	WriteControl(b []byte) error
	// Close releases the transport and unblocks Read.
	Close() error
}

// Receiver reads datagrams, as Transport.Read; it may also read several
// at a time (BatchReader).
type Receiver interface {
	Read(b []byte) (n int, src netip.AddrPort, err error)
}

// TransportFunc opens a transport for a membership; see WithTransport.
type TransportFunc func(cfg Config) (Transport, error)

// PacketTransport makes a Transport of net.PacketConns that reach every
// member when written to: c writes (to group and, for control traffic,
// controlGroup) and reads what is sent to group; control reads what is
// sent to controlGroup. For tests: an in-memory bus (possibly behind a
// fault injector). It reads and writes in batches (BatchReader,
// BatchWriter) when the conns do, as the in-memory bus does, and one
// datagram at a time otherwise.
func PacketTransport(c net.PacketConn, group net.Addr, control net.PacketConn, controlGroup net.Addr) Transport {
	return &packetTransport{c: c, group: group, ctl: &packetTransport{c: control}, ctlGroup: controlGroup}
}

type packetTransport struct {
	c        net.PacketConn
	group    net.Addr
	ctl      *packetTransport // reads the companion port
	ctlGroup net.Addr
}

func (t *packetTransport) Control() Receiver { return t.ctl }

func (t *packetTransport) WriteControl(b []byte) error {
	_, err := t.c.WriteTo(b, t.ctlGroup)
	return err
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

func (t *packetTransport) Close() error {
	if t.ctl != nil {
		_ = t.ctl.c.Close()
	}
	return t.c.Close()
}

// ReadBatch reads several datagrams when the conn can, one otherwise.
func (t *packetTransport) ReadBatch(bufs [][]byte, sizes []int, srcs []netip.AddrPort) (int, error) {
	if br, ok := t.c.(BatchReader); ok {
		n, err := br.ReadBatch(bufs, sizes, srcs)
		for i := range n {
			srcs[i] = unmapped(srcs[i])
		}
		return n, err
	}
	n, src, err := t.Read(bufs[0])
	if err != nil {
		return 0, err
	}
	sizes[0], srcs[0] = n, src
	return 1, nil
}

// WriteBatch writes several datagrams in one call when the conn can, one
// by one otherwise.
func (t *packetTransport) WriteBatch(dgrams [][]byte) error {
	if bw, ok := t.c.(BatchWriter); ok {
		return bw.WriteBatch(dgrams)
	}
	for _, b := range dgrams {
		if err := t.Write(b); err != nil {
			return err
		}
	}
	return nil
}

func unmapped(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// Optional interfaces of a Transport. The multicast sockets have them all
// (on Linux); a test transport may have any.
type (
	// BatchReader reads several datagrams per call: datagram i is
	// bufs[i][:sizes[i]], from srcs[i], for i < n; n > 0 unless err.
	BatchReader interface {
		ReadBatch(bufs [][]byte, sizes []int, srcs []netip.AddrPort) (n int, err error)
	}
	// BatchWriter writes several datagrams per call.
	BatchWriter interface {
		WriteBatch(dgrams [][]byte) error
	}
	// MTUReporter says the MTU of the interface it sends through: a
	// file's blocks are sized for it.
	MTUReporter interface {
		MTU() int
	}
	// ControlBatchWriter writes several datagrams to the companion port
	// per call.
	ControlBatchWriter interface {
		WriteControlBatch(dgrams [][]byte) error
	}
	// DstChecker says whether each datagram's destination is checked.
	DstChecker interface{ DstChecked() bool }
	// EchoSpotter says whether a datagram came from our own sender socket
	// (our bare text, looped back).
	EchoSpotter interface{ IsOwn(src netip.AddrPort) bool }
)
