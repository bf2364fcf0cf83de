package bench

import (
	"context"
	"net"
	"testing"
	"time"
)

func loopback(t *testing.T) string {
	ifs, _ := net.Interfaces()
	for _, i := range ifs {
		if i.Flags&net.FlagLoopback != 0 && i.Flags&net.FlagUp != 0 {
			return i.Name
		}
	}
	t.Skip("no loopback interface")
	return ""
}

// TestRunMeasures runs every measurement briefly: each row must report a
// rate, the engine rows latency, and nothing lost on loopback.
func TestRunMeasures(t *testing.T) {
	if testing.Short() {
		t.Skip("a few seconds of traffic")
	}
	o := Options{Iface: loopback(t), Size: 200, Duration: 200 * time.Millisecond, Receivers: 2, Rate: 500, Samples: 50}
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
