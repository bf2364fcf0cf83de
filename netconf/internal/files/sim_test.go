package files

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/groupcast/groupcast/netconf/wire"
)

// TestPassesUnderLoss simulates a sender and receivers that each lose
// some of what is sent (NACKs too), NACKing as docs/FILES.md says: every
// 100-150 ms for the groups a pass has sent, and at each end of pass for
// all. Every receiver gets every block, and the blocks on the wire stay
// within the limits: parity blocks repair different losses at different
// receivers, so with 10 receivers at 1% the repairs are about 3% of the
// file, not the 10% that resending lost blocks would cost.
func TestPassesUnderLoss(t *testing.T) {
	for _, c := range []struct {
		name      string
		loss      []int // per receiver, in 1/1000
		maxFactor float64
	}{
		{"5 receivers at 1%", []int{10, 10, 10, 10, 10}, 1.05},
		{"10 receivers at 1%", []int{10, 10, 10, 10, 10, 10, 10, 10, 10, 10}, 1.05},
		{"one receiver at 10% among three at 1%", []int{10, 10, 10, 100}, 1.20},
		{"no loss", []int{0, 0, 0}, 1.0},
	} {
		t.Run(c.name, func(t *testing.T) {
			sent, blocks, passes, took := simulate(t, c.loss, 20<<20)
			factor := float64(sent) / float64(blocks)
			t.Logf("%d blocks sent for %d (%.3f), %d passes, %v", sent, blocks, factor, passes, took)
			if factor > c.maxFactor {
				t.Fatalf("%.3f times the file's blocks on the wire, limit %.2f", factor, c.maxFactor)
			}
		})
	}
}

func simulate(t *testing.T, loss []int, size uint64) (sent, blocks uint64, passes int, took time.Duration) {
	o := wire.FileOffer{ID: wire.FileID{7}, Size: size, BlockSize: 1348, Group: wire.MaxFileGroup, Pass: 1, Name: "f"}
	r := rand.New(rand.NewPCG(7, 9))
	now := time.Unix(1000, 0)
	s := NewSender(o, now)
	pacer := NewPacer(40_000, now) // blocks a second: 430 Mbit/s
	type receiver struct {
		r       *Receiver
		loss    int
		nextAsk time.Time
	}
	rs := make([]*receiver, len(loss))
	for k := range rs {
		rs[k] = &receiver{r: NewReceiver(o), loss: loss[k], nextAsk: now.Add(100 * time.Millisecond)}
	}
	block := make([]byte, o.BlockSize)
	done := func() bool {
		for _, rc := range rs {
			if !rc.r.Complete() {
				return false
			}
		}
		return true
	}
	ask := func(rc *receiver, upto uint64) {
		if base, needs, ok := rc.r.Nack(upto); ok && r.IntN(1000) >= rc.loss { // NACKs are lost too
			if _, over := s.Asked(wire.FileNack{Base: base, Needs: needs}, now, nil); over {
				pacer.Overrun(now)
			}
		}
	}
	for step := 0; !done(); step++ {
		if step > 600_000 {
			t.Fatalf("not done after 10 minutes of simulated time: %d passes", passes)
		}
		now = now.Add(time.Millisecond)
		for n := pacer.Take(now, 1000); n > 0; n-- {
			sh, ok := s.Next(now)
			if !ok {
				break
			}
			sent++
			for _, rc := range rs {
				if r.IntN(1000) < rc.loss {
					continue
				}
				if _, g, restorable := rc.r.Take(sh.Seq(), block[:o.ShardLen(sh)]); restorable {
					rc.r.Restored(g.Group) // Code restores it: TestCodeRestoresAGroup
				}
			}
		}
		if s.PassSent() {
			passes++
			s.NextPass()
			for _, rc := range rs { // the offer marked "end of pass"
				ask(rc, o.Groups())
			}
		}
		for _, rc := range rs {
			if !now.Before(rc.nextAsk) {
				ask(rc, s.SentGroups())
				rc.nextAsk = now.Add(time.Duration(100+r.IntN(50)) * time.Millisecond)
			}
		}
	}
	return sent, o.Blocks(), passes, now.Sub(time.Unix(1000, 0))
}
