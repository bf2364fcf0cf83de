package reliable

import (
	"net/netip"
	"time"
)

// Repairs are paid from a budget, so NACKs — a few dozen bytes each, and
// anyone can send them — cannot make a sender multicast without end: a
// thousand 69-byte NACKs for seqs 1-600 once drew 220 MB of repairs.
//
// The budget follows what the sender itself sent: each byte of new data
// adds repairPerData bytes that repairs may spend, and a quiet sender
// still gains repairFloor a second, so it can repair a late joiner's long
// message. One computer may spend half of that (repairHostShare): all we
// sent, once — a receiver frozen through most of a stream needs about
// that — so a computer flooding NACKs leaves the rest to the receivers
// that really miss something. Random loss needs far less: at 20% loss with
// five receivers, repairs were 0.6 of the data. What may be spent at once
// is capped at what the retransmit buffer holds, times the same factors.
const (
	repairPerData   = 2         // repair bytes earned per byte of new data
	repairFloor     = 256 << 10 // bytes/s earned even when quiet
	repairHostShare = 2         // one computer earns 1/repairHostShare of that: all we sent, once
	repairHostBurst = 128 << 10 // the least one computer may spend at once (a 64 KiB message and more)
	repairHosts     = 1024      // computers whose share is tracked; the least recent is forgotten
)

// RepairBudget decides whether a repair may be sent now.
type RepairBudget struct {
	sent   float64 // bytes of new data sent so far (what the budget is earned from)
	global earnings
	hosts  map[netip.Addr]*earnings
}

// earnings is a bucket of bytes earned from the data sent and from time.
type earnings struct {
	tokens float64
	sent   float64 // repairBudget.sent when last credited
	at     time.Time
}

// credit adds what was earned since the last credit, up to limit: share of
// the data sent since, and share of repairFloor a second. A new bucket
// starts with start, and earns from the data sent before it existed too
// (a receiver's first NACK may be for all of it).
func (b *earnings) credit(now time.Time, sent, share, start, limit float64) {
	if b.at.IsZero() {
		b.tokens = start
	} else {
		b.tokens += now.Sub(b.at).Seconds() * repairFloor * share
	}
	b.tokens = min(b.tokens+(sent-b.sent)*repairPerData*share, limit)
	b.sent, b.at = sent, now
}

// SentData records n bytes of new data on the wire.
func (r *RepairBudget) SentData(n int) { r.sent += float64(n) }

// Allow reports whether a repair of cost bytes asked for by host may go,
// and spends it if so; bufferBytes bounds what may be spent at once.
func (r *RepairBudget) Allow(now time.Time, host netip.Addr, cost, bufferBytes int) bool {
	if r.hosts == nil {
		r.hosts = map[netip.Addr]*earnings{}
	}
	h := r.hosts[host]
	if h == nil {
		if len(r.hosts) >= repairHosts {
			r.forgetOldest()
		}
		h = &earnings{}
		r.hosts[host] = h
	}
	limit := float64(bufferBytes) * repairPerData
	h.credit(now, r.sent, 1.0/repairHostShare, repairHostBurst, max(limit/repairHostShare, repairHostBurst))
	r.global.credit(now, r.sent, 1, 2*repairHostBurst, max(limit, 2*repairHostBurst))
	// The computer's share first, so one that is refused does not drain
	// what the others may spend.
	if h.tokens < float64(cost) || r.global.tokens < float64(cost) {
		return false
	}
	h.tokens -= float64(cost)
	r.global.tokens -= float64(cost)
	return true
}

func (r *RepairBudget) forgetOldest() {
	var oldest netip.Addr
	var at time.Time
	for a, b := range r.hosts {
		if at.IsZero() || b.at.Before(at) {
			oldest, at = a, b.at
		}
	}
	delete(r.hosts, oldest)
}
