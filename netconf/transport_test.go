package netconf

import (
	"net/netip"
	"testing"

	"github.com/groupcast/groupcast/internal/lossy"
	"github.com/groupcast/groupcast/internal/memnet"
)

// TestPacketTransportBatches: over the in-memory bus, a PacketTransport
// writes and reads batches, as the sockets do on Linux; over a conn that
// cannot (the fault injector), the same calls go one datagram at a time.
func TestPacketTransportBatches(t *testing.T) {
	hub := memnet.NewHub()
	a := busTransport(hub)
	b := busTransport(hub)
	single := PacketTransport(lossy.Wrap(hub.Join(), lossy.Faults{}), memnet.Group, hub.JoinAt(memnet.Control), memnet.Control)
	if err := a.(BatchWriter).WriteBatch([][]byte{[]byte("1"), []byte("2"), []byte("3")}); err != nil {
		t.Fatal(err)
	}
	read := func(tr Transport) (n int, src netip.AddrPort) {
		bufs, sizes, srcs := [][]byte{make([]byte, 8), make([]byte, 8), make([]byte, 8), make([]byte, 8)}, make([]int, 4), make([]netip.AddrPort, 4)
		n, err := tr.(BatchReader).ReadBatch(bufs, sizes, srcs)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			if sizes[i] != 1 || !srcs[i].Addr().Is4() {
				t.Fatalf("datagram %d: %q from %v", i, bufs[i][:sizes[i]], srcs[i])
			}
		}
		return n, srcs[0]
	}
	if n, _ := read(b); n != 3 {
		t.Fatalf("over the bus: a batch of %d; want the 3 waiting", n)
	}
	for range 3 {
		if n, _ := read(single); n != 1 {
			t.Fatalf("through the fault injector: a batch of %d; want 1", n)
		}
	}
	if err := single.(BatchWriter).WriteBatch([][]byte{[]byte("4"), []byte("5")}); err != nil {
		t.Fatal(err)
	}
	if n, _ := read(b); n != 2 {
		t.Fatalf("written one by one: read %d; want 2", n)
	}
}
