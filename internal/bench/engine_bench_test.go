package bench

import (
	"context"
	"testing"
	"time"
)

// BenchmarkEngineSustained runs the engine 1 → 1 for two seconds per
// iteration: for profiling (go test -bench Sustained -cpuprofile).
func BenchmarkEngineSustained(b *testing.B) {
	o := Options{Iface: "lo", Size: 200, Duration: 3 * time.Second, Receivers: 1, Rate: 1000, Samples: 100}
	for b.Loop() {
		r, err := Engine(context.Background(), o, 1, "", 100000)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(r.PerSecond, "msg/s")
		b.ReportMetric(r.P99us, "p99-µs")
	}
}
