package netlab

import (
	"fmt"
	"net/netip"
)

// NewRouted makes networks of sizes[i] hosts each, every network a bridge
// of its own (198.18.i.0/24, hosts from .1), joined by a router
// namespace (198.18.i.254 on each) that forwards unicast between them and
// not multicast, as a school's routers between VLANs do. Hosts route
// everything through the router. On error, what was made is removed.
func NewRouted(name string, sizes ...int) (*Lab, error) {
	if why := Available(); why != "" {
		return nil, fmt.Errorf("%s", why)
	}
	total := 0
	for _, n := range sizes {
		if n < 1 || n > 250 {
			return nil, fmt.Errorf("a network of a lab has 1 to 250 hosts, not %d", n)
		}
		total += n
	}
	if len(sizes) < 1 || len(sizes) > 16 {
		return nil, fmt.Errorf("a routed lab has 1 to 16 networks, not %d", len(sizes))
	}
	l := newLab(name)
	l.addrs, l.nets = map[string]netip.Addr{}, map[string]int{}
	l.Router = l.prefix + "-r"
	err := l.ip("netns", "add", l.hub)
	if err == nil {
		err = l.ip("netns", "add", l.Router)
	}
	if err == nil {
		err = l.ipAll([][]string{{"-n", l.hub, "link", "set", "lo", "up"}, {"-n", l.Router, "link", "set", "lo", "up"}})
	}
	if err == nil {
		// Unicast is forwarded; multicast is not (no multicast routing),
		// whatever its TTL.
		err = l.exec(l.Router, "sysctl", "-qw", "net.ipv4.ip_forward=1")
	}
	for i, n := range sizes {
		if err != nil {
			break
		}
		br, rport := fmt.Sprintf("br%d", i), fmt.Sprintf("%sr%d", l.prefix, i)
		err = l.ipAll([][]string{
			{"-n", l.hub, "link", "add", br, "type", "bridge", "mcast_snooping", "0"},
			{"-n", l.hub, "link", "set", br, "up"},
			{"link", "add", rport, "netns", l.hub, "type", "veth", "peer", "name", fmt.Sprintf("net%d", i), "netns", l.Router},
			{"-n", l.hub, "link", "set", rport, "master", br, "up"},
			{"-n", l.Router, "addr", "add", l.RouterAddr(i).String() + "/24", "dev", fmt.Sprintf("net%d", i)},
			{"-n", l.Router, "link", "set", fmt.Sprintf("net%d", i), "up"},
		})
		for j := range n {
			if err != nil {
				break
			}
			h := fmt.Sprintf("%s-n%dh%d", l.prefix, i, j)
			l.addrs[h], l.nets[h] = netip.AddrFrom4([4]byte{198, 18, byte(i), byte(j + 1)}), i
			err = l.addHost(h)
		}
	}
	if err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// RouterAddr is the router's address on network i of a routed lab.
func (l *Lab) RouterAddr(i int) netip.Addr { return netip.AddrFrom4([4]byte{198, 18, byte(i), 254}) }

// Network is the network host is on (0 in a lab of one).
func (l *Lab) Network(host string) int { return l.nets[host] }

// OnNetwork is the hosts of network i, in order.
func (l *Lab) OnNetwork(i int) []string {
	var out []string
	for _, h := range l.Hosts {
		if l.nets[h] == i {
			out = append(out, h)
		}
	}
	return out
}

func (l *Lab) exec(host string, name string, args ...string) error {
	if out, err := l.Command(host, name, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("%s on %s: %v: %s", name, host, err, out)
	}
	return nil
}
