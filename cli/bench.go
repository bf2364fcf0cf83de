package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/groupcast/groupcast/internal/bench"
	"github.com/groupcast/groupcast/netconf"
)

// runBench measures the engine against the bare socket on loopback. As
// root it re-runs itself inside a new network namespace (unshare -n), so
// nothing it sends can reach a real network and nothing else shares lo.
func runBench(ctx context.Context, args []string, stdio IO) int {
	fs := flag.NewFlagSet("groupcast bench", flag.ContinueOnError)
	o := bench.Options{}
	fs.DurationVar(&o.Duration, "duration", 3*time.Second, "length of each throughput run")
	fs.IntVar(&o.Size, "size", 200, "message size in bytes")
	fs.IntVar(&o.Receivers, "receivers", 3, "receivers for the 1 → N runs")
	fs.IntVar(&o.Rate, "rate", 1000, "messages/s for the latency runs")
	fs.IntVar(&o.Samples, "samples", 3000, "latency samples per run")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	if code, done := parseFlags(fs, args, stdio); done {
		return code
	}
	if o.Size < 8 || o.Size > netconf.MaxText || o.Receivers < 1 || o.Receivers > 32 || o.Rate < 1 || o.Samples < 10 {
		return usageError(stdio, fmt.Errorf("-size 8-%d, -receivers 1-32, -rate ≥ 1 and -samples ≥ 10", netconf.MaxText))
	}
	if os.Geteuid() == 0 && os.Getenv("GROUPCAST_BENCH_NETNS") == "" && runtime.GOOS == "linux" {
		if self, err := os.Executable(); err == nil {
			if _, err := exec.LookPath("unshare"); err == nil {
				cmd := exec.CommandContext(ctx, "unshare", "-n", "sh", "-c", `ip link set lo up && exec "$0" "$@"`, self, "bench")
				cmd.Args = append(cmd.Args, args...)
				cmd.Env = append(os.Environ(), "GROUPCAST_BENCH_NETNS=1")
				cmd.Stdin, cmd.Stdout, cmd.Stderr = stdio.Stdin, stdio.Stdout, stdio.Stderr
				if err := cmd.Run(); err != nil {
					if ee, ok := err.(*exec.ExitError); ok {
						return ee.ExitCode()
					}
					fmt.Fprintf(stdio.Stderr, "groupcast: bench in a private network namespace: %v\n", err)
					return ExitFailure
				}
				return ExitOK
			}
		}
	}
	all, err := netconf.ListInterfaces(netconf.DefaultGroup.Addr())
	if err != nil {
		return usageError(stdio, err)
	}
	for _, i := range all {
		if i.Loopback && i.Up {
			o.Iface = i.Name
		}
	}
	if o.Iface == "" {
		return usageError(stdio, fmt.Errorf("no loopback interface is up"))
	}
	machine := machineInfo()
	if !*asJSON {
		fmt.Fprintf(stdio.Stderr, "%s\nmeasuring on %s, %d-byte messages, %s per run…\n", machine, o.Iface, o.Size, o.Duration)
	}
	rows, err := bench.Run(ctx, o, func(r bench.Result) {
		if !*asJSON {
			fmt.Fprintf(stdio.Stderr, "  %s: %.0f msg/s\n", r.Name, r.PerSecond)
		}
	})
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "groupcast: %s\n", oneLine(netconf.Explain(err)))
		return ExitFailure
	}
	if *asJSON {
		enc := json.NewEncoder(stdio.Stdout)
		_ = enc.Encode(struct {
			Event   string         `json:"event"`
			Machine string         `json:"machine"`
			Options bench.Options  `json:"options"`
			Rows    []bench.Result `json:"rows"`
		}{"bench", machine, o, rows})
		return ExitOK
	}
	fmt.Fprint(stdio.Stdout, bench.Table(rows))
	return ExitOK
}

func machineInfo() string {
	model := runtime.GOARCH
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				if _, v, ok := strings.Cut(l, ":"); ok {
					model = strings.TrimSpace(v)
				}
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d cores, %s/%s, %s", model, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
}
