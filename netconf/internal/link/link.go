// Package link is a membership's way to the network: the transport
// (opened again when its interface comes back), the seal of a private
// group with its one packet-number counter (only the link seals: a
// second sealer would fork the sequence peers' replay windows check),
// the new DATA queued to go out in one system call, and the reader that
// hands what arrives to the loop in batches.
package link

import (
	"fmt"
	"net/netip"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/reader"
	"github.com/groupcast/groupcast/netconf/internal/seal"
	"github.com/groupcast/groupcast/netconf/wire"
)

// Datagrams travel from a membership's reader goroutine to the engine
// loop in batches (netconf/internal/reader).
//
// Memory per membership: with batch reads a private group reads 16
// datagrams of at most 2 KiB per batch (anything larger than MaxDatagram
// is refused there anyway), 96 KiB in all; otherwise 8 of up to 64 KiB,
// because a classic tool may send one plain datagram that large: 1.5 MiB,
// of which only the pages datagrams are written to become resident. With
// batch reads the companion port has batches of its own, 64 datagrams of
// 2 KiB (384 KiB): only Groupcast's datagrams go there, and a file's
// blocks come fast.
const (
	Batches     = 3 // per membership: the reader fills one while the loop works on another
	rxLenKeyed  = 16
	rxSlotKeyed = 2048
	rxLenOpen   = 8
	rxSlotOpen  = 64 << 10
	// rxLenControl: the companion port's batches (with batch reads),
	// of rxSlotKeyed bytes each: 384 KiB in all.
	rxLenControl = 64
)

// Link is one membership's. It is the loop's: not safe for concurrent
// use, but for what the reader does on its own.
type Link struct {
	Tr       Transport
	key      *seal.Key // nil: an open group
	pn       uint64    // packet number of the last sealed datagram
	sendOnly bool
	stats    *event.Stats
	wbuf     []byte
	sbuf     []byte   // sealed form of the datagram being sent
	outq     [][]byte // new DATA waiting for Flush
	outbuf   []byte   // holds the sealed forms of outq
	failed   error    // what a flush Queue made failed with, for Flush to say
	reader   *reader.Pool
}

// New is the link of a membership over tr (owner marks its batches);
// key is nil in an open group; a membership that only sends reads
// nothing.
func New(owner any, tr Transport, key *seal.Key, sendOnly bool, st *event.Stats) *Link {
	l := &Link{Tr: tr, key: key, sendOnly: sendOnly, stats: st,
		wbuf: make([]byte, 0, wire.MaxDatagram), sbuf: make([]byte, 0, wire.MaxDatagram)}
	n, slot := rxLenOpen, rxSlotOpen
	_, batched := tr.(BatchReader)
	if key != nil && batched {
		// Only with batch reads: recvmmsg flags and refuses a truncated
		// datagram, but a single read of a datagram larger than its
		// buffer fails outright on Windows (WSAEMSGSIZE).
		n, slot = rxLenKeyed, rxSlotKeyed
	}
	l.reader = reader.NewPool(owner, Batches, n, slot)
	if batched {
		// The companion port carries only Groupcast's own datagrams (a
		// larger one is refused as truncated), and a file's blocks come
		// fast: bigger batches of small buffers, one hand-off to the
		// loop per 64 datagrams.
		l.reader.WithControl(Batches, rxLenControl, rxSlotKeyed)
	}
	return l
}

// SealOverhead is what sealing adds to each datagram (0 in an open group).
func (l *Link) SealOverhead() int {
	if l.key == nil {
		return 0
	}
	return wire.SealOverhead
}

// Attach makes tr carry the membership and starts reading it.
func (l *Link) Attach(tr Transport, out, ctlOut chan<- *reader.Batch) {
	l.Tr = tr
	if !l.sendOnly {
		var control reader.Source
		if c := tr.Control(); c != nil {
			control = c
		}
		l.reader.Start(tr, control, out, ctlOut)
	}
}

// Detach closes the transport and waits for its reader to stop.
func (l *Link) Detach() {
	_ = l.Tr.Close()
	l.reader.Stop()
}

// IsOwn reports whether src is our own sender socket.
func (l *Link) IsOwn(src netip.AddrPort) bool {
	o, ok := l.Tr.(EchoSpotter)
	return ok && o.IsOwn(src)
}

