package link

import "net/netip"

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
