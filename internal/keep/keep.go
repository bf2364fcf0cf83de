// Package keep is what the window and the commands share to keep their
// history (internal/history): the name a membership's conversation is
// kept under, and the row each event of the engine makes. One mapping,
// so that what `listen -history` kept and what the window kept read the
// same.
package keep

import (
	"time"

	"github.com/groupcast/groupcast/internal/history"
	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/wire"
)

// Conversation is how a membership's history is named: "room:NAME" for
// a room, else the group's "ADDR:PORT".
func Conversation(cfg netconf.Config) string {
	if cfg.Room != nil && cfg.Room.Name != "" {
		return "room:" + cfg.Room.Name
	}
	return cfg.Group.String()
}

// Conv is the membership whose events are kept.
type Conv struct {
	Group   string        // Conversation of its Config
	Private bool          // a passphrase group: its text is sealed at rest
	Self    wire.SenderID // ours (Joined.Sender): what we sent is ours
	Joined  time.Time     // when the membership began (AlreadyKept)
}

// Row is the row ev makes in c's history, if it makes one: messages and
// announcements (received or sent), members joining and leaving, files
// received. now is when it was shown, for events that carry no time.
func Row(ev netconf.Event, c Conv, now time.Time) (history.Record, bool) {
	base := history.Record{Group: c.Group, Private: c.Private, Received: now}
	switch ev := ev.(type) {
	case netconf.Message:
		base.Kind = history.Message
		if ev.Announcement {
			base.Kind = history.Announcement
		}
		if !ev.Plain {
			base.Sender, base.Seq = ev.Sender.String(), ev.Seq
		}
		base.Nick, base.Host, base.Text, base.Encoding, base.Plain = ev.From, ev.Source.Addr().String(), ev.Text, ev.Encoding, ev.Plain
		base.Sent, base.Received = ev.Sent, ev.Received
		base.Wire, base.Earlier, base.Presenter = ev.Wire, ev.Earlier || ev.CaughtUp, ev.Presenter
		if base.Received.IsZero() {
			base.Received = now
		}
		return base, true
	case netconf.Sent:
		base.Kind, base.Nick, base.Text, base.Sent, base.Plain, base.Wire = history.Message, ev.Nick, ev.Text, ev.Time, ev.Plain, ev.Wire
		base.Presenter = ev.Presenter
		if ev.Announcement {
			base.Kind = history.Announcement
		}
		if !ev.Plain {
			base.Sender, base.Seq = c.Self.String(), ev.Seq
		}
		return base, true
	case netconf.PeerJoined:
		base.Kind, base.Sender, base.Nick, base.Host = history.Joined, ev.Peer.ID.String(), ev.Peer.Nick, ev.Peer.Host.String()
		return base, true
	case netconf.PeerLeft:
		base.Kind, base.Sender, base.Nick, base.Host = history.Left, ev.Peer.ID.String(), ev.Peer.Nick, ev.Peer.Host.String()
		return base, true
	case netconf.FileReceived:
		if ev.Already {
			return history.Record{}, false // kept when it first came
		}
		base.Kind, base.Sender, base.Nick, base.Host = history.FileReceived, ev.From.ID.String(), ev.From.Nick, ev.From.Host.String()
		base.FileName, base.FileSHA256, base.FilePath = ev.Name, ev.SHA256, ev.Path
		return base, true
	}
	return history.Record{}, false
}

// AlreadyKept reports whether ev, whose row (-1: none) was just added
// with recs, is a message sent before c's membership began that the
// history had already kept (history.Store.Add left its ID 0: same
// conversation, sender, kind and seq): it was shown when it first came —
// before a restart, say — and is not shown again, whether it comes back
// caught up, pinned for newcomers or repaired from its sender's buffer.
// A message sent since is shown although kept: another program of ours
// on this computer (its sender, say) may keep the same store.
func (c Conv) AlreadyKept(ev netconf.Event, recs []history.Record, row int) bool {
	m, ok := ev.(netconf.Message)
	earlier := m.CaughtUp || m.Earlier || !c.Joined.IsZero() && m.Sent.Before(c.Joined)
	return ok && earlier && row >= 0 && recs[row].ID == 0 && recs[row].Seq > 0
}
