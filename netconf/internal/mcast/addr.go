package mcast

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/groupcast/groupcast/netconf/internal/input"
)

// DefaultGroup is in 239.255.0.0/16, the organisation-local scope meant
// for applications on one site (RFC 2365).
var DefaultGroup = netip.MustParseAddrPort("239.255.3.3:3333")

// DefaultTTL keeps traffic on the local subnet.
const DefaultTTL = 1

// ParseGroup parses "ADDR:PORT" and checks that ADDR is an IPv4 multicast
// group and PORT is usable.
func ParseGroup(s string) (netip.AddrPort, error) {
	s = strings.TrimSpace(s)
	host, portStr, err := splitHostPort(s)
	if err != nil {
		return netip.AddrPort{}, err
	}
	addr, err := ParseGroupAddr(host)
	if err != nil {
		return netip.AddrPort{}, err
	}
	port, err := ParsePort(portStr)
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPortFrom(addr, port), nil
}

func splitHostPort(s string) (host, port string, err error) {
	i := strings.LastIndexByte(s, ':')
	if s == "" || i < 0 {
		return "", "", input.Errorf("group", "%q is not a group: write ADDRESS:PORT, for example %s", s, DefaultGroup)
	}
	host, port = s[:i], s[i+1:]
	if host == "" || port == "" {
		return "", "", input.Errorf("group", "%q is not a group: write ADDRESS:PORT, for example %s", s, DefaultGroup)
	}
	return host, port, nil
}

// ParseGroupAddr checks that s is an IPv4 multicast address, and says why
// not in a sentence when it is not.
func ParseGroupAddr(s string) (netip.Addr, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		s = s[1 : len(s)-1] // an IPv6 literal from ADDR:PORT
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, input.Errorf("group", "%q is not an IPv4 address; a multicast group looks like %s", s, DefaultGroup.Addr())
	}
	addr = addr.Unmap()
	switch {
	case !addr.Is4():
		return netip.Addr{}, input.Errorf("group", "%s is an IPv6 address; Groupcast uses IPv4 multicast groups (224.0.0.0 to 239.255.255.255)", addr)
	case addr == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return netip.Addr{}, input.Errorf("group", "%s is the broadcast address, not a multicast group; use a group in 239.255.0.0/16, for example %s", addr, DefaultGroup.Addr())
	case addr.IsUnspecified():
		return netip.Addr{}, input.Errorf("group", "%s is not a multicast group; use a group in 239.255.0.0/16, for example %s", addr, DefaultGroup.Addr())
	case !addr.IsMulticast():
		return netip.Addr{}, input.Errorf("group", "%s is a unicast address, which reaches one computer; a group must be a multicast address (224.0.0.0 to 239.255.255.255), for example %s", addr, DefaultGroup.Addr())
	}
	return addr, nil
}

// ParsePort checks a port number given as text.
func ParsePort(s string) (uint16, error) {
	s = strings.TrimSpace(s)
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, input.Errorf("port", "port %q is not a number; use 1 to 65535", s)
	}
	if n < 1 || n > 65535 {
		return 0, input.Errorf("port", "port %d is out of range; use 1 to 65535", n)
	}
	return uint16(n), nil
}

// ValidateTTL checks a multicast TTL (hop limit).
func ValidateTTL(ttl int) error {
	if ttl < 0 || ttl > 255 {
		return input.Errorf("ttl", "TTL %d is out of range; use 0 to 255 (1 keeps messages on the local network)", ttl)
	}
	return nil
}

// Scope describes where a group's datagrams may travel.
type Scope struct {
	Name    string // short hint for a field, e.g. "organisation-local 239.255/16"
	Warning string // non-empty when the user should know something before joining
}

// ScopeOf gives the scope hint of a multicast address (RFC 5771, RFC 2365).
func ScopeOf(a netip.Addr) Scope {
	if !a.Is4() || !a.IsMulticast() {
		return Scope{Name: "not multicast"}
	}
	b := a.As4()
	switch {
	case b[0] == 224 && b[1] == 0 && b[2] == 0:
		return Scope{
			Name:    "link-local 224.0.0/24: not routed",
			Warning: fmt.Sprintf("%s is a link-local group (224.0.0.0/24): routers never forward it, so only this network segment hears it, whatever the TTL", a),
		}
	case b[0] == 239 && b[1] == 255:
		return Scope{Name: "organisation-local 239.255/16"}
	case b[0] == 239 && b[1] >= 192:
		return Scope{Name: "organisation-local 239.192/14"}
	case b[0] == 239:
		return Scope{Name: "administratively scoped 239/8"}
	case b[0] == 232:
		return Scope{
			Name:    "source-specific 232/8",
			Warning: fmt.Sprintf("%s is in the source-specific range (232.0.0.0/8), which some networks reserve for single-source streams", a),
		}
	case b[0] == 233:
		return Scope{Name: "GLOP / global 233/8"}
	default:
		return Scope{Name: "global scope"}
	}
}
