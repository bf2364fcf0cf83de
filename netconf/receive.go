package netconf

import (
	"errors"
	"net/netip"
	"time"

	"github.com/groupcast/groupcast/netconf/internal/part"
	"github.com/groupcast/groupcast/netconf/internal/reader"
	"github.com/groupcast/groupcast/netconf/internal/refusal"
	"github.com/groupcast/groupcast/netconf/internal/seal"
	"github.com/groupcast/groupcast/netconf/wire"
)

// receiveBatch handles datagrams a reader read together, then gives the
// batch back to it. Nothing of the batch's buffers is kept: what is held
// for later delivery is copied (see onData).
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
	if wire.IsBeacon(raw) {
		e.onBeacon(now, raw, src)
		return
	}
	if inner, f, ok := wire.ParseForward(raw); ok {
		if src, ok = e.unforward(now, f, src); !ok {
			return
		}
		raw = inner
	}
	if v, ours := wire.VersionOf(raw); ours && v != wire.Version {
		e.refuseVersion(now, v, src) // sealed or not: before anything else is read
		return
	}
	data, pn, ok := e.unseal(now, raw)
	if !ok {
		return
	}
	// One look for the header (after the text of a message, a scan): a
	// datagram without one is a classic tool's.
	p, err := wire.Decode(data)
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
	if m.key != nil && !e.admitSealed(now, &p, pn, src) {
		return
	}
	if m.peers.Departed(p.Sender) {
		add(&e.stats.Ignored, 1) // a repeated LEAVE, or a straggler
		return
	}
	if pt := m.parts.For(p.Kind); pt != nil {
		e.in = part.In{Now: now, P: &p, Src: src}
		pt.Receive(&e.in)
		e.in.P = nil
		return
	}
	switch p.Kind {
	case wire.KindData, wire.KindRepair:
		e.onData(now, &p, src)
	case wire.KindHello, wire.KindHeartbeat, wire.KindLeave:
		e.onControl(now, &p, src)
	case wire.KindNack:
		e.onNack(now, &p, src)
	case wire.KindReceipt:
		e.onReceipt(now, &p, src)
	case wire.KindPinned:
		e.onPinned(now, &p, src)
	case wire.KindCatchUpAsk:
		e.onCatchUpAsk(now, &p, src)
	case wire.KindCatchUp:
		e.onCatchUp(now, &p, src)
	default:
		add(&e.stats.Ignored, 1)
	}
}

// admitSealed decides whether an authentic datagram of a private group
// is new: not seen before, stamped within seal.MaxClockSkew of our clock, and
// not sent before we joined. A recording replayed to a member who joined
// after it was made would otherwise be new to it. "Before we joined" is
// judged on our clock, corrected by how far ahead the sender's clock was
// seen to be (a replay only ever looks older), with Timing.ClockSlack for
// clocks that disagree a little. Repairs of data from before we joined,
// which other members asked for, are dropped without a word; pinned
// announcements are old on purpose.
func (e *Engine) admitSealed(now time.Time, p *wire.Packet, pn uint64, src netip.AddrPort) bool {
	m := e.m
	sent := time.UnixMicro(p.Time)
	ahead, err := m.replay.Admit(p.Sender, pn, sent, now)
	switch {
	case errors.Is(err, seal.ErrClock):
		add(&e.stats.Replayed, 1)
		e.refuseSkewed(now, UnreadableClock, p.Nick, src.Addr(), sent.Sub(now))
		return false
	case errors.Is(err, seal.ErrTooManySenders):
		add(&e.stats.Crowded, 1)
		e.refuse(now, UnreadableFull, p.Nick, src.Addr())
		return false
	case err != nil:
		add(&e.stats.Replayed, 1)
		e.noteUnreadable(now, UnreadableReplayed)
		return false
	}
	if p.Kind == wire.KindPinned || !sent.Add(-ahead).Before(m.started.Add(-e.timing.ClockSlack)) {
		return true
	}
	add(&e.stats.Replayed, 1)
	if p.Kind != wire.KindRepair {
		e.refuseSkewed(now, UnreadableBeforeJoin, p.Nick, src.Addr(), sent.Sub(m.started))
	}
	return false
}

// refuseSkewed is refuse for the reasons that concern a clock: skew is
// how far ahead of ours (negative: behind) the datagram's stamp is.
func (e *Engine) refuseSkewed(now time.Time, r UnreadableReason, peer string, host netip.Addr, skew time.Duration) {
	e.m.ledger.RefuseSkewed(now, r, peer, host, skew)
}

// onPlain shows a bare datagram from a classic tool (open groups only:
// unseal refused it in a private one).
func (e *Engine) onPlain(now time.Time, b []byte, src netip.AddrPort) {
	m := e.m
	if m.isOwn(src) {
		add(&e.stats.OwnEcho, 1) // our own plain text, looped back
		return
	}
	if r := m.cfg.Room; r != nil && r.ReadOnly {
		add(&e.stats.ReadOnlyDropped, 1)
		return
	}
	text, enc := m.charsets.Decode(src, b, m.cfg.Encoding)
	if text == "" {
		add(&e.stats.Ignored, 1)
		return
	}
	add(&e.stats.PlainIn, 1)
	from := src.String()
	if r, h := ReachOf(src.Addr()); r == ReachBridge {
		from = netip.AddrPortFrom(h, src.Port()).String() + " (another network)"
	}
	e.queue.Push(Message{
		From: from, Sent: now, Received: now, Source: src, Text: text, Plain: true, Encoding: enc,
	})
}

// unseal authenticates and opens a datagram of a keyed group, and keeps
// sealed datagrams out of an open one. Whatever fails is counted and
// dropped here, before any state changes.
func (e *Engine) unseal(now time.Time, b []byte) (inner []byte, pn uint64, ok bool) {
	m := e.m
	sealed := wire.IsSealed(b)
	if m.key == nil {
		if sealed {
			add(&e.stats.NeedKey, 1)
			e.noteUnreadable(now, UnreadableNeedsPassphrase)
			return nil, 0, false
		}
		return b, 0, true
	}
	if !sealed {
		add(&e.stats.Unsealed, 1)
		if wire.IsGroupcast(b) {
			e.noteUnreadable(now, UnreadableNoPassphrase)
		}
		return nil, 0, false
	}
	pn, inner, err := m.key.Open(b, wire.MaxFileDatagram)
	switch {
	case errors.Is(err, seal.ErrOtherKey):
		add(&e.stats.OtherKey, 1)
		e.noteUnreadable(now, UnreadableOtherPassphrase)
		return nil, 0, false
	case err != nil:
		add(&e.stats.Forged, 1)
		e.noteUnreadable(now, UnreadableForged)
		return nil, 0, false
	}
	return inner, pn, true
}

// noteUnreadable counts a datagram refused before it could be read.
func (e *Engine) noteUnreadable(now time.Time, r UnreadableReason) {
	e.refuse(now, r, "", netip.Addr{})
}

// refuse counts a refused datagram; each reason is reported once per
// membership, a second after it first happened, with the count so far
// and the member (peer) and host it concerns, as first seen (runTimers).
func (e *Engine) refuse(now time.Time, r UnreadableReason, peer string, host netip.Addr) *refusal.Entry {
	return e.m.ledger.Refuse(now, r, peer, host)
}
