package netconf

import (
	"net"

	"github.com/groupcast/groupcast/netconf/internal/link"
	"github.com/groupcast/groupcast/netconf/internal/packetconn"
)

// Transport carries one membership's datagrams (link.Transport says
// what each method does): the multicast sockets, or in tests an
// in-memory bus wrapped in a fault injector (PacketTransport).
type Transport = link.Transport

// Receiver reads datagrams, as Transport.Read; it may also read several
// at a time (BatchReader).
type Receiver = link.Receiver

// Optional interfaces of a Transport (package link says what each is).
type (
	BatchReader        = link.BatchReader
	BatchWriter        = link.BatchWriter
	MTUReporter        = link.MTUReporter
	ControlBatchWriter = link.ControlBatchWriter
	DstChecker         = link.DstChecker
	EchoSpotter        = link.EchoSpotter
)

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
	return packetTransport{packetconn.New(c, group, control, controlGroup)}
}

// packetTransport is packetconn's, with its companion port as a Receiver.
type packetTransport struct{ *packetconn.Transport }

func (t packetTransport) Control() Receiver { return t.Transport.Control() }
