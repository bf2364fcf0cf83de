package netconf

import "github.com/groupcast/groupcast/netconf/internal/mcast"

// Groups and interfaces as a person chooses them; the rules and their
// sentences are the socket layer's (netconf/internal/mcast).

// DefaultGroup is in 239.255.0.0/16, the organisation-local scope meant
// for applications on one site (RFC 2365).
var DefaultGroup = mcast.DefaultGroup

// DefaultTTL keeps traffic on the local subnet.
const DefaultTTL = mcast.DefaultTTL

type (
	// Interface is a network interface as Groupcast sees it.
	Interface = mcast.Interface
	// Choice is the interface a membership uses, and why it was chosen.
	Choice = mcast.Choice
	// Scope describes where a group's datagrams may travel.
	Scope = mcast.Scope
)

// ErrNoInterface means no interface at all can carry multicast.
var ErrNoInterface = mcast.ErrNoInterface

// The rules for what a person types or picks; their errors are
// *InputError sentences.
var (
	ParseGroup       = mcast.ParseGroup       // "ADDR:PORT" of an IPv4 multicast group
	ParseGroupAddr   = mcast.ParseGroupAddr   // an IPv4 multicast address
	ParsePort        = mcast.ParsePort        // 1-65535
	ValidateTTL      = mcast.ValidateTTL      // 0-255
	ScopeOf          = mcast.ScopeOf          // where a group's datagrams may travel
	ListInterfaces   = mcast.ListInterfaces   // every interface, the route's marked
	Candidates       = mcast.Candidates       // those that can carry a membership now
	ResolveInterface = mcast.ResolveInterface // a name, or "" for automatic
)
