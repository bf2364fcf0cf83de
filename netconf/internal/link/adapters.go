package link

import (
	"github.com/groupcast/groupcast/netconf/internal/mcast"
	"github.com/groupcast/groupcast/netconf/internal/natsnet"
)

// Sockets is the Transport of multicast sockets.
type Sockets struct{ *mcast.Conn }

// Control is the companion port's receiver (nil for a membership
// that only sends).
func (s Sockets) Control() Receiver {
	if c := s.Conn.Control(); c != nil {
		return c
	}
	return nil // not a typed nil: a membership that only sends reads nothing
}

// NATS is the Transport of a member joined through a NATS server.
type NATS struct{ *natsnet.Member }

// Control is the companion subject's receiver.
func (n NATS) Control() Receiver { return n.Member.Control() }