// MTU is the MTU of the interface sent through (0: not known).
func (l *Link) MTU() int {
	if t, ok := l.Tr.(MTUReporter); ok {
		return t.MTU()
	}
	return 0
}

// Transmit sends one datagram of the companion port's (all but new DATA:
// control traffic, NACKs, repairs, receipts, pins), sealed in a private
// group.
func (l *Link) Transmit(dgram []byte) error {
	if l.key == nil {
		return l.Tr.WriteControl(dgram)
	}
	l.pn++
	l.sbuf = l.key.Seal(l.sbuf[:0], l.pn, dgram)
	return l.Tr.WriteControl(l.sbuf)
}

// WritePlain sends a bare datagram, for classic tools, on the group's
// port.
func (l *Link) WritePlain(b []byte) error { return l.Tr.Write(b) }

// Write encodes p and transmits it; it is not kept for repair. Only an
// encoding error is returned (and counted): control traffic is
// repeated, so a failed write is counted, not worth an error line.
func (l *Link) Write(p *wire.Packet) error {
	dgram, err := wire.AppendEncode(l.wbuf[:0], p)
	if err != nil {
		event.Add(&l.stats.SendErrors, 1)
		return err
	}
	l.wbuf = dgram
	if err := l.Transmit(dgram); err != nil {
		event.Add(&l.stats.SendErrors, 1)
		return nil
	}
	event.Add(&l.stats.ControlOut, 1)
	return nil
}

// SealBatch seals dgrams in place in a private group (buf holds their
// sealed forms), for the file pump to send.
func (l *Link) SealBatch(dgrams [][]byte, buf []byte) []byte {
	if l.key == nil {
		return buf
	}
	buf = buf[:0]
	for i, d := range dgrams {
		l.pn++
		start := len(buf)
		buf = l.key.Seal(buf, l.pn, d)
		dgrams[i] = buf[start:len(buf):len(buf)]
	}
	return buf
}

// Queue keeps a new DATA datagram (sealed in a private group) for
// Flush, which writes what the loop's commands produced at once. When
// the sealed forms fill their buffer (which never grows) it flushes
// first; Flush returns what that failed with.
func (l *Link) Queue(dgram []byte) {
	if l.key != nil && len(l.outbuf)+wire.MaxDatagram > cap(l.outbuf) {
		if err := l.Flush(); err != nil {
			l.failed = err
		}
	}
	if l.key != nil {
		if l.outbuf == nil {
			l.outbuf = make([]byte, 0, 64*wire.MaxDatagram)
		}
		l.pn++
		start := len(l.outbuf)
		l.outbuf = l.key.Seal(l.outbuf, l.pn, dgram)
		dgram = l.outbuf[start:len(l.outbuf):len(l.outbuf)]
	}
	l.outq = append(l.outq, dgram)
}

// Flush writes the queued DATA, in one system call where the transport
// can (sendmmsg on Linux). A datagram that does not go out stays in the
// retransmit buffer: receivers that notice the gap ask for it.
func (l *Link) Flush() error {
	err := l.failed
	l.failed = nil
	if len(l.outq) == 0 {
		return err
	}
	var werr error
	if bw, ok := l.Tr.(BatchWriter); ok {
		werr = bw.WriteBatch(l.outq)
	} else {
		for _, w := range l.outq {
			if werr = l.Tr.Write(w); werr != nil {
				break
			}
		}
	}
	if werr != nil {
		err = werr
	}
	clear(l.outq)
	l.outq, l.outbuf = l.outq[:0], l.outbuf[:0]
	return err
}

// GroupKey makes the key of a private group (nil for an open one, whose
// passphrase is ""): the passphrase, salted with the group's address and
// port, so the same passphrase gives unrelated keys on other groups
// (docs/SECURITY.md).
func GroupKey(passphrase string, group netip.AddrPort) (*seal.Key, error) {
	if passphrase == "" {
		return nil, nil
	}
	k, err := seal.Derive(passphrase, "groupcast/v1 group "+group.String(), wire.SealedPrefix)
	if err != nil {
		return nil, fmt.Errorf("derive the group's key: %w", err)
	}
	return k, nil
}
