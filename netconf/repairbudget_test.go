package netconf

import (
	"net/netip"
	"testing"
	"time"
)

func TestRepairBudget(t *testing.T) {
	var r repairBudget
	now := time.Unix(1000, 0)
	flooder, real := netip.MustParseAddr("198.18.0.9"), netip.MustParseAddr("198.18.0.2")
	spend := func(host netip.Addr, d time.Duration) (bytes int) {
		for end := now.Add(d); now.Before(end); now = now.Add(time.Millisecond) {
			for r.allow(now, host, 1000) {
				bytes += 1000
			}
		}
		return bytes
	}
	// A quiet sender: the floor. One computer gets its burst, then a
	// quarter of the floor per second.
	got := spend(flooder, 10*time.Second)
	want := repairHostBurst + 10*repairFloor/repairHostShare
	if got < want*9/10 || got > want*11/10 {
		t.Fatalf("a flooding computer got %d bytes of repairs in 10 s; want about %d", got, want)
	}
	// Meanwhile another computer is answered in full.
	if got := spend(real, 10*time.Millisecond); got < 64<<10 {
		t.Fatalf("a real receiver got %d bytes during the flood", got)
	}
	// A sender streaming 1 MB/s may repair twice that.
	for range 5 {
		now = now.Add(time.Second)
		r.sent(now, 1<<20)
	}
	if rate := r.rate(now); rate < 1.9*(1<<20) || rate > 2.1*(1<<20) {
		t.Fatalf("rate %.0f after 1 MB/s of data", rate)
	}
	now = now.Add(10 * time.Second)
	if rate := r.rate(now); rate != repairFloor {
		t.Fatalf("rate %.0f after 10 s of silence; want the floor", rate)
	}
	// The table of computers is bounded.
	for i := range 3 * repairHosts {
		r.allow(now, netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 1)
	}
	if len(r.hosts) > repairHosts {
		t.Fatalf("%d computers tracked", len(r.hosts))
	}
}
