// Package lossy wraps a net.PacketConn to drop, duplicate and reorder the
// datagrams it receives, with a seeded random source so a failing test can
// be replayed. It counts what it did, so a test can assert that loss really
// happened (a lossy test that dropped nothing proves nothing).
package lossy

import (
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
)

// Faults says how often each fault happens, as probabilities 0-1.
type Faults struct {
	Drop      float64
	Duplicate float64
	Reorder   float64 // hold a datagram back and deliver it after the next one
	Seed      uint64
	// DropIf, when set, drops every datagram it returns true for, before
	// the random faults: for tests that need one particular loss.
	DropIf func(b []byte) bool
}

// Conn is a net.PacketConn whose reads suffer Faults.
type Conn struct {
	net.PacketConn
	f       Faults
	mu      sync.Mutex
	rng     *rand.Rand
	pending []held

	Received   atomic.Uint64 // datagrams that came from the wrapped conn
	Dropped    atomic.Uint64
	Duplicated atomic.Uint64
	Reordered  atomic.Uint64
}

type held struct {
	b    []byte
	addr net.Addr
}

// Wrap puts c behind faults f.
func Wrap(c net.PacketConn, f Faults) *Conn {
	return &Conn{PacketConn: c, f: f, rng: rand.New(rand.NewPCG(f.Seed, f.Seed^0x9e3779b97f4a7c15))}
}

// ReadFrom returns the next datagram that survives the faults.
func (c *Conn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		c.mu.Lock()
		if len(c.pending) > 0 {
			p := c.pending[0]
			c.pending = c.pending[1:]
			c.mu.Unlock()
			return copy(b, p.b), p.addr, nil
		}
		c.mu.Unlock()

		n, addr, err := c.PacketConn.ReadFrom(b)
		if err != nil {
			return n, addr, err
		}
		c.Received.Add(1)
		if c.f.DropIf != nil && c.f.DropIf(b[:n]) {
			c.Dropped.Add(1)
			continue
		}
		c.mu.Lock()
		r := c.rng.Float64()
		switch {
		case r < c.f.Drop:
			c.mu.Unlock()
			c.Dropped.Add(1)
			continue
		case r < c.f.Drop+c.f.Duplicate:
			c.Duplicated.Add(1)
			c.pending = append(c.pending, held{append([]byte(nil), b[:n]...), addr})
		case r < c.f.Drop+c.f.Duplicate+c.f.Reorder:
			// Deliver the next datagram first, then this one.
			c.Reordered.Add(1)
			first := append([]byte(nil), b[:n]...)
			c.mu.Unlock()
			n2, addr2, err := c.PacketConn.ReadFrom(b)
			if err != nil {
				return 0, nil, err
			}
			c.Received.Add(1)
			c.mu.Lock()
			c.pending = append(c.pending, held{first, addr})
			c.mu.Unlock()
			return n2, addr2, nil
		}
		c.mu.Unlock()
		return n, addr, nil
	}
}
