// Package e2e runs real groupcast processes on a lab of hosts
// (internal/netlab: network namespaces joined by a bridge, made and
// removed by the tests themselves, so nothing reaches the machine's real
// network). It needs root and iproute2; without them the tests skip and
// say why.
package e2e

import (
	"bytes"
	"errors"
	"os/exec"
	"testing"

	"github.com/groupcast/groupcast/internal/netlab"
)

// Lab is a netlab.Lab whose failures end the test.
type Lab struct {
	*netlab.Lab
	t *testing.T
}

// LabAvailable says why a lab cannot be made here, or "" when it can.
func LabAvailable() string {
	if why := netlab.Available(); why != "" {
		return "lab tests skipped: " + why + " (run make test as root, as CI does)"
	}
	return ""
}

// NewLab makes n hosts, removed when the test ends.
func NewLab(t *testing.T, n int) *Lab {
	t.Helper()
	if why := LabAvailable(); why != "" {
		t.Skip(why)
	}
	l, err := netlab.New("gc", n)
	if err != nil {
		t.Fatalf("make the lab: %v", err)
	}
	t.Cleanup(l.Close)
	return &Lab{Lab: l, t: t}
}

// Run runs a command on host to the end.
func (l *Lab) Run(host, name string, args ...string) (code int, stdout, stderr string) {
	cmd := l.Command(host, name, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), o.String(), e.String()
	}
	if err != nil {
		l.t.Fatalf("run %s on %s: %v", name, host, err)
	}
	return 0, o.String(), e.String()
}

// DropUDP makes host drop percent% of the UDP it receives, and returns a
// function that reads how many it dropped so far.
func (l *Lab) DropUDP(host string, percent int) func() int {
	l.t.Helper()
	dropped, err := l.Lab.DropUDP(host, percent)
	if errors.Is(err, netlab.ErrNoNft) {
		l.t.Skipf("loss tests skipped: %v", err)
	}
	l.must(err)
	return func() int {
		n, err := dropped()
		if err != nil {
			l.t.Fatal(err)
		}
		return n
	}
}

// StopDropping removes the loss DropUDP added to host.
func (l *Lab) StopDropping(host string) { l.must(l.Lab.StopDropping(host)) }

// Unplug takes host's port on the bridge down (a cable pulled).
func (l *Lab) Unplug(host string) { l.must(l.Lab.Unplug(host)) }

// Plug brings host's bridge port back up.
func (l *Lab) Plug(host string) { l.must(l.Lab.Plug(host)) }

// RemoveNIC deletes host's network interface (an adapter pulled out).
func (l *Lab) RemoveNIC(host string) { l.must(l.Lab.RemoveNIC(host)) }

// AddNIC gives host a new network interface after RemoveNIC.
func (l *Lab) AddNIC(host string) { l.must(l.Lab.AddNIC(host)) }

func (l *Lab) must(err error) {
	l.t.Helper()
	if err != nil {
		l.t.Fatal(err)
	}
}

// NewRoutedLab makes networks of sizes[i] hosts joined by a router that
// forwards unicast and not multicast (netlab.NewRouted), removed when the
// test ends.
func NewRoutedLab(t *testing.T, sizes ...int) *Lab {
	t.Helper()
	if why := LabAvailable(); why != "" {
		t.Skip(why)
	}
	l, err := netlab.NewRouted("gc", sizes...)
	if err != nil {
		t.Fatalf("make the lab: %v", err)
	}
	t.Cleanup(l.Close)
	return &Lab{Lab: l, t: t}
}
