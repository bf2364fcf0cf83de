package memnet

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
)

func TestBusReachesEveryMember(t *testing.T) {
	h := NewHub()
	a, b := h.Join(), h.Join()
	if _, err := a.WriteTo([]byte("hi"), Group); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	for _, c := range []*Conn{a, b} { // the writer hears itself, as with loopback
		n, src, err := c.ReadFrom(buf)
		if err != nil || string(buf[:n]) != "hi" || src.String() != a.LocalAddr().String() {
			t.Fatalf("read %q from %v: %v", buf[:n], src, err)
		}
	}
	_ = b.Close()
	if _, _, err := b.ReadFrom(buf); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("read after close: %v", err)
	}
	if _, err := b.WriteTo([]byte("x"), Group); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
}

func TestFullInboxDrops(t *testing.T) {
	h := NewHub()
	a, b := h.Join(), h.Join()
	for range InboxSize + 10 {
		_, _ = a.WriteTo([]byte("x"), Group)
	}
	if b.Dropped.Load() != 10 {
		t.Fatalf("dropped %d; want 10", b.Dropped.Load())
	}
}

// readBatch reads one batch into n buffers and returns the texts.
func readBatch(t *testing.T, c *Conn, n int) []string {
	t.Helper()
	bufs, sizes, srcs := make([][]byte, n), make([]int, n), make([]netip.AddrPort, n)
	for i := range bufs {
		bufs[i] = make([]byte, 16)
	}
	got, err := c.ReadBatch(bufs, sizes, srcs)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for i := range got {
		texts = append(texts, string(bufs[i][:sizes[i]]))
		if srcs[i].String() != "198.18.0.1:40001" {
			t.Fatalf("datagram %d from %v", i, srcs[i])
		}
	}
	return texts
}

// TestBatches: a batch written reaches every member in order; a batch
// read takes what waits, no more than it has room for, and never waits
// for more than the first.
func TestBatches(t *testing.T) {
	h := NewHub()
	a, b := h.Join(), h.Join()
	if err := a.WriteBatch([][]byte{[]byte("one"), []byte("two"), []byte("three")}); err != nil {
		t.Fatal(err)
	}
	if got := readBatch(t, b, 2); strings.Join(got, ",") != "one,two" {
		t.Fatalf("first batch %q", got)
	}
	if got := readBatch(t, b, 8); strings.Join(got, ",") != "three" {
		t.Fatalf("second batch %q", got)
	}
	if got := readBatch(t, a, 8); strings.Join(got, ",") != "one,two,three" {
		t.Fatalf("the writer's own batch %q", got)
	}
	_ = b.Close()
	if _, err := b.ReadBatch(make([][]byte, 1), make([]int, 1), make([]netip.AddrPort, 1)); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("read after close: %v", err)
	}
}
