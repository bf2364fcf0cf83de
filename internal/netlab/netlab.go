// Package netlab makes a lab of hosts on this machine: network namespaces
// cabled to one bridge, 198.18.0.0/24 (the benchmarking range), so that
// programs run on them talk multicast to each other and nothing reaches
// the machine's real network. The end-to-end tests and `groupcast bench
// -lab` both use it. It needs root and iproute2; loss needs nftables.
package netlab

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
)

// Iface is the name of every host's network interface.
const Iface = "eth0"

// Lab is a set of hosts on one bridge. Host i has address 198.18.0.(i+1)
// and is cabled to the bridge port Port(host).
type Lab struct {
	prefix string
	hub    string
	Hosts  []string // namespace names
	// Router is the namespace joining the networks of a routed lab
	// (NewRouted), "" otherwise.
	Router string
	addrs  map[string]netip.Addr // a routed lab's hosts
	nets   map[string]int
}

func newLab(name string) *Lab {
	l := &Lab{prefix: fmt.Sprintf("%s%d", name, os.Getpid()%100000)}
	l.hub = l.prefix + "-hub"
	return l
}

// Available says why a lab cannot be made here, or "" when it can.
func Available() string {
	if runtime.GOOS != "linux" {
		return "a lab of hosts needs Linux network namespaces"
	}
	if os.Geteuid() != 0 {
		return "a lab of hosts needs root to create network namespaces"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return "a lab of hosts needs the ip command (Debian package iproute2)"
	}
	return ""
}

// New makes n hosts whose namespace names start with name (keep it short:
// interface names hold 15 bytes) and this process's id, so two labs at
// once do not meet. On error, what was made is removed again.
func New(name string, n int) (*Lab, error) {
	if why := Available(); why != "" {
		return nil, errors.New(why)
	}
	if n < 1 || n > 250 {
		return nil, fmt.Errorf("a lab has 1 to 250 hosts, not %d", n)
	}
	l := newLab(name)
	err := l.ip("netns", "add", l.hub)
	if err == nil {
		err = l.ipAll([][]string{{"-n", l.hub, "link", "set", "lo", "up"},
			// Snooping off: the bridge floods multicast like a simple switch.
			{"-n", l.hub, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0"},
			{"-n", l.hub, "link", "set", "br0", "up"}})
	}
	for i := range n {
		if err != nil {
			break
		}
		err = l.addHost(fmt.Sprintf("%s-h%d", l.prefix, i))
	}
	if err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// addHost makes host's namespace, with its loopback up and its NIC
// cabled.
func (l *Lab) addHost(h string) error {
	if err := l.ip("netns", "add", h); err != nil {
		return err
	}
	l.Hosts = append(l.Hosts, h)
	if err := l.ip("-n", h, "link", "set", "lo", "up"); err != nil {
		return err
	}
	return l.AddNIC(h)
}

// Close removes every host and the bridge.
func (l *Lab) Close() {
	all := append(l.Hosts, l.hub)
	if l.Router != "" {
		all = append(all, l.Router)
	}
	for _, h := range all {
		_ = exec.Command("ip", "netns", "del", h).Run()
	}
}

// Command prepares name with args to run on host.
func (l *Lab) Command(host, name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", host, name}, args...)...)
}

// CommandContext is Command, killed when ctx ends.
func (l *Lab) CommandContext(ctx context.Context, host, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", host, name}, args...)...)
}

// Addr is host's address on the bridge.
func (l *Lab) Addr(host string) netip.Addr {
	if a, ok := l.addrs[host]; ok {
		return a
	}
	return netip.AddrFrom4([4]byte{198, 18, 0, byte(l.index(host) + 1)})
}

// Port is the name of host's port on the bridge (its "cable").
func (l *Lab) Port(host string) string { return fmt.Sprintf("%sv%d", l.prefix, l.index(host)) }

func (l *Lab) index(host string) int {
	for i, h := range l.Hosts {
		if h == host {
			return i
		}
	}
	panic("netlab: no host " + host) // a caller's mistake, not the network's
}

// Unplug takes host's port on the bridge down (a cable pulled).
func (l *Lab) Unplug(host string) error {
	return l.ip("-n", l.hub, "link", "set", l.Port(host), "down")
}

// Plug brings host's bridge port back up.
func (l *Lab) Plug(host string) error { return l.ip("-n", l.hub, "link", "set", l.Port(host), "up") }

// RemoveNIC deletes host's network interface (an adapter pulled out).
func (l *Lab) RemoveNIC(host string) error { return l.ip("-n", host, "link", "del", Iface) }

// AddNIC gives host its network interface, cabled to the bridge: New's,
// or a new adapter (a new index) after RemoveNIC.
func (l *Lab) AddNIC(host string) error {
	port := l.Port(host)
	route := []string{"-n", host, "route", "add", "default", "dev", Iface}
	if l.Router != "" {
		route = append(route, "via", l.RouterAddr(l.nets[host]).String())
	}
	return l.ipAll([][]string{
		{"link", "add", port, "netns", l.hub, "type", "veth", "peer", "name", Iface, "netns", host},
		{"-n", l.hub, "link", "set", port, "master", fmt.Sprintf("br%d", l.nets[host]), "up"},
		{"-n", host, "addr", "add", l.Addr(host).String() + "/24", "dev", Iface},
		{"-n", host, "link", "set", Iface, "up"},
		route,
	})
}

func (l *Lab) ip(args ...string) error {
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func (l *Lab) ipAll(steps [][]string) error {
	for _, s := range steps {
		if err := l.ip(s...); err != nil {
			return err
		}
	}
	return nil
}

// isolatedEnv marks a process that IsolatedCommand started.
const isolatedEnv = "GROUPCAST_NETLAB_ISOLATED=1"

// CanIsolate reports whether IsolatedCommand can work here: root on
// Linux with unshare, and not already inside a namespace it made.
func CanIsolate() bool {
	if runtime.GOOS != "linux" || os.Geteuid() != 0 || slices.Contains(os.Environ(), isolatedEnv) {
		return false
	}
	_, err := exec.LookPath("unshare")
	return err == nil
}

// IsolatedCommand prepares name with args to run in a network namespace
// of its own where only lo is up (unshare -n): nothing it sends can reach
// a real network, and nothing else shares its loopback.
func IsolatedCommand(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "unshare", "-n", "sh", "-c", `ip link set lo up && exec "$0" "$@"`, name)
	cmd.Args = append(cmd.Args, args...)
	cmd.Env = append(os.Environ(), isolatedEnv)
	return cmd
}
