package netconf

import (
	"errors"
	"net/netip"
	"time"

	"github.com/groupcast/groupcast/netconf/internal/part"
	"github.com/groupcast/groupcast/netconf/internal/reader"
	"github.com/groupcast/groupcast/netconf/internal/refusal"
	"github.com/groupcast/groupcast/netconf/wire"
)

// receiveBatch handles datagrams a reader read together, then gives the
// batch back to it. Nothing of the batch's buffers is kept: what is held
// for later delivery is copied (see stream.Part.onData).
func (e *Engine) receiveBatch(b *reader.Batch) {
	defer b.Recycle()
	if b.Owner != e.m || e.m == nil {
		return // from a membership already left
	}
	now := e.now()
	for i := range b.N {
		if e.m != b.Owner {
			return // a datagram ended the membership
		}
		e.receive(now, b.Data[i], b.Src[i], b.Control)
	}
	if b.Err != nil && e.m == b.Owner {
		if e.checkInterface(now, true); e.m.watch.Down() {
			return // the interface went away: it is watched until it is back
		}
		e.queue.Push(Error{Op: "receive", Err: b.Err})
		e.finish(b.Err, true)
	}
}

// receive handles one datagram from src, read on the group's port or,
// control, its companion port.
func (e *Engine) receive(now time.Time, raw []byte, src netip.AddrPort, control bool) {
	m := e.m
	add(&e.stats.BytesIn, uint64(len(raw)))
	data, pn, src, ok := m.gate.Open(now, raw, src)
	if !ok {
		return
	}
	// One look for the header (after the text of a message, a scan): a
	// datagram without one is a classic tool's.
	var err error
	e.pkt, err = wire.Decode(data)
	p := &e.pkt // the engine's: a datagram handed to a part does not escape to the heap
	if errors.Is(err, wire.ErrNotGroupcast) {
		if control {
			add(&e.stats.OtherGroup, 1) // a classic tool's, on a group whose port is our companion
			e.refuse(now, UnreadableNextPort, "", src.Addr())
			return
		}
		e.onPlain(now, data, src)
		return
	}
	if err != nil {
		add(&e.stats.Rejected, 1)
		return
	}
	if (p.Kind == wire.KindData) == control {
		// Each port carries only its own: new messages on the group's, the
		// rest on the companion. This is another group's, whose port is
		// next to ours.
		add(&e.stats.OtherGroup, 1)
		e.refuse(now, UnreadableNextPort, p.Nick, src.Addr())
		return
	}
	if p.Sender == m.self {
		add(&e.stats.OwnEcho, 1)
		return
	}
	if m.key != nil && !m.gate.Fresh(now, p, pn, src) {
		return
	}
	if m.peers.Departed(p.Sender) {
		add(&e.stats.Ignored, 1) // a repeated LEAVE, or a straggler
		return
	}
	if pt := m.parts.For(p.Kind); pt != nil {
		e.in = part.In{Now: now, P: p, Src: src}
		pt.Receive(&e.in)
		e.in.P, e.pkt = nil, wire.Packet{} // let go of the batch's bytes
		return
	}
	add(&e.stats.Ignored, 1) // a kind no part owns
}

// onPlain shows a bare datagram from a classic tool (open groups only:
// unseal refused it in a private one).
func (e *Engine) onPlain(now time.Time, b []byte, src netip.AddrPort) {
	m := e.m
	if m.link.IsOwn(src) {
		add(&e.stats.OwnEcho, 1) // our own plain text, looped back
		return
	}
	m.stream.Plain(now, b, src)
}

// refuse counts a refused datagram; each reason is reported once per
// membership, a second after it first happened, with the count so far
// and the member (peer) and host it concerns, as first seen (runTimers).
func (e *Engine) refuse(now time.Time, r UnreadableReason, peer string, host netip.Addr) *refusal.Entry {
	return e.m.ledger.Refuse(now, r, peer, host)
}
