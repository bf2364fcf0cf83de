// Package event holds what the engine tells its user (netconf aliases
// each type): the events, the reasons datagrams are refused, the members
// as the roster shows them, and the engine's counters. The engine and its
// parts (netconf/internal/...) emit them; front ends read them through
// package netconf.
package event

import (
	"net/netip"
	"time"

	"github.com/groupcast/groupcast/netconf/internal/mcast"
	"github.com/groupcast/groupcast/netconf/wire"
	"github.com/groupcast/groupcast/netconf/words"
)

// Event is something the engine tells its user.
type Event interface{ event() }

// Joined says the membership is in place: datagrams to the group now
// arrive.
type Joined struct {
	Group     netip.AddrPort
	Interface mcast.Choice
	TTL       int
	Loopback  bool
	Nick      string
	Sender    wire.SenderID
	Warnings  []string
	// DstCheck is true when each datagram's destination is checked (it
	// is not on Windows, whose kernel filters by group itself).
	DstCheck bool
	// Keyed is true in a passphrase group: every datagram is sealed.
	Keyed bool
	// Plain is true when we send bare text (Config.Plain), Encoding how.
	Plain    bool
	Encoding string
	// NATS is the NATS server joined through (Config.NATS), "" for
	// multicast.
	NATS string
}

// Message is a message from another member, delivered in the sender's
// order, exactly once.
type Message struct {
	From     string // the sender's nickname
	Sender   wire.SenderID
	Seq      uint64
	Sent     time.Time // the sender's clock
	Received time.Time // ours
	Source   netip.AddrPort
	Text     string
	// Plain is true for a bare datagram from a classic tool: From is its
	// host:port, Sender and Seq are zero, Encoding says how it was read
	// (EncodingUTF8, EncodingGB or EncodingBinary, then Text is escaped).
	Plain    bool
	Encoding string
	// Announcement is true when the room's presenter signed it as an
	// announcement and the signature checks; Presenter when the room's
	// presenter signed it and the signature checks, as an announcement or
	// as an ordinary message of its own (then Announcement is false: it is
	// not pinned, notified or acknowledged). Earlier when it was sent
	// before we joined and re-sent for us (a pinned announcement).
	Announcement bool
	Presenter    bool
	Earlier      bool
	// CaughtUp is true when another member re-sent it from its history
	// because we were not there when it was sent (catch-up, docs/PROTOCOL.md):
	// Source is then that member's, and Earlier is true.
	CaughtUp bool
	// Wire is the DATA datagrams the message came in, plain (unsealed),
	// kept only when Config.Archive is set: what a history keeps to answer
	// another member's catch-up with.
	Wire [][]byte
}

// Sent confirms that our own message left through the sender socket.
type Sent struct {
	Seq   uint64
	Time  time.Time
	Nick  string
	Text  string
	Plain bool // sent as bare text (Seq is 0)
	// Presenter: we present the room, and signed it; Announcement: as an
	// announcement (Send.Announce), else as our message.
	Presenter    bool
	Announcement bool
	// Wire is its DATA datagrams (as Message.Wire), when Config.Archive
	// is set.
	Wire [][]byte
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

// Receipt tells a presenter how many computers have received
// announcement Seq (and everything before it): a computer counts once,
// however many members it runs (People), and has it when each of them
// does. Missing names one member of each computer that has not yet, at
// most classroom.MaxMissing of them (Members - Received is how many);
// Have one of each computer that has, at most classroom.MaxHave.
// Number is the announcement's place among this membership's
// announcements (1 for the first; the presenter's messages, which have
// no receipts, are not counted), what a person calls it.
// Reports are coalesced: at most one per announcement per classroom.ReportEvery.
type Receipt struct {
	Seq               uint64
	Number            int
	Received, Members int // computers
	People            int // members on them
	Missing, Have     []Peer
}

// PeerJoined says a member was heard for the first time.
type PeerJoined struct{ Peer Peer }

// PeerLeft says a member left: it announced it, or fell silent for longer
// than the peer timeout (Timeout), or was dropped from a full member list
// without ever having spoken, to make room for others (Evicted: a flood of
// fake members is the usual cause).
type PeerLeft struct {
	Peer    Peer
	Timeout bool
	Evicted bool
}

// Lost says a range of a sender's datagrams can no longer be delivered:
// the sender no longer holds them, or is gone. Delivery goes on after it.
type Lost struct {
	Peer        Peer
	First, Last uint64
}

// Count is how many datagrams were lost.
func (l Lost) Count() uint64 { return l.Last - l.First + 1 }

// Sentence says what the loss means to a person. A message longer than
// one datagram counts once per datagram.
func (l Lost) Sentence() string { return l.Words().String() }

var (
	wLostOne  = words.Define("1 message from {{.Nick}} could not be recovered")
	wLostMany = words.Define("{{.Count}} messages from {{.Nick}} could not be recovered")
)

// Words is Sentence, for a front end to translate.
func (l Lost) Words() words.Words {
	if n := l.Count(); n != 1 {
		return wLostMany.With(map[string]any{"Count": n, "Nick": l.Peer.Nick})
	}
	return wLostOne.With(map[string]any{"Nick": l.Peer.Nick})
}

// Peer is a member as the roster shows it. Two members with one nickname
// are told apart by Host and ID.
type Peer struct {
	ID        wire.SenderID
	Nick      string
	Host      netip.Addr
	LastHeard time.Time
	Self      bool
	// Presenter: the room's presenter, proven by an announcement its key
	// signed (for ourselves: we present). A member merely calling itself
	// by the presenter's name is not.
	Presenter bool
}

// InterfaceChanged says the membership's network interface went away
// (Gone: unplugged, disabled, removed) or lost its link (cable, Wi-Fi),
// or, Up, that it is back and the group is joined again. Meanwhile
// nothing arrives, and what is sent waits to be repaired.
type InterfaceChanged struct {
	Name     string
	Up, Gone bool
}

// Sentence says what it means to a person.
func (c InterfaceChanged) Sentence() string { return c.Words().String() }

var (
	wInterfaceUp   = words.Define("{{.Name}} is back: the group is joined again, and what was missed is being repaired")
	wInterfaceGone = words.Define("{{.Name}} went away (unplugged or disabled): nothing can be sent or received until it is back")
	wInterfaceDown = words.Define("{{.Name}} lost its connection (cable unplugged or Wi-Fi gone?): nothing can be sent or received until it is back")
)

// Words is Sentence, for a front end to translate.
func (c InterfaceChanged) Words() words.Words {
	data := map[string]any{"Name": c.Name}
	switch {
	case c.Up:
		return wInterfaceUp.With(data)
	case c.Gone:
		return wInterfaceGone.With(data)
	}
	return wInterfaceDown.With(data)
}

func (InterfaceChanged) event() {}
func (Joined) event()           {}
func (Message) event()          {}
func (Sent) event()             {}
func (Left) event()             {}
func (Error) event()            {}
func (Unreadable) event()       {}
func (Receipt) event()          {}
func (PeerJoined) event()       {}
func (PeerLeft) event()         {}
func (Lost) event()             {}
