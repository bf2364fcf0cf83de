// Package netconf is Groupcast's multicast engine: it joins an IPv4
// multicast group on a chosen interface, sends and receives Groupcast
// datagrams, and talks to its user (the CLI, the GUI or a test) only
// through channels of commands and events.
//
// This package is the engine's public API (Engine, Config, Command and
// Event, Stats, errors that are sentences) and the glue that runs its
// parts in one loop. The parts are packages of their own, given the time
// instead of reading a clock, each saying when it next needs the loop:
// the wire format (package wire, documented in docs/PROTOCOL.md), the
// cryptography of private groups (internal/seal), reliable delivery and
// our own stream (internal/reliable), the member table
// (internal/presence), the classroom bookkeeping (internal/classroom),
// refusal reports (internal/refusal) and the sockets (internal/mcast).
// docs/ARCHITECTURE.md follows one message through all of them.
//
// It uses two sockets per membership, both through golang.org/x/net/ipv4:
// a receiver bound to the group's port (shared with other processes through
// SO_REUSEADDR/SO_REUSEPORT) that joins the group on a named interface and
// keeps only datagrams addressed to its own group, and a separate sender
// that sets the outgoing interface, TTL and multicast loopback. The engine
// reaches them only through Transport, so a test can give it an in-memory
// bus instead. The package never imports a GUI toolkit.
package netconf
