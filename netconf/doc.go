// Package netconf is Groupcast's multicast engine: it joins an IPv4
// multicast group on a chosen interface, sends and receives Groupcast
// datagrams, and talks to its user (the CLI, the GUI or a test) only
// through channels of commands and events.
//
// This package is the engine's public API (Engine, Config, Command, the
// events of package event, Stats, errors that are sentences) and what
// every capability shares: the loop, the membership, admission
// (internal/admit), the link to the network (internal/link), the member
// table (internal/presence) and the ledger of what each computer may cost
// (internal/ledger). Each capability is a part (internal/part) in a
// package of its own, called by datagram kind, given the time instead of
// reading a clock and saying when it next needs the loop: the text stream
// (internal/stream), the classroom's receipts and pins
// (internal/classroom), files to the room (internal/fileshare) and
// catch-up (internal/catchup). docs/ARCHITECTURE.md says how to add one,
// and follows a message and a file offer through all of them.
//
// It uses two sockets per membership, both through golang.org/x/net/ipv4:
// a receiver bound to the group's port (shared with other processes through
// SO_REUSEADDR/SO_REUSEPORT) that joins the group on a named interface and
// keeps only datagrams addressed to its own group, and a separate sender
// that sets the outgoing interface, TTL and multicast loopback. The engine
// reaches them only through Transport, so a test can give it an in-memory
// bus instead. The package never imports a GUI toolkit.
package netconf
