// Package reader moves datagrams from a transport to the engine's loop
// in batches: one channel hand-off per batch, not per datagram, and the
// buffers go back to the reader once the loop is done with them, so the
// receive path allocates nothing per datagram for its buffers. Where the
// transport can (Linux: recvmmsg) a batch is also filled by one call.
package reader

import (
	"errors"
	"net"
	"net/netip"
	"sync"
)

// Source is what is read: one datagram per call.
type Source interface {
	Read(b []byte) (n int, src netip.AddrPort, err error)
}

// BatchSource reads several datagrams per call: datagram i is
// bufs[i][:sizes[i]], from srcs[i], for i < n; n > 0 unless err.
type BatchSource interface {
	ReadBatch(bufs [][]byte, sizes []int, srcs []netip.AddrPort) (n int, err error)
}

// Batch is datagrams read together.
type Batch struct {
	Owner any              // the pool's owner: batches of one that is gone are dropped
	N     int              // datagrams in Data and Src
	Data  [][]byte         // Data[i]: datagram i, a slice of a buffer of the batch
	Src   []netip.AddrPort // where datagram i came from
	// Control: read from the group's companion port (Start's control
	// source), not the group's own.
	Control bool
	Err     error // the source failed (after the N datagrams)
	bufs    [][]byte
	sizes   []int
	free    chan *Batch // where it goes back
}

// Pool is the batches of one owner and the goroutines that fill them.
type Pool struct {
	owner any
	free  chan *Batch // batches the readers may fill
	// ctlFree: the control source's own batches (WithControl), or nil:
	// it shares free.
	ctlFree chan *Batch
	stop    chan struct{}
	readers sync.WaitGroup
}

// NewPool makes count batches of n buffers of slot bytes each.
func NewPool(owner any, count, n, slot int) *Pool {
	p := &Pool{owner: owner}
	p.free = batches(owner, count, n, slot)
	return p
}

// WithControl gives the control source batches of its own: count of n
// buffers of slot bytes (its datagrams may be smaller and come faster).
func (p *Pool) WithControl(count, n, slot int) *Pool {
	p.ctlFree = batches(p.owner, count, n, slot)
	return p
}

func batches(owner any, count, n, slot int) chan *Batch {
	free := make(chan *Batch, count)
	for range count {
		b := &Batch{Owner: owner, Data: make([][]byte, n), Src: make([]netip.AddrPort, n), bufs: make([][]byte, n), sizes: make([]int, n), free: free}
		for i := range b.bufs {
			b.bufs[i] = make([]byte, slot)
		}
		free <- b
	}
	return free
}

// Start reads src, and control when not nil, into batches sent to out
// (control's to ctlOut), each until Stop or a failure of it; batches of
// control say so. A batch
// comes back with Recycle once processed; with all of them out, reading
// waits.
func (p *Pool) Start(src, control Source, out, ctlOut chan<- *Batch) {
	p.stop = make(chan struct{})
	p.readers.Add(1)
	go p.loop(src, false, p.free, out, p.stop)
	if control != nil {
		free := p.free
		if p.ctlFree != nil {
			free = p.ctlFree
		}
		p.readers.Add(1)
		go p.loop(control, true, free, ctlOut, p.stop)
	}
}

// Stop stops the reader and waits for it; close the source first, which
// unblocks a read. A batch in hand goes back to the pool, so a source
// opened again (the interface came back) finds them all.
func (p *Pool) Stop() {
	if p.stop != nil {
		close(p.stop)
		p.stop = nil
	}
	p.readers.Wait()
}

// Recycle hands a processed batch back to its reader.
func (b *Batch) Recycle() {
	b.free <- b // never blocks: free holds every batch of the pool
}

func (p *Pool) loop(src Source, control bool, free chan *Batch, out chan<- *Batch, stop <-chan struct{}) {
	defer p.readers.Done()
	for {
		var b *Batch
		select {
		case b = <-free:
		case <-stop:
			return
		}
		b.read(src)
		b.Control = control
		failed := b.Err // once sent, b is the loop's, then another reader's
		if failed != nil && errors.Is(failed, net.ErrClosed) {
			b.free <- b
			return
		}
		select {
		case out <- b:
		case <-stop:
			b.free <- b
			return
		}
		if failed != nil {
			return
		}
	}
}

// read fills b with at least one datagram, or sets b.Err.
func (b *Batch) read(src Source) {
	b.N, b.Err = 0, nil
	if bs, ok := src.(BatchSource); ok {
		b.N, b.Err = bs.ReadBatch(b.bufs, b.sizes, b.Src)
		for i := range b.N {
			b.Data[i] = b.bufs[i][:b.sizes[i]]
		}
		return
	}
	n, from, err := src.Read(b.bufs[0])
	if err != nil {
		b.Err = err
		return
	}
	b.Data[0], b.Src[0], b.N = b.bufs[0][:n], from, 1
}
