package reliable

import (
	"time"

	"github.com/groupcast/groupcast/netconf/wire"
)

// SendBuffer keeps the datagrams our stream has sent, so it can repair
// them, bounded by bytes and by age. Sequence numbers in it are
// contiguous: trail is the oldest still held.
type SendBuffer struct {
	entries []sentDatagram
	head    int
	trail   uint64 // seq of entries[head]; next seq to send when empty
	bytes   int
}

type sentDatagram struct {
	seq      uint64
	at       time.Time
	wire     []byte
	repaired time.Time
}

// NewSendBuffer makes an empty buffer; the first seq is 1.
func NewSendBuffer() *SendBuffer { return &SendBuffer{trail: 1} }

// Len is how many datagrams are held.
func (b *SendBuffer) Len() int { return len(b.entries) - b.head }

// Add keeps a sent datagram; seq must follow the last one.
func (b *SendBuffer) Add(seq uint64, at time.Time, wire []byte) {
	if b.Len() == 0 {
		b.trail = seq
	}
	b.entries = append(b.entries, sentDatagram{seq: seq, at: at, wire: wire})
	b.bytes += len(wire)
}

// Oldest is when the oldest datagram held was sent (zero when empty).
func (b *SendBuffer) Oldest() time.Time {
	if b.Len() == 0 {
		return time.Time{}
	}
	return b.entries[b.head].at
}

// get returns the datagram with seq, if still held.
func (b *SendBuffer) get(seq uint64) *sentDatagram {
	if seq < b.trail || seq >= b.trail+uint64(b.Len()) {
		return nil
	}
	return &b.entries[b.head+int(seq-b.trail)]
}

// Evict drops what is older than maxAge or beyond maxBytes, but never
// data younger than keep (the buffer then holds more than maxBytes until
// it ages; the sender stops taking messages meanwhile, see MayTake).
func (b *SendBuffer) Evict(now time.Time, maxAge time.Duration, maxBytes int, keep time.Duration) {
	for b.Len() > 0 {
		e := &b.entries[b.head]
		if now.Sub(e.at) <= maxAge && (b.bytes <= maxBytes || now.Sub(e.at) < keep) {
			break
		}
		b.bytes -= len(e.wire)
		*e = sentDatagram{}
		b.head++
		b.trail++
	}
	if b.head > 1024 && b.head > len(b.entries)/2 {
		n := copy(b.entries, b.entries[b.head:])
		clear(b.entries[n:])
		b.entries, b.head = b.entries[:n], 0
	}
}

// Bytes is the size of what is held.
func (b *SendBuffer) Bytes() int { return b.bytes }

// Trail is the lowest seq that can still be repaired: next (the seq the
// next datagram will have) when nothing is held.
func (b *SendBuffer) Trail(next uint64) uint64 {
	if b.Len() == 0 {
		return next
	}
	return b.trail
}

// Repair walks ranges a NACK asks for (of seqs up to last, the last one
// sent) and hands each datagram still held and not repaired within linger
// to send, at most max of them, until send returns false; those it took
// are marked repaired now. It reports how many it sent, and whether
// anything asked for had already been evicted. It walks what is held,
// never the ranges a NACK claims.
func (b *SendBuffer) Repair(now time.Time, ranges []wire.Range, last uint64, max int, linger time.Duration, send func(dgram []byte) bool) (sent int, aged bool) {
	for _, r := range ranges {
		if r.First < b.trail {
			aged = true // evicted: tell them where the buffer starts
		}
		for s := maxU(r.First, b.trail); s <= r.Last && s <= last && sent < max; s++ {
			d := b.get(s)
			if d == nil {
				continue
			}
			if !d.repaired.IsZero() && now.Sub(d.repaired) < linger {
				continue // just repaired: that copy is on its way to everyone
			}
			if !send(d.wire) {
				return sent, aged
			}
			d.repaired = now
			sent++
		}
	}
	return sent, aged
}

func maxU(a, b uint64) uint64 { return max(a, b) }
