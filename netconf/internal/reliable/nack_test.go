package reliable

import (
	"testing"
	"time"

	"github.com/groupcast/groupcast/netconf/wire"
)

// TestScheduleNackDrawsOnlyWhenMissing: the delay (a random draw) is asked
// for only when a NACK is planned, not for every datagram in order.
func TestScheduleNackDrawsOnlyWhenMissing(t *testing.T) {
	p := testPeer()
	now := time.Unix(1000, 0)
	draws := 0
	delay := func() time.Duration { draws++; return 30 * time.Millisecond }

	hold(p, 1, "a", wire.Frag{}) // in order: nothing missing
	if p.ScheduleNack(now, delay) || draws != 0 {
		t.Fatalf("nothing missing: planned a NACK or drew a delay (%d draws)", draws)
	}
	hold(p, 3, "c", wire.Frag{}) // 2 is missing
	if !p.ScheduleNack(now, delay) || draws != 1 {
		t.Fatalf("2 missing: no NACK planned, or %d draws", draws)
	}
	if p.NackDue(now.Add(29*time.Millisecond)) || !p.NackDue(now.Add(30*time.Millisecond)) {
		t.Fatal("the NACK is not due after the delay drawn")
	}
	if p.ScheduleNack(now, delay) || draws != 1 {
		t.Fatalf("a NACK already planned: planned again, or %d draws", draws)
	}
}
