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
	p.Start(src, nil, out, nil)
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
	p.Start(src2, nil, out, nil)
	src2 <- []byte("again")
	if b := <-out; string(b.Data[0]) != "again" {
		t.Fatalf("after a restart: %q", b.Data[0])
	}
	close(src2)
	p.Stop()
}

// TestTwoSourcesShareThePool: the group's port and its companion are read
// into one pool's batches, each batch marked with its source; a batch
// sent on is no longer its reader's (run with -race: a reader once looked
// at a batch after handing it on, while the other filled it).
func TestTwoSourcesShareThePool(t *testing.T) {
	p := NewPool(new(int), 2, 1, 64)
	out := make(chan *Batch)
	data, control := make(chanSource), make(chanSource)
	p.Start(data, control, out, out)
	const n = 2000
	go func() {
		for range n {
			data <- []byte("data")
		}
	}()
	go func() {
		for range n {
			control <- []byte("control")
		}
	}()
	got := map[bool]int{}
	for range 2 * n {
		b := <-out
		if want := map[bool]string{false: "data", true: "control"}[b.Control]; string(b.Data[0]) != want {
			t.Fatalf("a batch marked control=%v holds %q", b.Control, b.Data[0])
		}
		got[b.Control]++
		b.Recycle()
	}
	close(data)
	close(control)
	p.Stop()
	if got[false] != n || got[true] != n {
		t.Fatalf("read %v", got)
	}
}
