package keep

import (
	"fmt"
	"testing"
	"time"

	"github.com/groupcast/groupcast/internal/history"
	"github.com/groupcast/groupcast/internal/memnet"
	"github.com/groupcast/groupcast/netconf"
)

// BenchmarkKeepFromEngine: messages from the network (an engine on the
// in-memory bus) delivered to a user who keeps them as the window and
// `listen -history` do — a burst's rows committed in one transaction,
// then shown — against one who keeps nothing. msg/s is delivery with
// history kept; the target is 10 000 a second without slowing delivery.
//
// rate=max sends as fast as the engine takes messages: how many a second
// can be kept at most. rate=10000 sends 10 000 a second: kept, they are
// still delivered at that rate.
func BenchmarkKeepFromEngine(b *testing.B) {
	for _, c := range []struct {
		kept bool
		rate int // messages a second; 0: as fast as they go
	}{{false, 0}, {true, 0}, {false, 10000}, {true, 10000}} {
		kept := c.kept
		rate := "max"
		if c.rate > 0 {
			rate = fmt.Sprint(c.rate)
		}
		b.Run(fmt.Sprintf("kept=%v/rate=%s", kept, rate), func(b *testing.B) {
			hub := memnet.NewHub()
			join := func(nick string, archive netconf.Archive) *netconf.Engine {
				e := netconf.New(netconf.WithTransport(func(netconf.Config) (netconf.Transport, error) {
					return netconf.PacketTransport(hub.Join(), memnet.Group, hub.JoinAt(memnet.Control), memnet.Control), nil
				}))
				cfg := netconf.DefaultConfig()
				cfg.Nick, cfg.Archive = nick, archive
				e.Do(netconf.Join{Config: cfg})
				return e
			}
			var store *history.Store
			var archive netconf.Archive
			conv := Conv{Group: netconf.DefaultGroup.String()}
			if kept {
				s, err := history.Open(b.TempDir())
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				store, archive = s, s.Archive(conv.Group)
			}
			rx := join("Keeper", archive)
			defer rx.Close()
			tx := join("Sender", nil)
			defer tx.Close()
			go func() {
				for range tx.Events() {
				}
			}()
			time.Sleep(300 * time.Millisecond) // both have joined and heard each other
			b.ResetTimer()
			start := time.Now()
			go func() {
				for i := range b.N {
					if c.rate > 0 && i%100 == 0 {
						// 100 at a time, on time: a burst's worth.
						time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(c.rate))))
					}
					tx.Do(netconf.Send{Text: fmt.Sprintf("message %d of the benchmark, about as long as a chat line", i)})
				}
			}()
			var recs []history.Record
			got := 0
			for got < b.N {
				ev := <-rx.Events()
				if _, ok := ev.(netconf.Message); ok {
					got++
				}
				if store == nil {
					continue
				}
				if r, ok := Row(ev, conv, time.Now()); ok {
					recs = append(recs, r)
				}
				if len(rx.Events()) > 0 && len(recs) < 256 {
					continue
				}
				if err := store.Add(recs); err != nil {
					b.Fatal(err)
				}
				clear(recs)
				recs = recs[:0]
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msg/s")
		})
	}
}
