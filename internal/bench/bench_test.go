package bench

import (
	"context"
	"testing"
	"time"

	"github.com/groupcast/groupcast/internal/testnet"
)

// TestRunMeasures runs every measurement briefly: each row must report a
// rate, the engine rows latency, and nothing lost on loopback.
func TestRunMeasures(t *testing.T) {
	if testing.Short() {
		t.Skip("a few seconds of traffic")
	}
	o := Options{Iface: testnet.Loopback(t), Size: 200, Duration: 200 * time.Millisecond, Receivers: 2, Rate: 500, Samples: 50}
	rows, err := Run(context.Background(), o, func(Result) {})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 || rows[0].PerSecond <= 0 {
		t.Fatalf("rows %+v", rows)
	}
	for _, r := range rows[1:] {
		if r.PerSecond <= 0 || r.P50us <= 0 || r.P99us < r.P50us || r.Lost != 0 || r.OfBare <= 0 {
			t.Errorf("%s: %+v", r.Name, r)
		}
	}
	t.Log("\n" + Table(rows))
}

func TestStealMs(t *testing.T) {
	stat := "cpu  1306743 0 413003 2389889 8772 0 86268 108600 0 0\ncpu0 644937 0 202694 1210005 3191 0 41694 54150 0 0\n"
	if got := StealMs(stat); got != 1086000 {
		t.Errorf("StealMs = %v, want 1086000", got)
	}
	if got := StealMs("cpu  1 2 3\n"); got != 0 {
		t.Errorf("short line: %v", got)
	}
}
