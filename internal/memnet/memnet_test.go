package memnet

import (
	"errors"
	"net"
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
