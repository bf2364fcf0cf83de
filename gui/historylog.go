package gui

import (
	"net/netip"

	"fyne.io/fyne/v2/lang"

	"github.com/groupcast/groupcast/gui/internal/chatlog"
	"github.com/groupcast/groupcast/internal/history"
	"github.com/groupcast/groupcast/netconf"
)

// shownHistory is the history at the top of the log.
type shownHistory struct {
	conv      string // its conversation ("": none shown)
	rows      int    // entries at the top of the log from the store, the marker included
	trimmedAt int    // the log's Trimmed when rows was counted
	oldest    int64  // the oldest row shown
	more      bool   // older rows may be in the store
	loading   bool   // a page is on its way
}

// histRows is how many entries at the top of the log came from the
// store: fewer once the log dropped its oldest to stay bounded.
func (ui *window) histRows() int {
	return max(0, ui.hist.rows-(ui.model.Trimmed()-ui.hist.trimmedAt))
}

// canLoadOlder reports whether older history can come in above the log:
// there may be more. When the log dropped its oldest lines to stay
// bounded, older history continues from the oldest line still shown
// that the store kept.
func (ui *window) canLoadOlder() bool {
	if ui.hist.conv == "" {
		return false
	}
	if ui.model.Trimmed() != ui.hist.trimmedAt {
		ui.hist.rows, ui.hist.trimmedAt, ui.hist.more = ui.histRows(), ui.model.Trimmed(), false
		for i := range ui.model.Len() {
			if id := ui.model.At(i).ID; id > 0 {
				ui.hist.oldest, ui.hist.more = id, true
				break
			}
		}
	}
	return ui.hist.more
}

// marker is the line between the history and what comes now.
func marker() string { return lang.L("— earlier —") }

// showConversation shows what is kept of the conversation just joined
// in place of the log: its latest rows, then the marker.
func (ui *window) showConversation(ev joinedKept) {
	ui.model.Clear()
	ui.cleared = true
	ui.hist = shownHistory{conv: ev.conv, trimmedAt: ui.model.Trimmed(), more: ev.more}
	if len(ev.earlier) > 0 {
		for _, r := range ev.earlier {
			ui.model.Add(ui.entryOf(r))
		}
		ui.system(chatlog.System, marker())
		ui.hist.rows = len(ev.earlier) + 1
		ui.hist.oldest = ev.earlier[0].ID
	}
	if ev.err != nil {
		ui.system(chatlog.Warning, lang.L("The history of {{.Conversation}} could not be read: {{.Why}}", map[string]any{"Conversation": ev.conv, "Why": ev.err.Error()}))
	}
}

// entryOf is how a kept row shows in the log: as it showed when it came.
func (ui *window) entryOf(r history.Record) chatlog.Entry {
	e := chatlog.Entry{At: r.Received, Kind: chatlog.System, ID: r.ID}
	who := map[string]any{"Nick": r.Nick, "Host": hostOfText(r.Host)}
	switch r.Kind {
	case history.Message, history.Announcement:
		from := r.Nick
		if r.Plain {
			from = r.Host + " (plain)"
		}
		e.Colour = chatlog.SenderColour(from) // as showMessage: one colour for a person
		switch {
		case r.Kind == history.Announcement:
			from = "📢 " + from
		case r.Presenter && r.Host != "": // the presenter's message, received (our own lines have no mark)
			from += lang.L(" (presenter)")
		}
		e.Kind, e.From, e.Text = chatlog.Message, from, r.Text
		if r.Earlier { // as it was shown: marked, at the time it was sent
			e.From += lang.L(" (earlier)")
			if !r.Sent.IsZero() {
				e.At = r.Sent
			}
		}
		if r.Host == "" && !r.Plain { // sent from here: a received message has its source
			e.Kind = chatlog.Own
		}
		if r.Private && r.Text == "" {
			e.Text = lang.L("(private: not readable without the group's passphrase)")
		}
	case history.Joined:
		e.Text = lang.L("{{.Nick}} ({{.Host}}) joined.", who)
	case history.Left:
		e.Text = lang.L("{{.Nick}} ({{.Host}}) left.", who)
	case history.FileReceived:
		e.Text = lang.L("📎 {{.From}} sent {{.Name}}: saved as {{.Path}}.", map[string]any{"From": r.Nick, "Name": r.FileName, "Path": r.FilePath})
	}
	return e
}

// hostOfText names the host a row came from, as hostText does.
func hostOfText(host string) string {
	a, err := netip.ParseAddr(host)
	if err != nil {
		return lang.L("unknown host")
	}
	return hostText(netconf.Peer{Host: a})
}

// atTop is the log drawing its first row: the user scrolled to the top.
// The page is asked for after the list's layout, not during it.
func (ui *window) atTop() {
	if ui.hist.loading || !ui.canLoadOlder() {
		return
	}
	ui.hist.loading = true
	ui.soon(ui.loadOlder)
}

// soon runs f on the UI goroutine once it has finished what it is doing.
func (ui *window) soon(f func()) {
	if ui.opts.soon != nil {
		ui.opts.soon(f)
		return
	}
	ui.opts.do(f)
}

// loadOlder brings the page before the oldest row shown, if the log is
// still at its top.
func (ui *window) loadOlder() {
	ui.hist.loading = false
	s, _ := ui.keeper.state()
	if s == nil || !ui.canLoadOlder() || !ui.view.AtTop() {
		return
	}
	page, err := s.Recent(ui.hist.conv, ui.hist.oldest, pageSize)
	if err != nil {
		ui.hist.more = false
		ui.status.SetText(lang.L("The history of {{.Conversation}} could not be read: {{.Why}}", map[string]any{"Conversation": ui.hist.conv, "Why": err.Error()}))
		return
	}
	ui.prependHistory(page, len(page) == pageSize)
}

// prependHistory puts page (oldest first) above the history shown,
// keeping the view where it was.
func (ui *window) prependHistory(page []history.Record, more bool) {
	es := make([]chatlog.Entry, len(page))
	for i, r := range page {
		es[i] = ui.entryOf(r)
	}
	n := ui.model.Prepend(es)
	ui.hist.more = more && n == len(es)
	if n == 0 {
		return
	}
	ui.hist.rows += n
	ui.hist.oldest = page[len(page)-n].ID
	ui.view.Shifted(n)
}

// loadBackTo brings every row of the conversation shown from the oldest
// shown back to row id (a search result), if the log has room for them.
func (ui *window) loadBackTo(id int64) {
	s, _ := ui.keeper.state()
	if s == nil {
		return
	}
	const step = 500
	var page []history.Record
	before, more := ui.hist.oldest, true
	for more && before > id && ui.model.Len()+len(page) < chatlog.MaxEntries {
		p, err := s.Recent(ui.hist.conv, before, step)
		if err != nil || len(p) == 0 {
			more = err != nil
			break
		}
		page = append(p, page...)
		before, more = p[0].ID, len(p) == step
	}
	if len(page) > 0 {
		ui.prependHistory(page, more)
	}
}
