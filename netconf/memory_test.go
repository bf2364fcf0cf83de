package netconf

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupcast/groupcast/internal/testnet"
)

// TestHeapDoesNotGrowWithMessages streams 80 000 messages from one engine
// to another over loopback and checks, after each 20 000, that the heap
// left after a collection does not grow: nothing is kept per message
// (the sender's retransmit buffer is capped small here so it fills in the
// first round).
func TestHeapDoesNotGrowWithMessages(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	port := testnet.FreePort(t)
	rx := joined(t, loConfig(t, "239.255.3.9", port, "rx"))
	tm := DefaultTiming()
	tm.BufferBytes = 256 << 10
	tx := New(WithTiming(tm))
	t.Cleanup(func() { _ = tx.Close() })
	tx.Do(Join{Config: loConfig(t, "239.255.3.9", port, "tx")})
	nextOf[Joined](t, tx)
	var confirmed, got atomic.Int64
	go func() {
		for ev := range tx.Events() {
			if _, ok := ev.(Sent); ok {
				confirmed.Add(1)
			}
		}
	}()
	go func() {
		for ev := range rx.Events() {
			if _, ok := ev.(Message); ok {
				got.Add(1)
			}
		}
	}()
	const rounds, perRound = 4, 20000
	var heap [rounds]uint64
	var objects [rounds]uint64
	sent := 0
	for r := range rounds {
		for range perRound {
			sent++
			tx.Do(Send{Text: fmt.Sprintf("line %06d — a chat line of about sixty bytes, héllo 世界", sent)})
			for int64(sent)-got.Load() > 2000 { // stay well inside the receive buffer
				time.Sleep(time.Millisecond)
			}
		}
		deadline := time.Now().Add(30 * time.Second)
		// Both sides' events taken: none waits in a queue, holding its text.
		for got.Load() < int64(sent) || confirmed.Load() < int64(sent) {
			if time.Now().After(deadline) {
				t.Fatalf("delivered %d of %d", got.Load(), sent)
			}
			time.Sleep(time.Millisecond)
		}
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heap[r], objects[r] = ms.HeapInuse, ms.HeapObjects
		t.Logf("after %d messages: heap in use %.2f MB, %d objects", sent, float64(ms.HeapInuse)/(1<<20), ms.HeapObjects)
	}
	// From the end of round 1 (buffers and maps at their working size) to
	// the end: 60 000 more messages may add neither objects nor bytes.
	if d := int64(objects[rounds-1]) - int64(objects[1]); d > 500 {
		t.Errorf("%d more heap objects after %d more messages", d, (rounds-2)*perRound)
	}
	if d := int64(heap[rounds-1]) - int64(heap[1]); d > 1<<20 {
		t.Errorf("heap grew %.2f MB over %d messages", float64(d)/(1<<20), (rounds-2)*perRound)
	}
}
