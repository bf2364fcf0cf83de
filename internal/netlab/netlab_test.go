package netlab

import (
	"errors"
	"net"
	"os/exec"
	"strings"
	"testing"
)

// TestLabHostsReachEachOtherAndGoAway makes two hosts, checks their
// addresses and that a datagram goes from one to the other over the
// bridge, and that Close removes every namespace.
func TestLabHostsReachEachOtherAndGoAway(t *testing.T) {
	if why := Available(); why != "" {
		t.Skip(why)
	}
	l, err := New("gcnl", 2)
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			l.Close()
		}
	}()
	for i, h := range l.Hosts {
		out, err := l.Command(h, "ip", "-4", "-o", "addr", "show", "dev", Iface).CombinedOutput()
		if err != nil || !strings.Contains(string(out), l.Addr(h).String()+"/24") {
			t.Fatalf("host %d: %v %s; want %s", i, err, out, l.Addr(h))
		}
	}
	if out, err := l.Command(l.Hosts[0], "ping", "-c1", "-W2", l.Addr(l.Hosts[1]).String()).CombinedOutput(); err != nil {
		if _, lookErr := exec.LookPath("ping"); lookErr == nil {
			t.Fatalf("ping across the bridge: %v %s", err, out)
		}
	}
	for _, percent := range []int{30, 100} { // every rule nft takes, all included
		if _, err := l.DropUDP(l.Hosts[1], percent); err != nil && !errors.Is(err, ErrNoNft) {
			t.Fatalf("drop %d%%: %v", percent, err)
		}
		if err := l.StopDropping(l.Hosts[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Unplug(l.Hosts[1]); err != nil {
		t.Fatal(err)
	}
	if err := l.Plug(l.Hosts[1]); err != nil {
		t.Fatal(err)
	}
	l.Close()
	closed = true
	out, _ := exec.Command("ip", "netns", "list").CombinedOutput()
	for _, h := range append(l.Hosts, l.hub) {
		if strings.Contains(string(out), h) {
			t.Fatalf("%s still there after Close:\n%s", h, out)
		}
	}
	if _, err := net.InterfaceByName(l.Port(l.Hosts[0])); err == nil {
		t.Fatal("a bridge port was left in this namespace")
	}
}

func TestNewRefusesBadSizes(t *testing.T) {
	if why := Available(); why != "" {
		t.Skip(why)
	}
	for _, n := range []int{0, -1, 251} {
		if _, err := New("gcnl", n); err == nil {
			t.Fatalf("New(%d) made a lab", n)
		}
	}
}

// TestRoutedLab makes two networks joined by a router: unicast crosses
// it, and each host has its network's address.
func TestRoutedLab(t *testing.T) {
	if why := Available(); why != "" {
		t.Skip(why)
	}
	l, err := NewRouted("gcrl", 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	a, b := l.OnNetwork(0)[0], l.OnNetwork(1)[1]
	if l.Addr(a).String() != "198.18.0.1" || l.Addr(b).String() != "198.18.1.2" || l.Network(b) != 1 {
		t.Fatalf("addresses %v %v", l.Addr(a), l.Addr(b))
	}
	if _, err := exec.LookPath("ping"); err == nil {
		if out, err := l.Command(a, "ping", "-c1", "-W2", l.Addr(b).String()).CombinedOutput(); err != nil {
			t.Fatalf("ping across the router: %v %s", err, out)
		}
	}
	if out, err := l.Command(l.Router, "ip", "-4", "-o", "addr").CombinedOutput(); err != nil || !strings.Contains(string(out), "198.18.1.254/24") {
		t.Fatalf("router: %v %s", err, out)
	}
}
