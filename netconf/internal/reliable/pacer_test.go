package reliable

import (
	"testing"
	"time"

	"github.com/groupcast/groupcast/netconf/wire"
)

func TestPacer(t *testing.T) {
	var p Pacer
	now := time.Unix(1000, 0)
	if w := p.wait(now); w != 0 {
		t.Fatalf("a new pacer waits %v", w)
	}
	// 20 000 datagrams/s for half a second: never limited.
	for range 10000 {
		now = now.Add(50 * time.Microsecond)
		p.Sent(now, 1)
		if w := p.wait(now); w != 0 {
			t.Fatalf("limited before any NACK: %v", w)
		}
	}
	// A receiver misses recent data: half the measured rate.
	p.overrun(now, 9000, 10000)
	if p.rate < 9000 || p.rate > 11000 {
		t.Fatalf("rate after the first cut = %.0f; want about 10 000", p.rate)
	}
	first := p.rate
	p.overrun(now.Add(10*time.Millisecond), 9500, 10000) // the same loss, told by another receiver
	if p.rate != first {
		t.Fatalf("cut twice within %v: %.0f", paceCutEvery, p.rate)
	}
	p.overrun(now.Add(time.Second), 9990, 10000) // data sent before the cut: the same overload
	if p.rate != first {
		t.Fatalf("cut again for data sent before the last cut: %.0f", p.rate)
	}
	// Sending at the paced rate: a datagram every 1/rate on average.
	sent, start := 0, now
	for now.Sub(start) < time.Second {
		if w := p.wait(now); w > 0 {
			now = now.Add(w)
			continue
		}
		p.Sent(now, 1)
		sent++
	}
	if sent < 9000 || sent > 40000 {
		t.Fatalf("sent %d in the second after the cut at %.0f/s", sent, first)
	}
	// Cuts go no lower than paceMin.
	for i := range 20 {
		now = now.Add(paceCutEvery)
		p.overrun(now, uint64(20000+100*i), uint64(20000+100*i+50))
	}
	if p.rate != paceMin {
		t.Fatalf("rate after many cuts = %.0f; want %v", p.rate, paceMin)
	}
	// Quiet: the rate grows back, and is unlimited again in time.
	now = now.Add(time.Second)
	if p.wait(now); p.rate < 5*paceMin {
		t.Fatalf("rate after a quiet second = %.0f", p.rate)
	}
	now = now.Add(10 * time.Second)
	if w := p.wait(now); w != 0 || p.rate != 0 {
		t.Fatalf("after 10 quiet seconds: rate %.0f, wait %v; want unlimited", p.rate, w)
	}
}

func TestOverrunSign(t *testing.T) {
	for _, c := range []struct {
		ranges []wire.Range
		want   bool
	}{
		{nil, false},
		{[]wire.Range{{First: 5, Last: 5}, {First: 9, Last: 11}}, false}, // random loss
		{[]wire.Range{{First: 5, Last: 5}, {First: 20, Last: 27}}, true}, // a run of 8: a full buffer
		{[]wire.Range{{First: 100, Last: 900}}, true},
	} {
		if _, got := overrunSign(c.ranges); got != c.want {
			t.Errorf("overrunSign(%v) = %v; want %v", c.ranges, got, c.want)
		}
	}
}

// TestFullBufferWaitsWhilePaced: a paced sender (receivers were overrun)
// keeps its young data and stops taking messages when the retransmit
// buffer is full, instead of evicting what a lagging receiver will ask for.
func TestFullBufferWaitsWhilePaced(t *testing.T) {
	now := time.Now()
	const maxBytes = 1000
	var p Pacer
	buf := NewSendBuffer()
	seq := uint64(0)
	add := func(n int) {
		for range n {
			seq++
			buf.Add(seq, now, make([]byte, 100))
			buf.Evict(now, time.Minute, maxBytes, p.Keep())
		}
	}
	add(20)
	if buf.Bytes() > maxBytes {
		t.Fatalf("not paced: %d bytes kept; want at most 1000", buf.Bytes())
	}
	if ok, _ := p.MayTake(now, buf, maxBytes); !ok {
		t.Fatal("not paced, yet commands wait")
	}
	p = Pacer{rate: 1000, tokens: paceBurst, filled: now, cutAt: now, grewAt: now}
	add(20)
	if buf.Bytes() != 1000+20*100 {
		t.Fatalf("paced: %d bytes kept; want the 2 000 of young data on top", buf.Bytes())
	}
	ok, wait := p.MayTake(now, buf, maxBytes)
	if ok || wait <= 0 || wait > overloadKeep {
		t.Fatalf("paced with a full buffer: may take %v, wait %v; want to wait up to %v", ok, wait, overloadKeep)
	}
	now = now.Add(overloadKeep + time.Millisecond)
	buf.Evict(now, time.Minute, maxBytes, p.Keep())
	if buf.Bytes() > maxBytes {
		t.Fatalf("after %v: %d bytes kept", overloadKeep, buf.Bytes())
	}
}
