// Package bridges is what a member knows of its network's bridges
// (docs/BRIDGE.md): it hears them by their beacons, and takes a forwarded
// datagram (one with a trailer, wire.ParseForward) only from one of them,
// labelled by where it was first sent (wire.Label); its sender is then
// bound to that label. A bridge whose beacons the site's bridge key
// verified vouches for the label: every per-computer bound applies to
// it. Another (no key set, an open hub) does not: what it passes on is
// charged to the bridge itself (the admit gate says so to the ledger).
// Given the time; bounded by Max.
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
	verified   bool   // its beacon verified with the bridge key
	beacon     []byte // that beacon, as it came (the next one like it needs no check)
	last       time.Time
}

// Table is the bridges heard on our network, at most Max.
type Table struct {
	heard []seen
}

// Note records a beacon from host, raw as it came, verified or not;
// false when the table is full of bridges that are not silent.
func (t *Table) Note(now time.Time, host netip.Addr, b wire.Beacon, raw []byte, verified bool) bool {
	i := t.find(host)
	if i < 0 {
		t.expire(now)
		if len(t.heard) >= Max {
			return false
		}
		t.heard = append(t.heard, seen{host: host})
		i = len(t.heard) - 1
	}
	s := &t.heard[i]
	s.net, s.started, s.forwarding, s.last, s.verified = b.Net, b.Started, b.Forwarding, now, verified
	s.beacon = append(s.beacon[:0], raw...)
	return true
}

// Verified says whether raw is the beacon host's last verified one (the
// same bytes verify again: a bridge's beacons change only when it starts
// or stops forwarding).
func (t *Table) Verified(host netip.Addr, raw []byte) bool {
	i := t.find(host)
	return i >= 0 && t.heard[i].verified && string(t.heard[i].beacon) == string(raw)
}

func (t *Table) find(host netip.Addr) int {
	for i := range t.heard {
		if t.heard[i].host == host {
			return i
		}
	}
	return -1
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
// bridge labels only what came from elsewhere): neither host's own id
// nor one a verified bridge here uses (an unverified beacon's claim
// about this network's id changes nothing for the others). verified
// says host's beacons were verified with the bridge key.
func (t *Table) Passes(now time.Time, host netip.Addr, n wire.NetID) (ok, verified bool) {
	for _, s := range t.heard {
		if now.Sub(s.last) >= Silence {
			continue
		}
		if s.host == host {
			if s.net == n {
				return false, false
			}
			ok, verified = true, s.verified
		} else if s.verified && s.net == n {
			return false, false
		}
	}
	return ok, verified
}
