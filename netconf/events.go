package netconf

import (
	"net/netip"
	"time"
)

// Command is something the user asks of the engine: Join, Send or Leave.
type Command interface{ command() }

// Join asks for a membership; an existing one is left first.
type Join struct{ Config Config }

// Send asks to send Text to the group.
type Send struct{ Text string }

// Leave asks to leave the group. Leaving when not joined does nothing.
type Leave struct{}

func (Join) command()  {}
func (Send) command()  {}
func (Leave) command() {}

// Event is something the engine tells its user.
type Event interface{ event() }

// Joined says the membership is in place: datagrams to the group now
// arrive.
type Joined struct {
	Group     netip.AddrPort
	Interface Choice
	TTL       int
	Loopback  bool
	Nick      string
	Sender    SenderID
	Warnings  []string
	// DstCheck is true when each datagram's destination is checked (it
	// is not on Windows, whose kernel filters by group itself).
	DstCheck bool
}

// Message is a message from another member.
type Message struct {
	From     string // the sender's nickname
	Sender   SenderID
	Seq      uint64
	Sent     time.Time // the sender's clock
	Received time.Time // ours
	Source   netip.AddrPort
	Text     string
}

// Sent confirms that our own message left through the sender socket.
type Sent struct {
	Seq  uint64
	Time time.Time
	Nick string
	Text string
}

// Left says the membership ended: asked for when Err is nil, otherwise
// because of Err (the interface went away, the socket failed).
type Left struct {
	Group netip.AddrPort
	Err   error
}

// Error reports a failed command or operation. Op is "join", "send", ...
// Input errors (*InputError) are the user's to fix.
type Error struct {
	Op  string
	Err error
}

// Overflow says Dropped messages were discarded because the consumer of
// Events did not keep up; the engine's state is unaffected.
type Overflow struct{ Dropped int }

func (Joined) event()   {}
func (Message) event()  {}
func (Sent) event()     {}
func (Left) event()     {}
func (Error) event()    {}
func (Overflow) event() {}
