package netconf

import (
	"net/netip"
	"time"
)

// Repairs are paid from a budget, so NACKs — a few dozen bytes each, and
// anyone can send them — cannot make a sender multicast without end: a
// thousand 69-byte NACKs for seqs 1-600 once drew 220 MB of repairs.
//
// The budget is a token bucket of bytes refilled at twice the sender's own
// recent data rate (real loss needs far less: at 20% loss with five
// receivers repairs were 0.6 of the data), but never less than
// repairFloor, so a quiet sender can still repair a late joiner's long
// message. One computer may spend a quarter of it, so a computer flooding
// NACKs leaves the rest to the receivers that really miss something.
const (
	repairFloor     = 256 << 10 // bytes/s
	repairPerData   = 2         // times the recent data rate
	repairHostShare = 4         // one computer gets 1/repairHostShare of the rate
	repairHostBurst = 128 << 10 // bytes one computer may ask for at once (a 64 KiB message and more)
	repairHosts     = 1024      // computers whose share is tracked; the least recent is forgotten
	dataRateSlots   = 5         // the data rate is measured over this many seconds
)

// repairBudget decides whether a repair may be sent now.
type repairBudget struct {
	global tokenBucket
	hosts  map[netip.Addr]*tokenBucket
	// Bytes of new data sent in each of the last dataRateSlots seconds.
	slots   [dataRateSlots]int
	slotSec int64 // the second of slots[slotSec%dataRateSlots]
}

type tokenBucket struct {
	tokens float64
	at     time.Time
}

// take spends cost when the bucket, refilled at rate up to burst, holds it.
func (b *tokenBucket) take(now time.Time, cost, rate, burst float64) bool {
	if b.at.IsZero() {
		b.tokens = burst
	} else {
		b.tokens = min(b.tokens+now.Sub(b.at).Seconds()*rate, burst)
	}
	b.at = now
	if b.tokens < cost {
		return false
	}
	b.tokens -= cost
	return true
}

// sent records n bytes of new data sent at now.
func (r *repairBudget) sent(now time.Time, n int) {
	r.advance(now)
	r.slots[r.slotSec%dataRateSlots] += n
}

// advance clears the slots of seconds that passed without data.
func (r *repairBudget) advance(now time.Time) {
	sec := now.Unix()
	for s := max(r.slotSec+1, sec-dataRateSlots+1); s <= sec; s++ {
		r.slots[s%dataRateSlots] = 0
	}
	r.slotSec = max(r.slotSec, sec)
}

// rate is what may be spent on repairs per second now.
func (r *repairBudget) rate(now time.Time) float64 {
	r.advance(now)
	total := 0
	for _, n := range r.slots {
		total += n
	}
	return max(repairFloor, repairPerData*float64(total)/dataRateSlots)
}

// allow reports whether a repair of cost bytes asked for by host may go,
// and spends it if so.
func (r *repairBudget) allow(now time.Time, host netip.Addr, cost int) bool {
	rate := r.rate(now)
	share := rate / repairHostShare
	if r.hosts == nil {
		r.hosts = map[netip.Addr]*tokenBucket{}
	}
	h := r.hosts[host]
	if h == nil {
		if len(r.hosts) >= repairHosts {
			r.forgetOldest()
		}
		h = &tokenBucket{}
		r.hosts[host] = h
	}
	// The computer's share first, so one that is refused does not drain
	// what the others may spend.
	if !h.take(now, float64(cost), share, max(share, repairHostBurst)) {
		return false
	}
	if !r.global.take(now, float64(cost), rate, max(rate, 2*repairHostBurst)) {
		h.tokens += float64(cost) // not spent after all
		return false
	}
	return true
}

func (r *repairBudget) forgetOldest() {
	var oldest netip.Addr
	var at time.Time
	for a, b := range r.hosts {
		if at.IsZero() || b.at.Before(at) {
			oldest, at = a, b.at
		}
	}
	delete(r.hosts, oldest)
}
