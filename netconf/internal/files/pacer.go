package files

import "time"

// Pacer spaces a sender's blocks: it starts at the cap and halves on an
// overrun (at most once per CutInterval), then grows by an eighth every
// GrowInterval up to the cap, never below MinRate (docs/FILES.md,
// "Rate"). Rates are blocks per second.
type Pacer struct {
	rate, cap float64
	tokens    float64
	last      time.Time // tokens were counted up to here
	lastCut   time.Time
	lastGrow  time.Time
}

// Pacing constants.
const (
	MinRate      = 64
	CutInterval  = 100 * time.Millisecond
	GrowInterval = 50 * time.Millisecond
	// maxQuantum bounds a Quantum, and burst the blocks sent at once
	// after a pause: twice as many, so tokens that come while a quantum
	// gathers are not lost to the bound (the rate would be 4% short).
	maxQuantum = 64
	burst      = 2 * maxQuantum
)

// NewPacer sends at up to cap blocks a second.
func NewPacer(cap float64, now time.Time) *Pacer {
	cap = max(cap, MinRate)
	return &Pacer{rate: cap, cap: cap, last: now, lastGrow: now}
}

// Rate is the current rate, in blocks per second.
func (p *Pacer) Rate() float64 { return p.rate }

// Quantum is how many blocks go out together: some 4 ms of the rate,
// from 1 to maxQuantum. Blocks sent one at a time, evenly spaced, wake
// every receiver once per block; in bursts, once per burst (and the
// sender once per burst too), and a receiver that gathers a burst
// (mcast.GatherDelay) reads it in one or two calls.
func (p *Pacer) Quantum() int { return int(min(max(p.rate/250, 1), maxQuantum)) }

// Take reports how many blocks may be sent now (at most want): none
// until a Quantum of them (or want, if fewer) may go. It spends them.
func (p *Pacer) Take(now time.Time, want int) int {
	p.grow(now)
	if d := now.Sub(p.last); d > 0 {
		p.tokens = min(p.tokens+d.Seconds()*p.rate, burst)
		p.last = now
	}
	if p.tokens < float64(min(p.Quantum(), want)) {
		return 0
	}
	n := min(want, int(p.tokens))
	p.tokens -= float64(n)
	return n
}

// Wait is how long until a Quantum of blocks may be sent.
func (p *Pacer) Wait() time.Duration {
	q := float64(p.Quantum())
	if p.tokens >= q {
		return 0
	}
	return time.Duration((q - p.tokens) / p.rate * float64(time.Second))
}

// Overrun halves the rate, once per CutInterval.
func (p *Pacer) Overrun(now time.Time) {
	if !p.lastCut.IsZero() && now.Sub(p.lastCut) < CutInterval {
		return
	}
	p.lastCut, p.lastGrow = now, now
	p.rate = max(p.rate/2, MinRate)
}

func (p *Pacer) grow(now time.Time) {
	for now.Sub(p.lastGrow) >= GrowInterval && p.rate < p.cap {
		p.rate = min(p.rate*9/8, p.cap)
		p.lastGrow = p.lastGrow.Add(GrowInterval)
	}
	if p.rate >= p.cap {
		p.lastGrow = now
	}
}
