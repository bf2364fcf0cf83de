package gui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/groupcast/groupcast/gui/internal/chatlog"
	"github.com/groupcast/groupcast/gui/internal/roster"
	"github.com/groupcast/groupcast/netconf"
)

// How a message shows: its line in the log (marked when it is an
// announcement or the presenter's), the banner, and the notification.

// showMessage logs a message (kept as history row id, 0: not kept); an
// announcement is also pinned on top. One sent before we were there (an
// announcement pinned for newcomers, or caught up from another member's
// history) is marked earlier, at the time it was sent.
func (ui *window) showMessage(ev netconf.Message, id int64) {
	from := ev.From
	if ev.Plain {
		from = roster.HostName(ev.Source.Addr()) + " (plain)" // "10.0.2.7 on another network (plain)" through a bridge
	}
	colour := chatlog.SenderColour(from) // one colour for a person, however marked
	switch {
	case ev.Announcement:
		from = "📢 " + from
		ui.pin(ev)
	case ev.Presenter: // the presenter's message: its own, not an announcement
		from += lang.L(" (presenter)")
		ui.presenterBack()
	}
	at := ev.Received
	if ev.Earlier || ev.CaughtUp {
		from += lang.L(" (earlier)")
		if !ev.Sent.IsZero() {
			at = ev.Sent
		}
	}
	ui.model.Add(chatlog.Entry{At: at, Kind: chatlog.Message, From: from, Text: ev.Text, Colour: colour, ID: id})
	if !ui.focused {
		ui.unread++
		ui.setTitle()
	}
}

// sentFrom is how our own line is headed: our name, marked 📢 when we
// announced it.
func sentFrom(ev netconf.Sent) string {
	if ev.Announcement {
		return "📢 " + ev.Nick
	}
	return ev.Nick
}

// notify shows a desktop notification for a message that arrived while
// the window was not focused, at most one every two seconds, with the
// sound if the user asked for it.
func (ui *window) notify(m netconf.Message) {
	now := ui.opts.now()
	if !m.Announcement && (ui.focused || now.Sub(ui.lastNote) < 2*time.Second) {
		return // announcements always notify: that is what a lab PC is for
	}
	ui.lastNote = now
	text := m.Text
	if r := []rune(text); len(r) > 140 {
		text = string(r[:140]) + "…"
	}
	title := lang.L("{{.Nick}} in Groupcast", map[string]any{"Nick": m.From})
	if m.Announcement {
		title = lang.L("📢 Announcement from {{.Nick}}", map[string]any{"Nick": m.From})
	}
	ui.app.SendNotification(fyne.NewNotification(title, text))
	ui.chimeFor()
}
