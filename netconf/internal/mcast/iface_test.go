package mcast

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/groupcast/groupcast/internal/testnet"
	"github.com/groupcast/groupcast/netconf/internal/input"
)

func ifc(name string, idx int, addr string, mod func(*Interface)) Interface {
	i := Interface{Name: name, Index: idx, Up: true, Multicast: true}
	if addr != "" {
		i.Addrs = []netip.Prefix{netip.MustParsePrefix(addr)}
	}
	if mod != nil {
		mod(&i)
	}
	return i
}

func TestChooseAutomatic(t *testing.T) {
	lo := ifc("lo", 1, "127.0.0.1/8", func(i *Interface) { i.Loopback, i.Multicast = true, false })
	eth := ifc("eth0", 2, "192.168.1.7/24", nil)
	wifi := ifc("wlan0", 3, "10.0.0.5/24", nil)
	vpn := ifc("wg0", 4, "10.8.0.2/24", func(i *Interface) { i.Virtual, i.PointToPoint = true, true })
	veth := ifc("eth0", 5, "198.18.0.1/24", func(i *Interface) { i.Virtual = true })
	route := func(i Interface) Interface { i.Route = true; return i }
	down := func(i Interface) Interface { i.Up = false; return i }
	noAddr := func(i Interface) Interface { i.Addrs = nil; return i }

	for _, tc := range []struct {
		name   string
		all    []Interface
		want   string
		reason string
	}{
		{"route on physical", []Interface{lo, eth, route(wifi)}, "wlan0", "route"},
		{"vpn holds the route", []Interface{lo, eth, route(vpn)}, "eth0", "physical"},
		{"skips down and addressless", []Interface{lo, down(eth), noAddr(wifi), route(vpn)}, "wg0", "looks virtual"},
		{"container veth only", []Interface{lo, route(veth)}, "eth0", "looks virtual"},
		{"virtual without route", []Interface{lo, veth}, "eth0", "looks virtual"},
		{"nothing but loopback", []Interface{lo, down(eth)}, "lo", "only loopback"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := chooseAutomatic(tc.all)
			if err != nil {
				t.Fatal(err)
			}
			if c.Name != tc.want || !c.Automatic || !strings.Contains(c.Reason, tc.reason) {
				t.Fatalf("chose %s (%q); want %s with reason containing %q", c.Name, c.Reason, tc.want, tc.reason)
			}
		})
	}
	if _, err := chooseAutomatic([]Interface{down(eth)}); err != ErrNoInterface {
		t.Fatalf("no usable interface: err = %v", err)
	}
}

func TestResolveNamed(t *testing.T) {
	all := []Interface{
		ifc("lo", 1, "127.0.0.1/8", func(i *Interface) { i.Loopback, i.Multicast = true, false }),
		ifc("eth0", 2, "192.168.1.7/24", nil),
		ifc("eth1", 3, "", func(i *Interface) { i.Up = false }),
		ifc("can0", 4, "", func(i *Interface) { i.Multicast = false }),
	}
	for name, want := range map[string]string{
		"eth0":  "",
		"lo":    "",
		"eth1":  "is down",
		"can0":  "does not support multicast",
		"wlan9": `no network interface named "wlan9" (usable ones: lo, eth0)`,
	} {
		c, err := resolveNamed(all, name)
		if want == "" {
			if err != nil || c.Name != name || c.Automatic {
				t.Errorf("resolveNamed(%s) = %+v, %v", name, c, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) || !isInputError(err) {
			t.Errorf("resolveNamed(%s) err = %v; want %q", name, err, want)
		}
	}
}

func TestLooksVirtualByName(t *testing.T) {
	for name, want := range map[string]bool{
		"eth0": false, "enp3s0": false, "wlan0": false, "Ethernet": false, "Wi-Fi": false, "en0": false,
		"wg0": true, "tun0": true, "utun3": true, "docker0": true, "virbr0": true, "vboxnet0": true,
		"vEthernet (WSL)": true, "VirtualBox Host-Only Network": true, "OpenVPN TAP-Windows6": true,
		"tailscale0": true, "ZeroTier One": true, "br-1a2b": true, "veth12ab": true,
	} {
		if got := looksVirtualByName(name); got != want {
			t.Errorf("looksVirtualByName(%q) = %v; want %v", name, got, want)
		}
	}
}

func TestListInterfacesHasLoopback(t *testing.T) {
	name := testnet.Loopback(t)
	cands, err := Candidates(netip.MustParseAddr("239.255.3.3"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cands {
		if c.Name == name {
			if !strings.HasPrefix(c.Label(), name+" · ") {
				t.Fatalf("label = %q", c.Label())
			}
			return
		}
	}
	t.Fatalf("loopback %s is not among the candidates %+v", name, cands)
}

func isInputError(err error) bool {
	_, ok := err.(*input.Error)
	return ok
}
