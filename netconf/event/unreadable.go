package event

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/groupcast/groupcast/netconf/words"
)

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
	// Beacons the site's bridge key does not verify, where one is set.
	UnreadableForgedBeacon UnreadableReason = "forged_beacon"
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

// count says Count with its noun (and what goes with it): "1 ask was",
// "3 asks were".
func count(one, many string) string {
	return "{{if eq .Count 1}}1 " + one + "{{else}}{{.Count}} " + many + "{{end}}"
}

// agree is one when Count is 1, many otherwise: a verb or pronoun that
// agrees with it further on.
func agree(one, many string) string {
	return "{{if eq .Count 1}}" + one + "{{else}}" + many + "{{end}}"
}

var unreadableWords = map[UnreadableReason]words.Template{
	UnreadableOtherPassphrase: words.Define("Others here use another passphrase: you cannot read them (" + count("datagram", "datagrams") + " so far), and nobody of them can read you. Check the passphrase with them"),
	UnreadableNoPassphrase:    words.Define(count("datagram", "datagrams") + " from members without a passphrase (not shown)"),
	UnreadableNeedsPassphrase: words.Define(count("datagram", "datagrams") + " from members with a passphrase: join with it to read them"),
	UnreadableForged:          words.Define(count("datagram", "datagrams") + " failed authentication (damaged or forged) and " + agree("was", "were") + " dropped"),
	UnreadableReplayed:        words.Define(count("datagram was a replay or too old and was", "datagrams were replays or too old and were") + " refused"),
	UnreadableImpostor:        words.Define(from + " posing as {{.Peer}}: " + count("datagram", "datagrams") + " carried that member's identity from another computer and " + agree("was", "were") + " refused"),
	UnreadableCrowded:         words.Define(from + " is sending as more members than one computer runs (a flood of fake members?): " + count("datagram", "datagrams") + " from further new ones " + agree("was", "were") + " refused"),
	UnreadableFull:            words.Define("The member list is full of members who have spoken: " + count("datagram", "datagrams") + " from new senders " + agree("was", "were") + " refused"),
	UnreadableEvicted:         words.Define("The member list was full (a flood of fake members?): " + count("sender that never said anything was", "senders that never said anything were") + " dropped from it to make room"),
	UnreadableRepairFlood:     words.Define(from + " asked for far more repeats of your messages than anyone could need (a flood?): " + count("was", "were") + " not sent; others are still answered"),
	UnreadableClock:           words.Define("{{.Peer}}'s clock is {{.Skew}} {{if .Ahead}}ahead of{{else}}behind{{end}} this computer's (or what arrives is an old recording): " + count("of its datagrams was", "of its datagrams were") + " refused; set the clock right on one of the two computers"),
	UnreadableBeforeJoin:      words.Define(count("datagram", "datagrams") + " from {{.Peer}} " + agree("was", "were") + " sent {{.Skew}} {{if .Ahead}}before{{else}}after{{end}} you joined: a replayed recording, or that computer's clock is behind; " + agree("it was", "they were") + " refused"),
	UnreadableEarlierSession:  words.Define(count("announcement", "announcements") + " signed by {{.Peer}} for an earlier session of this room (a replayed recording?) " + agree("was", "were") + " refused"),
	UnreadableNextPort:        words.Define(from + " sends to a group on the port next to this one's: " + count("of its datagrams was", "of its datagrams were") + " ignored. Groupcast uses a group's port and the next one, so give groups on one address ports at least 2 apart"),
	UnreadableOlderVersion:    words.Define(from + " runs an older Groupcast that cannot talk with this one: " + count("of its datagrams was", "of its datagrams were") + " not read. Update Groupcast there"),
	UnreadableNewerVersion:    words.Define(from + " runs a newer Groupcast that this one cannot read: " + count("of its datagrams was", "of its datagrams were") + " not read. Update Groupcast on this computer"),
	UnreadableImplausible:     words.Define(from + " claimed to have sent far more messages than anyone can: " + count("forged datagram was", "forged datagrams were") + " refused"),
	UnreadableFileFlood:       words.Define(from + " offered more files at once than Groupcast takes from one computer: " + count("offer was", "offers were") + " ignored"),
	UnreadableReadOnlyFile:    words.Define(from + " offered files in this read-only room, where only its presenter may: " + count("offer was", "offers were") + " refused"),
	UnreadableForgedCatchUp:   words.Define(from + " passed on " + count("earlier message as an announcement", "earlier messages as announcements") + " of this room's presenter that its key did not sign; " + agree("it was", "they were") + " refused"),
	UnreadableCatchUpFlood:    words.Define(from + " asked for earlier messages more often than anyone needs: " + count("ask was", "asks were") + " not answered"),
	UnreadableNotBridge:       words.Define(from + " passed on " + count("datagram", "datagrams") + " as if from other networks, but it is not a bridge of this network (or " + agree("the datagram", "they") + " claimed to come from this one); " + agree("it was", "they were") + " refused"),
	UnreadableBridges:         words.Define(from + " says it is a bridge, but more bridges than Groupcast follows already serve this network: its " + count("beacon was", "beacons were") + " ignored"),
	UnreadableForgedBeacon:    words.Define(from + " says it is a bridge of this network, but the bridge key set here does not sign its " + count("beacon", "beacons") + ": " + agree("it was", "they were") + " ignored, and what it passes on as if from other networks is refused"),
}

var wUnreadable = words.Define(count("datagram", "datagrams") + " could not be read")

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
