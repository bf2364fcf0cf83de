package mcast

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strings"

	"github.com/groupcast/groupcast/netconf/internal/input"
)

// Interface is a network interface as Groupcast sees it.
type Interface struct {
	Name         string
	Index        int
	Addrs        []netip.Prefix // IPv4 only
	Up           bool
	Multicast    bool // the interface says it supports multicast
	Loopback     bool
	PointToPoint bool
	// Virtual is true for VPN, tunnel, bridge, container and hypervisor
	// adapters, as far as the platform lets us tell them apart.
	Virtual bool
	// Route is true for the interface the kernel's routing table would
	// send the group through if none were chosen.
	Route bool
}

// Addr returns the interface's first IPv4 address, or the zero Addr.
func (ifc Interface) Addr() netip.Addr {
	if len(ifc.Addrs) == 0 {
		return netip.Addr{}
	}
	return ifc.Addrs[0].Addr()
}

// MulticastCapable reports whether IPv4 multicast can be joined and sent
// on the interface. Loopback qualifies even without the MULTICAST flag:
// Linux does not set that flag on lo, yet delivers multicast on it.
func (ifc Interface) MulticastCapable() bool { return ifc.Multicast || ifc.Loopback }

// Usable reports whether the interface can carry a membership now.
func (ifc Interface) Usable() bool { return ifc.Up && ifc.MulticastCapable() }

// Label is a short description for pickers: "eth0 · 192.168.1.7".
func (ifc Interface) Label() string {
	if a := ifc.Addr(); a.IsValid() {
		return ifc.Name + " · " + a.String()
	}
	return ifc.Name + " · no IPv4 address"
}

// ListInterfaces returns every interface of the host, marking the one the
// route to group uses (group may be the zero Addr to skip that).
func ListInterfaces(group netip.Addr) ([]Interface, error) {
	nifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("list network interfaces: %w", err)
	}
	route := routeInterfaceAddr(group)
	out := make([]Interface, 0, len(nifs))
	for _, n := range nifs {
		ifc := fromNet(n)
		for _, p := range ifc.Addrs {
			if route.IsValid() && p.Addr() == route {
				ifc.Route = true
			}
		}
		out = append(out, ifc)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out, nil
}

// Candidates returns the interfaces that can carry a membership now: up
// and multicast-capable.
func Candidates(group netip.Addr) ([]Interface, error) {
	all, err := ListInterfaces(group)
	if err != nil {
		return nil, err
	}
	var out []Interface
	for _, ifc := range all {
		if ifc.Usable() {
			out = append(out, ifc)
		}
	}
	return out, nil
}

func fromNet(n net.Interface) Interface {
	ifc := Interface{
		Name:         n.Name,
		Index:        n.Index,
		Up:           n.Flags&net.FlagUp != 0,
		Multicast:    n.Flags&net.FlagMulticast != 0,
		Loopback:     n.Flags&net.FlagLoopback != 0,
		PointToPoint: n.Flags&net.FlagPointToPoint != 0,
	}
	if addrs, err := n.Addrs(); err == nil {
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			addr, ok := netip.AddrFromSlice(ipn.IP)
			if !ok || !addr.Unmap().Is4() {
				continue
			}
			ones, _ := ipn.Mask.Size()
			ifc.Addrs = append(ifc.Addrs, netip.PrefixFrom(addr.Unmap(), ones))
		}
	}
	ifc.Virtual = !ifc.Loopback && (ifc.PointToPoint || looksVirtualByName(n.Name) || looksVirtualOnPlatform(n.Name))
	return ifc
}

// Name fragments of VPN, tunnel, bridge, container and hypervisor adapters
// on Linux, macOS and Windows (whose names are "friendly names").
var (
	virtualPrefixes = []string{
		"tun", "tap", "wg", "ppp", "utun", "ipsec", "zt", "br-", "veth", "docker",
		"virbr", "vboxnet", "vmnet", "gif", "stf", "awdl", "llw", "anpi", "bridge",
		"tailscale", "cni", "flannel", "cali", "lxc", "lxd", "podman", "vnic",
	}
	virtualFragments = []string{
		"virtual", "vpn", "vethernet", "wireguard", "wintun", "tailscale", "zerotier",
		"hyper-v", "vmware", "virtualbox", "hamachi", "nordlynx", "tap-windows",
		"pseudo", "bluetooth", "teredo", "isatap", "6to4",
	}
)

