package netconf

import (
	"errors"
	"net"
	"net/netip"
)

// Datagrams travel from a membership's reader goroutine to the engine loop
// in batches: one channel hand-off per batch, not per datagram, and the
// buffers go back to the reader once the loop is done with them, so the
// receive path allocates nothing per datagram for its buffers. Where the
// platform can (Linux: recvmmsg through x/net's ReadBatch) a batch is also
// filled by one system call.
//
// Memory per membership: with batch reads a private group reads 16
// datagrams of at most 2 KiB per batch (anything larger than MaxDatagram
// is refused there anyway), 96 KiB in all; otherwise 8 of up to 64 KiB,
// because a classic tool may send one plain datagram that large: 1.5 MiB,
// of which only the pages datagrams are written to become resident.
const (
	rxBatches   = 3 // per membership: the reader fills one while the loop works on another
	rxLenKeyed  = 16
	rxSlotKeyed = 2048
	rxLenOpen   = 8
	rxSlotOpen  = 64 << 10
)

// rxBatch is datagrams read together.
type rxBatch struct {
	m     *member
	n     int              // datagrams in data and src
	data  [][]byte         // data[i]: datagram i, a slice of bufs[i]
	src   []netip.AddrPort // where datagram i came from
	err   error            // the transport failed (after the n datagrams)
	bufs  [][]byte
	sizes []int
}

func newRxBatch(m *member, n, slot int) *rxBatch {
	b := &rxBatch{m: m, data: make([][]byte, n), src: make([]netip.AddrPort, n), bufs: make([][]byte, n), sizes: make([]int, n)}
	for i := range b.bufs {
		b.bufs[i] = make([]byte, slot)
	}
	return b
}

// readInto fills b with at least one datagram, or sets b.err: a batch at
// once where the transport can (BatchReader), else one datagram.
func readInto(tr Transport, b *rxBatch) {
	b.n, b.err = 0, nil
	if br, ok := tr.(BatchReader); ok {
		b.n, b.err = br.ReadBatch(b.bufs, b.sizes, b.src)
		for i := range b.n {
			b.data[i] = b.bufs[i][:b.sizes[i]]
		}
		return
	}
	n, src, err := tr.Read(b.bufs[0])
	if err != nil {
		b.err = err
		return
	}
	b.data[0], b.src[0], b.n = b.bufs[0][:n], src, 1
}

// readLoop feeds batches read from tr to out until stop is closed or tr
// fails. A batch comes back through m.free once the loop has processed
// it; with all of them at the loop, reading waits. A batch in hand when it
// stops goes back to m.free, so a transport opened again (the interface
// came back) finds them all.
func (m *member) readLoop(tr Transport, out chan<- *rxBatch, stop <-chan struct{}) {
	defer m.readers.Done()
	for {
		var b *rxBatch
		select {
		case b = <-m.free:
		case <-stop:
			return
		}
		readInto(tr, b)
		if b.err != nil && errors.Is(b.err, net.ErrClosed) {
			m.free <- b
			return
		}
		select {
		case out <- b:
		case <-stop:
			m.free <- b
			return
		}
		if b.err != nil {
			return
		}
	}
}

// recycle hands a processed batch back to its reader.
func (b *rxBatch) recycle() {
	b.m.free <- b // never blocks: free holds every batch of the membership
}
