package netconf

import (
	"net/netip"

	"github.com/groupcast/groupcast/netconf/event"
)

// Command is something the user asks of the engine: Join, Send or Leave.
type Command interface{ command() }

// Join asks for a membership; an existing one is left first.
type Join struct{ Config Config }

// Send asks to send Text to the group. A room's presenter signs what it
// sends: as its message, which members show as the presenter's (and a
// read-only room lets through), or, with Announce, as an announcement,
// which members also pin on top, notify and acknowledge (Receipt), and
// which is pinned again for members who join later. Announce is refused
// when we do not present the room.
type Send struct {
	Text     string
	Announce bool
}

// Leave asks to leave the group. With Linger the engine first keeps
// answering repair requests until the group has been quiet for a moment,
// so the last messages reach everyone. Leaving when not joined does
// nothing.
type Leave struct{ Linger bool }

func (Join) command()  {}
func (Send) command()  {}
func (Leave) command() {}

// The events, and what they carry, are package event's (the engine's
// parts emit them); these names are the API.
type (
	Event            = event.Event
	Joined           = event.Joined
	Message          = event.Message
	Sent             = event.Sent
	Left             = event.Left
	Error            = event.Error
	Receipt          = event.Receipt
	PeerJoined       = event.PeerJoined
	PeerLeft         = event.PeerLeft
	Lost             = event.Lost
	Unreadable       = event.Unreadable
	UnreadableReason = event.UnreadableReason
	Peer             = event.Peer
	InterfaceChanged = event.InterfaceChanged
	FileOffered      = event.FileOffered
	FileProgress     = event.FileProgress
	FileReceived     = event.FileReceived
	FileFailed       = event.FileFailed
	FileReceipt      = event.FileReceipt
	FileFailure      = event.FileFailure
	Stats            = event.Stats
	Reach            = event.Reach
)

// Reasons for Unreadable.
const (
	UnreadableOtherPassphrase = event.UnreadableOtherPassphrase
	UnreadableNoPassphrase    = event.UnreadableNoPassphrase
	UnreadableNeedsPassphrase = event.UnreadableNeedsPassphrase
	UnreadableForged          = event.UnreadableForged
	UnreadableReplayed        = event.UnreadableReplayed
	UnreadableImpostor        = event.UnreadableImpostor
	UnreadableImplausible     = event.UnreadableImplausible
	UnreadableCrowded         = event.UnreadableCrowded
	UnreadableFull            = event.UnreadableFull
	UnreadableEvicted         = event.UnreadableEvicted
	UnreadableRepairFlood     = event.UnreadableRepairFlood
	UnreadableClock           = event.UnreadableClock
	UnreadableEarlierSession  = event.UnreadableEarlierSession
	UnreadableNextPort        = event.UnreadableNextPort
	UnreadableOlderVersion    = event.UnreadableOlderVersion
	UnreadableNewerVersion    = event.UnreadableNewerVersion
	UnreadableBeforeJoin      = event.UnreadableBeforeJoin
	UnreadableFileFlood       = event.UnreadableFileFlood
	UnreadableReadOnlyFile    = event.UnreadableReadOnlyFile
	UnreadableForgedCatchUp   = event.UnreadableForgedCatchUp
	UnreadableCatchUpFlood    = event.UnreadableCatchUpFlood
	UnreadableNotBridge       = event.UnreadableNotBridge
	UnreadableBridges         = event.UnreadableBridges
	UnreadableForgedBeacon    = event.UnreadableForgedBeacon
)

// How a member is reached (ReachOf).
const (
	ReachHere   = event.ReachHere
	ReachBridge = event.ReachBridge
	ReachNATS   = event.ReachNATS
)

// ReachOf says how the computer at host (a Peer's Host, an Unreadable's)
// is reached, and its address on its own network (unspecified for a
// member joined through NATS).
func ReachOf(host netip.Addr) (Reach, netip.Addr) { return event.ReachOf(host) }

// HostName says where host is for a person: its address, and for one on
// another network, how it is reached ("10.0.2.7 (another network)").
func HostName(host netip.Addr) string { return event.HostName(host) }
