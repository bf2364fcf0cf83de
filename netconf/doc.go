// Package netconf is Groupcast's multicast engine: it joins an IPv4
// multicast group on a chosen interface, sends and receives Groupcast
// datagrams, and talks to its user (the CLI, the GUI or a test) only
// through channels of commands and events.
//
// It uses two sockets per membership, both through golang.org/x/net/ipv4:
// a receiver bound to the group's port (shared with other processes through
// SO_REUSEADDR/SO_REUSEPORT) that joins the group on a named interface and
// keeps only datagrams addressed to its own group, and a separate sender
// that sets the outgoing interface, TTL and multicast loopback.
//
// The wire format is pure code in package wire and documented in
// docs/PROTOCOL.md. The package never imports a GUI toolkit.
package netconf
