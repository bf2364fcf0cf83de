package event

import (
	"net/netip"

	"github.com/groupcast/groupcast/netconf/wire"
)

// Reach says how a member is reached.
type Reach uint8

const (
	ReachHere   Reach = iota // on this network
	ReachBridge              // on another network, through a bridge
	ReachNATS                // joined through a NATS server
)

// ReachOf says how the computer at host (a Peer's Host, an Unreadable's)
// is reached, and its address on its own network (unspecified for a
// member joined through NATS).
func ReachOf(host netip.Addr) (Reach, netip.Addr) {
	_, h, ok := wire.Unlabel(host)
	switch {
	case !ok:
		return ReachHere, host
	case h.IsUnspecified():
		return ReachNATS, h
	}
	return ReachBridge, h
}

// HostName says where host is for a person: its address, and for one on
// another network, how it is reached ("10.0.2.7 (another network)";
// "NATS (a member joined through it)").
func HostName(host netip.Addr) string {
	switch r, h := ReachOf(host); r {
	case ReachBridge:
		return h.String() + " (another network)"
	case ReachNATS:
		return "NATS (a member joined through it)"
	}
	return host.String()
}
