package bench

import (
	"context"
	"os/exec"

	"github.com/groupcast/groupcast/internal/netlab"
)

// Hosts runs role processes on the lab's hosts: host 0 sends, hosts 1…
// receive.
type Hosts interface {
	// Command prepares this program, run with args, on host i.
	Command(ctx context.Context, host int, args ...string) *exec.Cmd
	// Iface is the name of the hosts' network interface.
	Iface() string
}

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
