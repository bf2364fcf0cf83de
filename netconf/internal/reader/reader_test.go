package reader

import (
	"net"
	"net/netip"
	"testing"
)

// chanSource reads datagrams from a channel until it is closed.
type chanSource chan []byte

func (c chanSource) Read(b []byte) (int, netip.AddrPort, error) {
	d, ok := <-c
	if !ok {
		return 0, netip.AddrPort{}, net.ErrClosed
	}
	return copy(b, d), netip.MustParseAddrPort("198.18.0.1:4000"), nil
}

// A pool's batches all come back, after a stop too, so a source opened
// again finds them all.
func TestPoolReadsRecyclesAndRestarts(t *testing.T) {
	owner := new(int)
	p := NewPool(owner, 2, 4, 64)
	out := make(chan *Batch, 2)
	src := make(chanSource, 1)
	p.Start(src, out)
	src <- []byte("hello")
	b := <-out
	if b.Owner != owner || b.N != 1 || string(b.Data[0]) != "hello" || b.Err != nil {
		t.Fatalf("batch %+v", b)
	}
	b.Recycle()
	close(src)
	p.Stop()
	if len(p.free) != 2 {
		t.Fatalf("%d batches back after a stop; want 2", len(p.free))
	}
	src2 := make(chanSource, 1)
	p.Start(src2, out)
	src2 <- []byte("again")
	if b := <-out; string(b.Data[0]) != "again" {
		t.Fatalf("after a restart: %q", b.Data[0])
	}
	close(src2)
	p.Stop()
}
