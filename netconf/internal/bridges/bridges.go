// Package bridges is what a member knows of its network's bridges
// (docs/BRIDGE.md): it hears them by their beacons, and takes a forwarded
// datagram (one with a trailer, wire.ParseForward) only from one of them,
// labelled by where it was first sent (wire.Label); its sender is then
// bound to that label and every per-computer bound applies to the label,
// not to the bridge. Given the time; bounded by Max.
package bridges

import (
	"net/netip"
	"time"

	"github.com/groupcast/groupcast/netconf/wire"
)

const (
	// Max bounds the bridges a member tracks on its network; a
	// further one is ignored until one falls silent.
	Max = 8
	// Silence is how long a bridge is trusted after its last beacon
	// (one a second).
	Silence = 10 * time.Second
	// Grace: forwards refused this soon after joining are counted,
	// not reported (a bridge answers a new member's HELLO with a beacon).
	Grace = 3 * time.Second
)

// seen is one bridge of our network, as its beacons say.
type seen struct {
	host       netip.Addr
	net        wire.NetID
	started    int64
	forwarding bool
	last       time.Time
}

// Table is the bridges heard on our network, at most Max.
type Table struct {
	heard []seen
}

// Note records a beacon from host; false when the table is full of
// bridges that are not silent.
func (t *Table) Note(now time.Time, host netip.Addr, b wire.Beacon) bool {
	for i := range t.heard {
		if s := &t.heard[i]; s.host == host {
			s.net, s.started, s.forwarding, s.last = b.Net, b.Started, b.Forwarding, now
			return true
		}
	}
	t.expire(now)
	if len(t.heard) >= Max {
		return false
	}
	t.heard = append(t.heard, seen{host: host, net: b.Net, started: b.Started, forwarding: b.Forwarding, last: now})
	return true
}

func (t *Table) expire(now time.Time) {
	kept := t.heard[:0]
	for _, s := range t.heard {
		if now.Sub(s.last) < Silence {
			kept = append(kept, s)
		}
	}
	t.heard = kept
}

// Passes says whether a datagram forwarded from network n may come from
// host: host is a bridge heard lately, and n is not this network (a
// bridge of ours labels only what came from elsewhere).
func (t *Table) Passes(now time.Time, host netip.Addr, n wire.NetID) bool {
	ok := false
	for _, s := range t.heard {
		if now.Sub(s.last) >= Silence {
			continue
		}
		if s.net == n {
			return false
		}
		ok = ok || s.host == host
	}
	return ok
}
