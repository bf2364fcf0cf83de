package netconf

import (
	"crypto/ed25519"
	"net/netip"
	"strings"
)

// Room is a named group as the room directory announces it
// (netconf/rooms): the engine verifies the presenter's announcements with
// PresenterKey and, in a read-only room, shows only those. A locked
// room's entry says only that it is locked: no secret is in it.
type Room struct {
	Name         string
	Group        netip.AddrPort
	TTL          int
	Presenter    string            // nickname of the presenter, if any
	PresenterKey ed25519.PublicKey // verifies the presenter's announcements
	Locked       bool              // a passphrase is needed
	ReadOnly     bool              // only the presenter may post
	Origin       netip.Addr        // host that announces it
	// Remote: announced on another network and forwarded here by a
	// bridge (docs/BRIDGE.md); joined through the bridge of this
	// network, when one forwards its group.
	Remote    bool
	SessionID uint64
	// Version is the run of the room: its directory entry's version
	// (rooms.NewVersion, new at each start). Its presenter signs for it,
	// so a presenter sets it before joining and announces the same; a
	// member refuses announcements signed for an earlier run.
	Version uint64
	// KeyPin, when a room is looked up by name, is the fingerprint
	// (rooms.Fingerprint) its presenter key must have: a lab's settings
	// name the teacher's key, and a room of that name announced with
	// another key is never taken for it.
	KeyPin string
}

// Label describes a room for a list: "Physics 101 — 239.255.20.1:2020 (read-only, locked, presenter Ms Lee)".
func (r Room) Label() string {
	var tags []string
	if r.ReadOnly {
		tags = append(tags, "read-only")
	}
	if r.Locked {
		tags = append(tags, "locked")
	}
	if r.Presenter != "" {
		tags = append(tags, "presenter "+r.Presenter)
	}
	if r.Remote {
		tags = append(tags, "another network")
	}
	s := r.Name + " — " + r.Group.String()
	if len(tags) > 0 {
		s += " (" + strings.Join(tags, ", ") + ")"
	}
	return s
}
