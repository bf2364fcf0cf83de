// Package bench measures Groupcast against the physical limit of the
// machine: a bare UDP multicast sender and receiver of the same message
// size, then the engine with reliability on, one to one and one to many,
// with and without a passphrase. All traffic is on the loopback interface
// (the command runs itself in a private network namespace when it can).
package bench

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"sync/atomic"
	"time"
)

// Options say what to measure.
type Options struct {
	Iface     string        // the loopback interface's name
	Size      int           // message size in bytes
	Duration  time.Duration // of each throughput run
	Receivers int           // for the 1 → N runs
	Rate      int           // messages/s for the latency runs
	Samples   int           // latency samples
	// Trace, with -lab, is a directory where each role process writes
	// its execution trace (runtime/trace; go tool trace reads it).
	Trace string `json:",omitempty"`
}

// Result is one row of the table.
type Result struct {
	Name       string  `json:"name"`
	Receivers  int     `json:"receivers"`
	Passphrase bool    `json:"passphrase"`
	PerSecond  float64 `json:"messages_per_second"`
	OfBare     float64 `json:"of_bare"`
	P50us      float64 `json:"p50_us,omitempty"`
	P99us      float64 `json:"p99_us,omitempty"`
	P999us     float64 `json:"p999_us,omitempty"`
	CPUus      float64 `json:"cpu_us_per_message"`
	HeapMB     float64 `json:"heap_mb"`
	Delivered  uint64  `json:"delivered"`
	Lost       uint64  `json:"lost"`
	// Drops counts datagrams the kernel dropped because a receive buffer
	// was full (UDP RcvbufErrors in /proc/net/snmp, Linux only) during
	// the throughput run; Repairs is how many the sender sent again.
	Drops   uint64 `json:"kernel_drops"`
	Repairs uint64 `json:"repairs"`
	// StealMs is the CPU time the hypervisor gave to others while the
	// latency samples ran: this machine's vCPUs were not running at all
	// (steal in /proc/stat, summed over CPUs; Linux, 0 elsewhere). A
	// stolen slice stalls whatever thread had that vCPU, the bare
	// socket's as much as ours.
	StealMs float64 `json:"steal_ms"`
}

// setLatency records the percentiles of lat (which it sorts).
func (r *Result) setLatency(lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	q := func(p float64) float64 {
		return float64(lat[min(int(p*float64(len(lat))), len(lat)-1)].Nanoseconds()) / 1e3
	}
	r.P50us, r.P99us, r.P999us = q(0.50), q(0.99), q(0.999)
}

func perMessage(cpu time.Duration, n uint64) float64 {
	if n == 0 {
		return 0
	}
	return float64(cpu.Microseconds()) / float64(n)
}

// stampLen is the "t" + 19 decimal digits of a latency sample's send time.
const stampLen = 20

// stamped reports whether a payload is a latency sample, and its send
// time: "t" and 19 digits of Unix nanoseconds.
func stamped(b []byte) (int64, bool) {
	if len(b) < stampLen || b[0] != 't' {
		return 0, false
	}
	v, err := strconv.ParseInt(string(b[1:stampLen]), 10, 64)
	return v, err == nil
}

func stamp(size int, body []byte) []byte {
	s := fmt.Appendf(nil, "t%019d", time.Now().UnixNano())
	return append(s, body[:max(size-stampLen, 0)]...)
}

var port atomic.Uint32

func nextGroup() netip.AddrPort {
	return netip.AddrPortFrom(netip.MustParseAddr("239.255.99.1"), uint16(42000+port.Add(1)))
}

// benchPassphrase keys the passphrase rows.
const benchPassphrase = "benchmark passphrase of decent length"

// bareRuns is how many times the bare socket is measured: the best run is
// the limit the engine is compared with (a single run varies by ±20% on a
// 2-core virtual machine).
const bareRuns = 3

// Run measures everything, bare first, and returns the rows.
func Run(ctx context.Context, o Options, progress func(Result)) ([]Result, error) {
	return runRows(o, progress, func() (Result, error) { return Bare(o) },
		func(receivers int, pass string, bare float64) (Result, error) {
			return Engine(ctx, o, receivers, pass, bare)
		})
}

// runRows measures the bare limit (best of bareRuns) and then the engine
// rows: 1 → 1 and 1 → N, without and with a passphrase.
func runRows(o Options, progress func(Result), bare func() (Result, error),
	engine func(receivers int, pass string, bare float64) (Result, error)) ([]Result, error) {
	var best Result
	for range bareRuns {
		r, err := bare()
		if err != nil {
			return nil, fmt.Errorf("bare socket: %w", err)
		}
		if r.PerSecond > best.PerSecond {
			best = r
		}
	}
	progress(best)
	rows := []Result{best}
	for _, run := range []struct {
		receivers int
		pass      string
	}{{1, ""}, {o.Receivers, ""}, {1, benchPassphrase}, {o.Receivers, benchPassphrase}} {
		r, err := engine(run.receivers, run.pass, best.PerSecond)
		if err != nil {
			return rows, fmt.Errorf("%s: %w", r.Name, err)
		}
		progress(r)
		rows = append(rows, r)
	}
	return rows, nil
}
