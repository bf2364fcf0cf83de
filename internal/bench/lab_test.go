package bench

import (
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/groupcast/groupcast/internal/testnet"
)

// The test binary doubles as the role program: run with GC_BENCH_ROLE it
// plays the role described there instead of testing.
func TestMain(m *testing.M) {
	if spec := os.Getenv("GC_BENCH_ROLE"); spec != "" {
		var o RoleOptions
		if err := json.Unmarshal([]byte(spec), &o); err != nil {
			os.Exit(2)
		}
		o.Passphrase = os.Getenv("GROUPCAST_KEY")
		if RunRole(context.Background(), o, os.Stdin, os.Stdout) != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

// loopHosts runs every role on this machine's loopback.
type loopHosts struct{ t *testing.T }

func (h loopHosts) Iface() string { return testnet.Loopback(h.t) }

func (h loopHosts) Command(ctx context.Context, host int, args ...string) *exec.Cmd {
	var o RoleOptions
	// The CLI's flags, parsed back for the test binary.
	for i := 1; i+1 < len(args); i += 2 { // args[0] is "bench"
		switch args[i] {
		case "-role":
			o.Role = args[i+1]
		case "-kind":
			o.Kind = args[i+1]
		case "-group":
			o.Group = mustAddrPort(h.t, args[i+1])
		case "-iface":
			o.Iface = args[i+1]
		case "-size":
			o.Size = atoi(h.t, args[i+1])
		case "-duration":
			d, err := time.ParseDuration(args[i+1])
			if err != nil {
				h.t.Fatal(err)
			}
			o.Duration = d
		case "-rate":
			o.Rate = atoi(h.t, args[i+1])
		case "-samples":
			o.Samples = atoi(h.t, args[i+1])
		}
	}
	spec, err := json.Marshal(o)
	if err != nil {
		h.t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GC_BENCH_ROLE="+string(spec))
	return cmd
}

// TestLabRunMeasures runs the lab conductor with role processes on
// loopback: every row reports a rate, latency and CPU, nothing lost.
func TestLabRunMeasures(t *testing.T) {
	if testing.Short() {
		t.Skip("a few seconds of traffic")
	}
	testnet.Loopback(t)
	o := Options{Size: 200, Duration: 200 * time.Millisecond, Receivers: 2, Rate: 500, Samples: 50}
	rows, err := LabRunAll(context.Background(), loopHosts{t}, o, func(Result) {})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 || rows[0].PerSecond <= 0 || rows[0].P50us <= 0 {
		t.Fatalf("rows %+v", rows)
	}
	for _, r := range rows[1:] {
		if r.PerSecond <= 0 || r.P50us <= 0 || r.P99us < r.P50us || r.Lost != 0 || r.OfBare <= 0 || r.CPUus <= 0 {
			t.Errorf("%s: %+v", r.Name, r)
		}
		if want := uint64(r.Receivers); r.Delivered == 0 || r.Delivered%want != 0 {
			t.Errorf("%s: %d delivered to %d receivers", r.Name, r.Delivered, r.Receivers)
		}
	}
	t.Log("\n" + Table(rows))
}

func mustAddrPort(t *testing.T, s string) netip.AddrPort {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		t.Fatal(err)
	}
	return ap
}

func atoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
