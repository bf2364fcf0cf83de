package bridge

import (
	"errors"
	"net/netip"
	"sync"
	"time"

	"github.com/groupcast/groupcast/netconf/wire"
)

// What a bridge forwards, and how much (docs/BRIDGE.md, "Hostile
// peers"). Every datagram it reads, from either side, is checked to be a
// Groupcast datagram of this group (or, on the group's port, a classic
// tool's text), and charged to where it was sent — its sender's address
// here, or the label it came with from elsewhere — against a budget per
// source and one for all: a flood on one network reaches another no
// faster than one computer may send, and junk not at all.
const (
	// SourceRate and SourceBurst are what one computer may have
	// forwarded, in bytes a second and at once; each datagram costs its
	// length and datagramCost more (the hub's and the network's work per
	// datagram, so a flood of small ones is bounded too).
	SourceRate  = 8 << 20
	SourceBurst = 4 << 20
	// AllRate and AllBurst bound what a bridge forwards each way, over
	// all sources.
	AllRate      = 32 << 20
	AllBurst     = 16 << 20
	datagramCost = 256
	// maxSources bounds the sources a budget tracks; past it, it starts
	// again (AllRate still holds).
	maxSources = 4096
)

type bucket struct {
	tokens float64
	at     time.Time
}

func (k *bucket) take(now time.Time, rate, burst, cost float64) bool {
	if k.at.IsZero() {
		k.tokens = burst
	} else if d := now.Sub(k.at).Seconds(); d > 0 {
		k.tokens = min(k.tokens+d*rate, burst)
	}
	k.at = now
	if k.tokens < cost {
		return false
	}
	k.tokens -= cost
	return true
}

// budget is a token bucket per source and one for all; safe for
// concurrent use.
type budget struct {
	rate, burst, allRate, allBurst float64
	mu                             sync.Mutex
	by                             map[netip.Addr]*bucket
	all                            bucket
}

func newBudget(rate, burst, allRate, allBurst float64) *budget {
	return &budget{rate: rate, burst: burst, allRate: allRate, allBurst: allBurst, by: map[netip.Addr]*bucket{}}
}

// take charges src cost: only when both its bucket and everyone's hold
// it (its own first, so one source's flood does not drain the others').
func (b *budget) take(now time.Time, src netip.Addr, cost float64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := b.by[src]
	if k == nil {
		if len(b.by) >= maxSources {
			clear(b.by)
		}
		k = &bucket{}
		b.by[src] = k
	}
	probe := *k
	if !probe.take(now, b.rate, b.burst, cost) || !b.all.take(now, b.allRate, b.allBurst, cost) {
		k.take(now, b.rate, b.burst, 0) // refilled to now, nothing taken
		return false
	}
	*k = probe
	return true
}

// ofGroup says whether d, read on the group's port or (control) its
// companion, is what members of a Groupcast group send there: a
// Groupcast datagram of this wire version (sealed or not) on the port of
// its kind, or on the group's port a classic tool's text.
func ofGroup(d []byte, control bool) bool {
	if len(d) == 0 || len(d) > wire.MaxForwardInner {
		return false
	}
	if wire.IsSealed(d) {
		return len(d) >= wire.SealOverhead
	}
	p, err := wire.Decode(d)
	switch {
	case errors.Is(err, wire.ErrNotGroupcast):
		if control {
			return false
		}
		text, enc := wire.DecodePlain(d)
		return text != "" && enc != wire.EncodingBinary
	case err != nil:
		return false
	}
	return (p.Kind == wire.KindData) != control
}
