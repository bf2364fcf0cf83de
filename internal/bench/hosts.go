package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"github.com/groupcast/groupcast/internal/netlab"
)

// Lab is a lab of hosts (internal/netlab) that runs this program's
// roles: host 0 sends, hosts 1… receive.
type Lab struct {
	lab  *netlab.Lab
	self string
}

// NewLab makes a lab of n hosts that run self (this program's path).
func NewLab(self string, n int) (*Lab, error) {
	l, err := netlab.New("gcbench", n)
	if err != nil {
		return nil, err
	}
	return &Lab{lab: l, self: self}, nil
}

// Close removes the lab.
func (l *Lab) Close() { l.lab.Close() }

// Command prepares this program, run with args, on host i.
func (l *Lab) Command(ctx context.Context, host int, args ...string) *exec.Cmd {
	return l.lab.CommandContext(ctx, l.lab.Hosts[host], l.self, args...)
}

// Iface is the hosts' network interface.
func (l *Lab) Iface() string { return netlab.Iface }

// Machine describes this computer for a benchmark's heading: CPU model,
// cores, platform and Go version.
func Machine() string {
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
