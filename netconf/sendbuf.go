package netconf

import "time"

// sendBuffer keeps the datagrams a sender has sent, so it can repair them,
// bounded by bytes and by age. Sequence numbers in it are contiguous:
// trail is the oldest still held.
type sendBuffer struct {
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

func newSendBuffer() *sendBuffer { return &sendBuffer{trail: 1} }

func (b *sendBuffer) len() int { return len(b.entries) - b.head }

// add keeps a sent datagram; seq must follow the last one.
func (b *sendBuffer) add(seq uint64, at time.Time, wire []byte) {
	if b.len() == 0 {
		b.trail = seq
	}
	b.entries = append(b.entries, sentDatagram{seq: seq, at: at, wire: wire})
	b.bytes += len(wire)
}

// oldest is when the oldest datagram held was sent (zero when empty).
func (b *sendBuffer) oldest() time.Time {
	if b.len() == 0 {
		return time.Time{}
	}
	return b.entries[b.head].at
}

// get returns the datagram with seq, if still held.
func (b *sendBuffer) get(seq uint64) *sentDatagram {
	if seq < b.trail || seq >= b.trail+uint64(b.len()) {
		return nil
	}
	return &b.entries[b.head+int(seq-b.trail)]
}

// evict drops what is older than maxAge or beyond maxBytes, but never
// data younger than keep (the buffer then holds more than maxBytes until
// it ages; the engine stops taking messages meanwhile, see mayTake).
func (b *sendBuffer) evict(now time.Time, maxAge time.Duration, maxBytes int, keep time.Duration) {
	for b.len() > 0 {
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
