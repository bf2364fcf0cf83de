// Package e2e runs real groupcast processes on a lab of hosts: network
// namespaces joined by a bridge, made and removed by the tests themselves,
// so nothing reaches the machine's real network. It needs root and
// iproute2; without them the tests skip and say why.
package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// Lab is a set of hosts on one bridge, 198.18.0.0/24 (the benchmark range).
type Lab struct {
	t      *testing.T
	prefix string
	Hosts  []string // namespace names
}

// LabAvailable says why a lab cannot be made here, or "" when it can.
func LabAvailable() string {
	if os.Geteuid() != 0 {
		return "lab tests need root to create network namespaces (run make test as root, as CI does)"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return "lab tests need the ip command (Debian package iproute2)"
	}
	return ""
}

// NewLab makes n hosts, removed when the test ends.
func NewLab(t *testing.T, n int) *Lab {
	t.Helper()
	if why := LabAvailable(); why != "" {
		t.Skip(why)
	}
	l := &Lab{t: t, prefix: fmt.Sprintf("gc%d", os.Getpid()%100000)}
	t.Cleanup(l.destroy)
	hub := l.prefix + "-hub"
	l.ip("netns", "add", hub)
	l.ip("-n", hub, "link", "set", "lo", "up")
	// Snooping off: the bridge floods multicast like a simple switch.
	l.ip("-n", hub, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0")
	l.ip("-n", hub, "link", "set", "br0", "up")
	for i := 1; i <= n; i++ {
		h := fmt.Sprintf("%s-h%d", l.prefix, i)
		l.ip("netns", "add", h)
		l.Hosts = append(l.Hosts, h)
		l.ip("-n", h, "link", "set", "lo", "up")
		l.AddNIC(h)
	}
	return l
}

func (l *Lab) ip(args ...string) {
	l.t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		l.t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

func (l *Lab) destroy() {
	for _, h := range append(l.Hosts, l.prefix+"-hub") {
		_ = exec.Command("ip", "netns", "del", h).Run()
	}
}

// Command prepares name with args to run on host.
func (l *Lab) Command(host, name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", host, name}, args...)...)
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

// DropUDP makes host drop percent% of the UDP it receives, at random, with
// nftables, and returns a function that reads how many it dropped so far.
func (l *Lab) DropUDP(host string, percent int) func() int {
	l.t.Helper()
	if _, err := exec.LookPath("nft"); err != nil {
		l.t.Skip("loss tests need nft (Debian package nftables)")
	}
	rules := fmt.Sprintf(`table inet gcloss {
	chain in {
		type filter hook input priority 0; policy accept;
		meta l4proto udp numgen random mod 100 < %d counter drop
	}
}
`, percent)
	cmd := l.Command(host, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		l.t.Fatalf("nft on %s: %v: %s", host, err, out)
	}
	return func() int {
		out, err := l.Command(host, "nft", "list", "chain", "inet", "gcloss", "in").CombinedOutput()
		if err != nil {
			l.t.Fatalf("read nft counter on %s: %v: %s", host, err, out)
		}
		var n int
		if i := strings.Index(string(out), "counter packets "); i >= 0 {
			fmt.Sscanf(string(out[i+len("counter packets "):]), "%d", &n)
		}
		return n
	}
}

// StopDropping removes the loss DropUDP added to host.
func (l *Lab) StopDropping(host string) {
	l.t.Helper()
	if out, err := l.Command(host, "nft", "delete", "table", "inet", "gcloss").CombinedOutput(); err != nil {
		l.t.Fatalf("nft on %s: %v: %s", host, err, out)
	}
}

// Port is the name of host's port on the bridge (its "cable").
func (l *Lab) Port(host string) string {
	for i, h := range l.Hosts {
		if h == host {
			return fmt.Sprintf("%sv%d", l.prefix, i+1)
		}
	}
	l.t.Fatalf("no host %s", host)
	return ""
}

// Unplug takes host's port on the bridge down (a cable pulled); Plug
// brings it back.
func (l *Lab) Unplug(host string) { l.ip("-n", l.prefix+"-hub", "link", "set", l.Port(host), "down") }

// Plug brings host's bridge port back up.
func (l *Lab) Plug(host string) { l.ip("-n", l.prefix+"-hub", "link", "set", l.Port(host), "up") }

// RemoveNIC deletes host's network interface (an adapter pulled out).
func (l *Lab) RemoveNIC(host string) { l.ip("-n", host, "link", "del", "eth0") }

// AddNIC gives host its network interface eth0, 198.18.0.N/24, cabled to
// the bridge: NewLab's, or a new adapter (a new index) after RemoveNIC.
func (l *Lab) AddNIC(host string) {
	hub, port := l.prefix+"-hub", l.Port(host)
	i, _ := strconv.Atoi(port[strings.LastIndexByte(port, 'v')+1:])
	l.ip("link", "add", port, "netns", hub, "type", "veth", "peer", "name", "eth0", "netns", host)
	l.ip("-n", hub, "link", "set", port, "master", "br0", "up")
	l.ip("-n", host, "addr", "add", fmt.Sprintf("198.18.0.%d/24", i), "dev", "eth0")
	l.ip("-n", host, "link", "set", "eth0", "up")
	l.ip("-n", host, "route", "add", "default", "dev", "eth0")
}
