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
	"runtime"
	"strings"
	"time"

	"github.com/groupcast/groupcast/internal/bench"
	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/wire"
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
	if ro.Role != "" {
		g, err := netip.ParseAddrPort(*group)
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
	if o.Trace != "" && !*lab {
		return usageError(stdio, fmt.Errorf("-trace goes with -lab"))
	}
	if *lab {
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
		return runLabBench(ctx, o, *asJSON, stdio)
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
	return printBench(stdio, *asJSON, machine, o, rows)
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

// runLabBench measures between hosts: network namespaces on a bridge,
// made here and removed at the end, host 0 sending and hosts 1… receiving.
func runLabBench(ctx context.Context, o bench.Options, asJSON bool, stdio IO) int {
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		return usageError(stdio, fmt.Errorf("-lab needs root on Linux (it makes network namespaces)"))
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return usageError(stdio, fmt.Errorf("-lab needs the ip command (iproute2)"))
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "groupcast: %v\n", err)
		return ExitFailure
	}
	l := &labHosts{self: self, prefix: fmt.Sprintf("gcbench%d", os.Getpid()%100000)}
	defer l.destroy()
	if err := l.make(1 + o.Receivers); err != nil {
		fmt.Fprintf(stdio.Stderr, "groupcast: make the lab: %v\n", err)
		return ExitFailure
	}
	machine := machineInfo()
	if !asJSON {
		fmt.Fprintf(stdio.Stderr, "%s\nmeasuring between %d network namespaces on a bridge (veth), %d-byte messages, %s per run…\n",
			machine, 1+o.Receivers, o.Size, o.Duration)
	}
	rows, err := bench.LabRunAll(ctx, l, o, func(r bench.Result) {
		if !asJSON {
			fmt.Fprintf(stdio.Stderr, "  %s: %.0f msg/s\n", r.Name, r.PerSecond)
		}
	})
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "groupcast: %s\n", oneLine(netconf.Explain(err)))
		return ExitFailure
	}
	return printBench(stdio, asJSON, machine+", lab of network namespaces", o, rows)
}

// labHosts are network namespaces on one bridge, 198.18.0.0/24.
type labHosts struct {
	self, prefix string
	hosts        []string
}

func (l *labHosts) ip(args ...string) error {
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func (l *labHosts) make(n int) error {
	hub := l.prefix + "-hub"
	steps := [][]string{{"netns", "add", hub}, {"-n", hub, "link", "set", "lo", "up"},
		{"-n", hub, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0"}, {"-n", hub, "link", "set", "br0", "up"}}
	for i := range n {
		h, port := fmt.Sprintf("%s-h%d", l.prefix, i), fmt.Sprintf("%sv%d", l.prefix, i)
		l.hosts = append(l.hosts, h)
		steps = append(steps, []string{"netns", "add", h}, []string{"-n", h, "link", "set", "lo", "up"},
			[]string{"link", "add", port, "netns", hub, "type", "veth", "peer", "name", "eth0", "netns", h},
			[]string{"-n", hub, "link", "set", port, "master", "br0", "up"},
			[]string{"-n", h, "addr", "add", fmt.Sprintf("198.18.0.%d/24", i+1), "dev", "eth0"},
			[]string{"-n", h, "link", "set", "eth0", "up"},
			[]string{"-n", h, "route", "add", "default", "dev", "eth0"})
	}
	for _, s := range steps {
		if err := l.ip(s...); err != nil {
			return err
		}
	}
	return nil
}

func (l *labHosts) destroy() {
	for _, h := range append(l.hosts, l.prefix+"-hub") {
		_ = exec.Command("ip", "netns", "del", h).Run()
	}
}

func (l *labHosts) Command(ctx context.Context, host int, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", l.hosts[host], l.self}, args...)...)
	cmd.Env = append(os.Environ(), "GROUPCAST_BENCH_NETNS=1")
	return cmd
}

func (l *labHosts) Iface() string { return "eth0" }

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
