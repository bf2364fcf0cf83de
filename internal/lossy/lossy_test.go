package lossy

import (
	"net"
	"testing"
	"time"
)

// pipe is a PacketConn that returns queued datagrams.
type pipe struct {
	net.PacketConn
	q [][]byte
}

func (p *pipe) ReadFrom(b []byte) (int, net.Addr, error) {
	if len(p.q) == 0 {
		return 0, nil, net.ErrClosed
	}
	d := p.q[0]
	p.q = p.q[1:]
	return copy(b, d), &net.UDPAddr{}, nil
}

func (p *pipe) SetReadDeadline(time.Time) error { return nil }

func feed(n int) *pipe {
	p := &pipe{}
	for i := range n {
		p.q = append(p.q, []byte{byte(i >> 8), byte(i)})
	}
	return p
}

func readAll(c *Conn) []int {
	var out []int
	b := make([]byte, 8)
	for {
		n, _, err := c.ReadFrom(b)
		if err != nil {
			return out
		}
		out = append(out, int(b[0])<<8|int(b[1]))
		_ = n
	}
}

func TestFaultsAreSeededAndCounted(t *testing.T) {
	f := Faults{Drop: 0.1, Duplicate: 0.05, Reorder: 0.05, Seed: 42}
	a := Wrap(feed(10000), f)
	got := readAll(a)
	b := readAll(Wrap(feed(10000), f))
	if len(got) != len(b) {
		t.Fatalf("same seed, different outcome: %d vs %d", len(got), len(b))
	}
	d, dup, re := a.Dropped.Load(), a.Duplicated.Load(), a.Reordered.Load()
	if d < 800 || d > 1200 || dup < 350 || dup > 650 || re < 350 || re > 650 {
		t.Fatalf("dropped %d duplicated %d reordered %d of 10000", d, dup, re)
	}
	if want := 10000 - int(d) + int(dup); len(got) != want {
		t.Fatalf("delivered %d; want %d", len(got), want)
	}
	outOfOrder := 0
	for i := 1; i < len(got); i++ {
		if got[i] < got[i-1] {
			outOfOrder++
		}
	}
	if outOfOrder == 0 {
		t.Fatal("nothing was reordered")
	}
}

func TestDropIf(t *testing.T) {
	c := Wrap(feed(10), Faults{DropIf: func(b []byte) bool { return b[1]%2 == 0 }})
	got := readAll(c)
	if len(got) != 5 || c.Dropped.Load() != 5 {
		t.Fatalf("got %v, dropped %d", got, c.Dropped.Load())
	}
}
