package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/groupcast/groupcast/internal/bench"
	"github.com/groupcast/groupcast/internal/netlab"
	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/wire"
)

// runBench measures the engine against the bare socket: on loopback, or
// with -lab between network namespaces on a bridge.
func runBench(ctx context.Context, args []string, stdio IO) int {
	fs := flag.NewFlagSet("groupcast bench", flag.ContinueOnError)
	o := bench.Options{}
	fs.DurationVar(&o.Duration, "duration", 3*time.Second, "length of each throughput run")
	fs.IntVar(&o.Size, "size", 200, "message size in bytes")
	fs.IntVar(&o.Receivers, "receivers", 3, "receivers for the 1 → N runs")
	fs.IntVar(&o.Rate, "rate", 1000, "messages/s for the latency runs")
	fs.IntVar(&o.Samples, "samples", 3000, "latency samples per run")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	fs.StringVar(&o.Trace, "trace", "", "with -lab: write each role process's execution trace (runtime/trace) into this directory")
	lab := fs.Bool("lab", false, "measure between network namespaces on a bridge, each sender and receiver a process of its own (root, Linux, iproute2)")
	var ro bench.RoleOptions
	fs.StringVar(&ro.Role, "role", "", "internal: run one role of -lab (send or receive)")
	fs.StringVar(&ro.Kind, "kind", "engine", "internal: bare or engine")
	group := fs.String("group", "", "internal: the group of a role")
	fs.StringVar(&ro.Iface, "iface", "", "internal: the interface of a role")
	if code, done := parseFlags(fs, args, stdio); done {
		return code
	}
	if o.Size < 8 || o.Size > wire.MaxText || o.Receivers < 1 || o.Receivers > 32 || o.Rate < 1 || o.Samples < 10 {
		return usageError(stdio, fmt.Errorf("-size 8-%d, -receivers 1-32, -rate ≥ 1 and -samples ≥ 10", wire.MaxText))
	}
	switch {
	case ro.Role != "":
		return runRole(ctx, ro, o, *group, stdio)
	case o.Trace != "" && !*lab:
		return usageError(stdio, fmt.Errorf("-trace goes with -lab"))
	case *lab:
		return runLabBench(ctx, o, *asJSON, stdio)
	case netlab.CanIsolate():
		return runIsolated(ctx, args, stdio)
	}
	return runLoopBench(ctx, o, *asJSON, stdio)
}

// runRole is one process of a -lab run: it sends or receives as host 0
// of the lab tells it on stdin.
func runRole(ctx context.Context, ro bench.RoleOptions, o bench.Options, group string, stdio IO) int {
	g, err := netip.ParseAddrPort(group)
	if err != nil {
		return usageError(stdio, fmt.Errorf("-group: %v", err))
	}
	ro.Group, ro.Size, ro.Duration, ro.Rate, ro.Samples, ro.Trace = g, o.Size, o.Duration, o.Rate, o.Samples, o.Trace
	ro.Passphrase = os.Getenv("GROUPCAST_KEY")
	ro.Joined = oneThread // as listen, send and chat run, bare roles alike
	if err := bench.RunRole(ctx, ro, stdio.Stdin, stdio.Stdout); err != nil {
		return ExitFailure
	}
	return ExitOK
}

// runIsolated runs this bench again in a network namespace of its own
// (as root), so nothing it sends can reach a real network and nothing
// else shares lo.
func runIsolated(ctx context.Context, args []string, stdio IO) int {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "groupcast: %v\n", err)
		return ExitFailure
	}
	cmd := netlab.IsolatedCommand(ctx, self, append([]string{"bench"}, args...)...)
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

// runLoopBench measures on this computer's loopback interface.
func runLoopBench(ctx context.Context, o bench.Options, asJSON bool, stdio IO) int {
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
	machine := bench.Machine()
	if !asJSON {
		fmt.Fprintf(stdio.Stderr, "%s\nmeasuring on %s, %d-byte messages, %s per run…\n", machine, o.Iface, o.Size, o.Duration)
	}
	rows, err := bench.Run(ctx, o, progress(asJSON, stdio))
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "groupcast: %s\n", oneLine(netconf.Explain(err)))
		return ExitFailure
	}
	return printBench(stdio, asJSON, machine, o, rows)
}

// progress prints each result as it comes, unless the output is JSON.
func progress(asJSON bool, stdio IO) func(bench.Result) {
	return func(r bench.Result) {
		if !asJSON {
			fmt.Fprintf(stdio.Stderr, "  %s: %.0f msg/s\n", r.Name, r.PerSecond)
		}
	}
}

// printBench prints the rows as a table, or as one JSON object.
func printBench(stdio IO, asJSON bool, machine string, o bench.Options, rows []bench.Result) int {
	if asJSON {
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

// runLabBench measures between hosts (bench.Lab), host 0 sending and
// hosts 1… receiving, each a process of its own.
func runLabBench(ctx context.Context, o bench.Options, asJSON bool, stdio IO) int {
	if why := netlab.Available(); why != "" {
		return usageError(stdio, fmt.Errorf("-lab: %s", why))
	}
	if o.Trace != "" {
		dir, err := filepath.Abs(o.Trace)
		if err == nil {
			err = os.MkdirAll(dir, 0o755)
		}
		if err != nil {
			return usageError(stdio, fmt.Errorf("-trace: %v", err))
		}
		o.Trace = dir
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "groupcast: %v\n", err)
		return ExitFailure
	}
	lab, err := bench.NewLab(self, 1+o.Receivers)
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "groupcast: make the lab: %v\n", err)
		return ExitFailure
	}
	defer lab.Close()
	machine := bench.Machine()
	if !asJSON {
		fmt.Fprintf(stdio.Stderr, "%s\nmeasuring between %d network namespaces on a bridge (veth), %d-byte messages, %s per run…\n",
			machine, 1+o.Receivers, o.Size, o.Duration)
	}
	rows, err := bench.LabRunAll(ctx, lab, o, progress(asJSON, stdio))
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "groupcast: %s\n", oneLine(netconf.Explain(err)))
		return ExitFailure
	}
	return printBench(stdio, asJSON, machine+", lab of network namespaces", o, rows)
}
