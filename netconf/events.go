package netconf

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/groupcast/groupcast/netconf/wire"
	"github.com/groupcast/groupcast/netconf/words"
)

// Command is something the user asks of the engine: Join, Send or Leave.
type Command interface{ command() }

// Join asks for a membership; an existing one is left first.
type Join struct{ Config Config }

// Send asks to send Text to the group.
type Send struct{ Text string }

// Leave asks to leave the group. With Linger the engine first keeps
// answering repair requests until the group has been quiet for a moment,
// so the last messages reach everyone. Leaving when not joined does
// nothing.
type Leave struct{ Linger bool }

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
	// Announcement is true when the room's presenter signed it and the
	// signature checks; Earlier when it was sent before we joined and
	// re-sent for us (a pinned announcement).
	Announcement bool
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
	// Announcement: we present the room, and signed it.
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

// Receipt tells a presenter how many members have received announcement
// Seq (and everything before it); Missing names those who have not yet,
// at most MaxReceiptMissing of them (Members - Received is how many).
// Reports are coalesced: at most one per announcement per ReceiptEvery.
type Receipt struct {
	Seq               uint64
	Received, Members int
	Missing           []Peer
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

// UnreadableReason says why datagrams were refused.
type UnreadableReason string

// Reasons for Unreadable.
const (
	UnreadableOtherPassphrase UnreadableReason = "other_passphrase"
	UnreadableNoPassphrase    UnreadableReason = "no_passphrase"
	UnreadableNeedsPassphrase UnreadableReason = "passphrase_needed"
	UnreadableForged          UnreadableReason = "forged"
	UnreadableReplayed        UnreadableReason = "replayed"
	// A member's sender id on datagrams from another computer.
	UnreadableImpostor UnreadableReason = "impostor"
	// Sequence numbers no sender could have reached.
	UnreadableImplausible UnreadableReason = "implausible"
	// New senders from a computer that already has as many as one runs.
	UnreadableCrowded UnreadableReason = "crowded"
	// New senders while the member list is full of members who spoke.
	UnreadableFull UnreadableReason = "full"
	// Silent senders dropped from a full member list to make room.
	UnreadableEvicted UnreadableReason = "evicted"
	// Repairs asked for beyond a computer's share of the repair budget.
	UnreadableRepairFlood UnreadableReason = "repair_flood"
	// Stamped far from our clock (Skew says how far): in a private
	// group, any datagram; in a room, the presenter's signature.
	UnreadableClock UnreadableReason = "clock"
	// The presenter's signature, for an earlier session of the room: a
	// recording replayed.
	UnreadableEarlierSession UnreadableReason = "earlier_session"
	// Groupcast datagrams of an older, or newer, wire format than ours.
	// Datagrams on the wrong one of our two ports: another group's, whose
	// port is next to ours (Groupcast uses a group's port and the next).
	UnreadableNextPort     UnreadableReason = "next_port"
	UnreadableOlderVersion UnreadableReason = "older_version"
	UnreadableNewerVersion UnreadableReason = "newer_version"
	// Private groups: sent before we joined (Skew: how long before).
	UnreadableBeforeJoin UnreadableReason = "before_join"
	// Files offered faster than one computer may (fileOffersPerHost).
	UnreadableFileFlood UnreadableReason = "file_flood"
	// A file offered in a read-only room by someone not its presenter.
	UnreadableReadOnlyFile UnreadableReason = "read_only_file"
	// Caught-up messages passed on as the presenter's announcements
	// that its key did not sign.
	UnreadableForgedCatchUp UnreadableReason = "forged_catchup"
	// Asks for earlier messages from one computer, too often.
	UnreadableCatchUpFlood UnreadableReason = "catchup_flood"
	// Datagrams from other networks passed on by a computer that is not
	// one of this network's bridges, or labelled as this network's own.
	UnreadableNotBridge UnreadableReason = "not_bridge"
	// Beacons from more bridges on this network than a member tracks.
	UnreadableBridges UnreadableReason = "bridges"
)

// Unreadable reports, once per reason and membership, that Count
// datagrams were refused so far; Stats keeps counting after. Peer and
// Host say whom it concerns, when that is known: the member named and the
// computer the datagrams came from.
type Unreadable struct {
	Reason UnreadableReason
	Count  uint64
	Peer   string
	Host   netip.Addr
	Skew   time.Duration // how far ahead (or, negative, behind) the sender's clock is
}

// Sentence says what it means to a person.
func (u Unreadable) Sentence() string { return u.Words().String() }

// from names the computer datagrams came from, at the start of a
// sentence.
const from = "{{if .Host}}A computer at {{.Host}}{{else}}Someone{{end}}"

var unreadableWords = map[UnreadableReason]words.Template{
	UnreadableOtherPassphrase: words.Define("Others here use another passphrase: you cannot read them ({{.Count}} datagrams so far), and nobody of them can read you. Check the passphrase with them"),
	UnreadableNoPassphrase:    words.Define("{{.Count}} datagrams from members without a passphrase (not shown)"),
	UnreadableNeedsPassphrase: words.Define("{{.Count}} datagrams from members with a passphrase: join with it to read them"),
	UnreadableForged:          words.Define("{{.Count}} datagrams failed authentication (damaged or forged) and were dropped"),
	UnreadableReplayed:        words.Define("{{.Count}} datagrams were replays or too old and were refused"),
	UnreadableImpostor:        words.Define(from + " posing as {{.Peer}}: {{.Count}} datagrams carried that member's identity from another computer and were refused"),
	UnreadableCrowded:         words.Define(from + " is sending as more members than one computer runs (a flood of fake members?): {{.Count}} datagrams from further new ones were refused"),
	UnreadableFull:            words.Define("The member list is full of members who have spoken: {{.Count}} datagrams from new senders were refused"),
	UnreadableEvicted:         words.Define("The member list was full (a flood of fake members?): {{.Count}} senders that never said anything were dropped from it to make room"),
	UnreadableRepairFlood:     words.Define(from + " asked for far more repeats of your messages than anyone could need (a flood?): {{.Count}} were not sent; others are still answered"),
	UnreadableClock:           words.Define("{{.Peer}}'s clock is {{.Skew}} {{if .Ahead}}ahead of{{else}}behind{{end}} this computer's (or what arrives is an old recording): {{.Count}} of its datagrams were refused; set the clock right on one of the two computers"),
	UnreadableBeforeJoin:      words.Define("{{.Count}} datagrams from {{.Peer}} were sent {{.Skew}} {{if .Ahead}}before{{else}}after{{end}} you joined: a replayed recording, or that computer's clock is behind; they were refused"),
	UnreadableEarlierSession:  words.Define("{{.Count}} announcements signed by {{.Peer}} for an earlier session of this room (a replayed recording?) were refused"),
	UnreadableNextPort:        words.Define(from + " sends to a group on the port next to this one's: {{.Count}} of its datagrams were ignored. Groupcast uses a group's port and the next one, so give groups on one address ports at least 2 apart"),
	UnreadableOlderVersion:    words.Define(from + " runs an older Groupcast that cannot talk with this one: {{.Count}} of its datagrams were not read. Update Groupcast there"),
	UnreadableNewerVersion:    words.Define(from + " runs a newer Groupcast that this one cannot read: {{.Count}} of its datagrams were not read. Update Groupcast on this computer"),
	UnreadableImplausible:     words.Define(from + " claimed to have sent far more messages than anyone can: {{.Count}} forged datagrams were refused"),
	UnreadableFileFlood:       words.Define(from + " offered more files at once than Groupcast takes from one computer: {{.Count}} offers were ignored"),
	UnreadableReadOnlyFile:    words.Define(from + " offered files in this read-only room, where only its presenter may: {{.Count}} offers were refused"),
	UnreadableForgedCatchUp:   wForgedCatchUp,
	UnreadableCatchUpFlood:    wCatchUpFlood,
	UnreadableNotBridge:       words.Define(from + " passed on {{.Count}} datagrams as if from other networks, but it is not a bridge of this network (or they claimed to come from this one); they were refused"),
	UnreadableBridges:         words.Define(from + " says it is a bridge, but more bridges than Groupcast follows already serve this network: its {{.Count}} beacons were ignored"),
}

var wUnreadable = words.Define("{{.Count}} datagrams could not be read")

// Words is Sentence, for a front end to translate.
func (u Unreadable) Words() words.Words {
	data := map[string]any{"Count": u.Count, "Peer": u.Peer, "Host": ""}
	if u.Host.IsValid() {
		data["Host"] = HostName(u.Host)
	}
	skew := u.Skew
	if u.Reason == UnreadableBeforeJoin {
		skew = -skew // how long before we joined
	}
	data["Skew"], data["Ahead"] = describeSkew(skew), skew >= 0
	if t, ok := unreadableWords[u.Reason]; ok {
		return t.With(data)
	}
	return wUnreadable.With(data)
}

// describeSkew says how far a clock is off, rounded to what a person
// reads: "10 min", "8 s".
func describeSkew(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d h", d/time.Hour)
	case d >= 2*time.Minute:
		return fmt.Sprintf("%d min", (d+30*time.Second)/time.Minute)
	case d >= 10*time.Second:
		return fmt.Sprintf("%d s", (d+500*time.Millisecond)/time.Second)
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
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
