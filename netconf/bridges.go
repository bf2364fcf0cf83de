package netconf

import (
	"net/netip"
	"time"

	"github.com/groupcast/groupcast/netconf/wire"
)

// Bridges (docs/BRIDGE.md). A member hears its network's bridges by
// their beacons, and takes a forwarded datagram (one with a trailer,
// wire.ParseForward) only from one of them, labelled by where it was
// first sent (wire.Label): its sender is then bound to that label and
// every per-computer bound applies to the label, not to the bridge.

const (
	// maxBridges bounds the bridges a member tracks on its network; a
	// further one is ignored until one falls silent.
	maxBridges = 8
	// bridgeSilence is how long a bridge is trusted after its last beacon
	// (one a second).
	bridgeSilence = 10 * time.Second
	// bridgeGrace: forwards refused this soon after joining are counted,
	// not reported (a bridge answers a new member's HELLO with a beacon).
	bridgeGrace = 3 * time.Second
)

// bridgeSeen is one bridge of our network, as its beacons say.
type bridgeSeen struct {
	host       netip.Addr
	net        wire.NetID
	started    int64
	forwarding bool
	last       time.Time
}

// bridgeTable is the bridges heard on our network, at most maxBridges.
type bridgeTable struct {
	seen []bridgeSeen
}

// note records a beacon from host; false when the table is full of
// bridges that are not silent.
func (t *bridgeTable) note(now time.Time, host netip.Addr, b wire.Beacon) bool {
	for i := range t.seen {
		if s := &t.seen[i]; s.host == host {
			s.net, s.started, s.forwarding, s.last = b.Net, b.Started, b.Forwarding, now
			return true
		}
	}
	t.expire(now)
	if len(t.seen) >= maxBridges {
		return false
	}
	t.seen = append(t.seen, bridgeSeen{host: host, net: b.Net, started: b.Started, forwarding: b.Forwarding, last: now})
	return true
}

func (t *bridgeTable) expire(now time.Time) {
	kept := t.seen[:0]
	for _, s := range t.seen {
		if now.Sub(s.last) < bridgeSilence {
			kept = append(kept, s)
		}
	}
	t.seen = kept
}

// passes says whether a datagram forwarded from network n may come from
// host: host is a bridge heard lately, and n is not this network (a
// bridge of ours labels only what came from elsewhere).
func (t *bridgeTable) passes(now time.Time, host netip.Addr, n wire.NetID) bool {
	ok := false
	for _, s := range t.seen {
		if now.Sub(s.last) >= bridgeSilence {
			continue
		}
		if s.net == n {
			return false
		}
		ok = ok || s.host == host
	}
	return ok
}

// onBeacon notes a bridge's beacon; one that came from another network
// (through a bridge or NATS) says nothing about ours and is ignored.
func (e *Engine) onBeacon(now time.Time, raw []byte, src netip.AddrPort) {
	b, ok := wire.ParseBeacon(raw)
	if !ok || !src.Addr().Is4() {
		add(&e.stats.Ignored, 1)
		return
	}
	if !e.m.bridges.note(now, src.Addr(), b) {
		add(&e.stats.Ignored, 1)
		e.refuse(now, UnreadableBridges, "", src.Addr())
		return
	}
	add(&e.stats.BeaconsIn, 1)
}

// unforward judges a forwarded datagram's trailer f, from src: the label
// of where it was sent from, or ok false (counted, and refused) when src
// is not a bridge of ours or f names our own network.
func (e *Engine) unforward(now time.Time, f wire.Forward, src netip.AddrPort) (label netip.AddrPort, ok bool) {
	if !src.Addr().Is4() || !e.m.bridges.passes(now, src.Addr(), f.Net) {
		add(&e.stats.Unbridged, 1)
		if now.Sub(e.m.started) >= bridgeGrace {
			// Just joined, a member may hear a bridge's forwards before
			// its beacon: those are repaired, and not worth a word.
			e.refuse(now, UnreadableNotBridge, "", src.Addr())
		}
		return netip.AddrPort{}, false
	}
	add(&e.stats.ForwardedIn, 1)
	return wire.Label(f), true
}
