package bench

import (
	"fmt"
	"strings"
)

// Table renders rows for a terminal.
func Table(rows []Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-32s %12s %8s %9s %9s %9s %10s %8s %9s %9s %9s\n", "run", "msg/s", "of bare", "p50 µs", "p99 µs", "p99.9 µs", "CPU µs/msg", "heap MB", "drops", "repairs", "steal ms")
	for _, r := range rows {
		lat := func(v float64) string {
			if v == 0 {
				return "-"
			}
			return fmt.Sprintf("%.0f", v)
		}
		steal := "-" // no latency samples, no steal measured
		if r.P50us > 0 {
			steal = fmt.Sprintf("%.0f", r.StealMs)
		}
		fmt.Fprintf(&b, "%-32s %12.0f %7.0f%% %9s %9s %9s %10.2f %8.1f %9d %9d %9s\n", r.Name, r.PerSecond, 100*r.OfBare,
			lat(r.P50us), lat(r.P99us), lat(r.P999us), r.CPUus, r.HeapMB, r.Drops, r.Repairs, steal)
	}
	return b.String()
}