func looksVirtualByName(name string) bool {
	lower := strings.ToLower(name)
	for _, p := range virtualPrefixes {
		if strings.HasPrefix(lower, p) {
			return true
		}
	}
	for _, f := range virtualFragments {
		if strings.Contains(lower, f) {
			return true
		}
	}
	return false
}

// routeInterfaceAddr returns the local address the kernel would use to
// reach group. Connecting a UDP socket sends nothing; it only consults the
// routing table.
func routeInterfaceAddr(group netip.Addr) netip.Addr {
	if !group.IsValid() {
		return netip.Addr{}
	}
	c, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(group, 9)))
	if err != nil {
		return netip.Addr{}
	}
	defer c.Close()
	la, ok := c.LocalAddr().(*net.UDPAddr)
	if !ok {
		return netip.Addr{}
	}
	a, _ := netip.AddrFromSlice(la.IP)
	return a.Unmap()
}

// Choice is an interface chosen for a membership, with why.
type Choice struct {
	Interface
	Automatic bool
	Reason    string // for "automatic": why this one
}

// ErrNoInterface means no interface at all can carry multicast.
var ErrNoInterface = errors.New("no network interface is up and able to carry multicast")

// ResolveInterface finds the interface named name, or chooses one when
// name is empty ("automatic"), and checks it can carry multicast.
func ResolveInterface(name string, group netip.Addr) (Choice, error) {
	all, err := ListInterfaces(group)
	if err != nil {
		return Choice{}, err
	}
	if name != "" {
		return resolveNamed(all, name)
	}
	return chooseAutomatic(all)
}

func resolveNamed(all []Interface, name string) (Choice, error) {
	var names []string
	for _, ifc := range all {
		if ifc.Name == name {
			switch {
			case !ifc.Up:
				return Choice{}, input.Errorf("interface", "network interface %q is down; bring it up or choose another", name)
			case !ifc.MulticastCapable():
				return Choice{}, input.Errorf("interface", "network interface %q does not support multicast; choose another", name)
			}
			return Choice{Interface: ifc}, nil
		}
		if ifc.Usable() {
			names = append(names, ifc.Name)
		}
	}
	avail := "none is usable"
	if len(names) > 0 {
		avail = "usable ones: " + strings.Join(names, ", ")
	}
	return Choice{}, input.Errorf("interface", "there is no network interface named %q (%s)", name, avail)
}

// chooseAutomatic prefers what the route to the group uses, unless that is
// a VPN or virtual adapter and a physical one exists, since VPNs often hold
// the default route but do not carry LAN multicast.
func chooseAutomatic(all []Interface) (Choice, error) {
	pick := func(reason string, ok func(Interface) bool) (Choice, bool) {
		for _, ifc := range all {
			if ifc.Usable() && ok(ifc) {
				return Choice{Interface: ifc, Automatic: true, Reason: reason}, true
			}
		}
		return Choice{}, false
	}
	lan := func(ifc Interface) bool { return !ifc.Loopback && ifc.Addr().IsValid() }
	steps := []struct {
		reason string
		ok     func(Interface) bool
	}{
		{"the route to the group uses it", func(ifc Interface) bool { return ifc.Route && lan(ifc) && !ifc.Virtual }},
		{"first physical interface with an IPv4 address", func(ifc Interface) bool { return lan(ifc) && !ifc.Virtual }},
		{"the route to the group uses it (it looks virtual, but nothing else is available)", func(ifc Interface) bool { return ifc.Route && lan(ifc) }},
		{"first interface with an IPv4 address (it looks virtual, but nothing else is available)", lan},
		{"only loopback is available: only programs on this computer will hear you", func(ifc Interface) bool { return ifc.Loopback }},
	}
	for _, s := range steps {
		if c, ok := pick(s.reason, s.ok); ok {
			return c, nil
		}
	}
	return Choice{}, ErrNoInterface
}
