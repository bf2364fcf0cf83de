package gui

import (
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/groupcast/groupcast/gui/internal/chatlog"
	"github.com/groupcast/groupcast/internal/history"
	"github.com/groupcast/groupcast/internal/keep"
	"github.com/groupcast/groupcast/netconf"
)

// The window keeps what it shows (docs/HISTORY.md): each batch of the
// engine's events has its rows committed to the history store before
// the batch is shown (keeper, on the event pump's goroutine). Joining a
// conversation shows its latest rows above an "— earlier —" marker, and
// scrolling to the top of the log brings older pages in. Ctrl+F can
// search all of it (search.go); the conversation can be exported, and
// History… turns it off, bounds it in time, or forgets a group.

// Preference keys of the history.
const (
	prefHistory = "history"      // keep history: on unless turned off
	prefKeepFor = "history_keep" // keepForever, keepYear, keepMonth, keepWeek
)

// How long history is kept.
const (
	keepForever = "forever"
	keepYear    = "year"
	keepMonth   = "month"
	keepWeek    = "week"
)

var keepChoices = []string{keepForever, keepYear, keepMonth, keepWeek}

// keepLabel is how History… names a choice.
func keepLabel(k string) string {
	switch k {
	case keepYear:
		return lang.L("a year")
	case keepMonth:
		return lang.L("a month")
	case keepWeek:
		return lang.L("a week")
	}
	return lang.L("for ever")
}

// cutoff is when the oldest row kept may have been received; zero: keep
// everything.
func cutoff(k string, now time.Time) time.Time {
	switch k {
	case keepYear:
		return now.AddDate(-1, 0, 0)
	case keepMonth:
		return now.AddDate(0, -1, 0)
	case keepWeek:
		return now.AddDate(0, 0, -7)
	}
	return time.Time{}
}

// pageSize is how many rows a page of history holds: shown on joining,
// and brought in each time the log is scrolled to its top.
const pageSize = 50

// maxBatch bounds what the pump takes at once while history is kept: a
// stream that never pauses is still committed and shown in steps.
const maxBatch = 1000

// keeper writes what the window will show into the store, on the event
// pump's goroutine, before the UI goroutine gets it.
type keeper struct {
	mu    sync.Mutex
	store *history.Store // nil: no store open
	on    bool           // the setting: keep history
	next  nextConv       // what the last Join asked
	err   error          // a failure to keep, for the window to say once
	said  bool
	now   func() time.Time

	// The pump's own: the membership whose events are kept.
	conv    keep.Conv
	phrase  string         // its passphrase, until the store has its key
	keyedIn *history.Store // the store that has it
}

// nextConv is the conversation the last Join asked for.
type nextConv struct {
	name, passphrase string
}

func (k *keeper) state() (*history.Store, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.store, k.on
}

func (k *keeper) fail(err error) {
	k.mu.Lock()
	if k.err == nil {
		k.err = err
	}
	k.mu.Unlock()
}

// problem is the first failure to keep history, once.
func (k *keeper) problem() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.err == nil || k.said {
		return nil
	}
	k.said = true
	return k.err
}

// joinedKept is Joined with the conversation's latest history, read when
// the membership began (history on).
type joinedKept struct {
	netconf.Joined
	conv    string
	earlier []history.Record // oldest first
	more    bool             // there may be older rows
	err     error
}

// keptMessage and keptSent are a message with the history row it was
// kept as.
type keptMessage struct {
	netconf.Message
	id int64
}

type keptSent struct {
	netconf.Sent
	id int64
}

// messageOf is the message an event shows, if it is one.
func messageOf(ev netconf.Event) (netconf.Message, bool) {
	switch ev := ev.(type) {
	case netconf.Message:
		return ev, true
	case keptMessage:
		return ev.Message, true
	}
	return netconf.Message{}, false
}

// process keeps a batch: its rows are stored in one commit, then the
// batch goes on, a Joined with the conversation's history and messages
// with their rows' ids; a caught-up message the history already had
// (shown when it first came) does not. It runs on the pump's goroutine.
func (k *keeper) process(evs []netconf.Event) []netconf.Event {
	s, on := k.state()
	var recs []history.Record
	var at []int
	dropped := false
	flush := func() {
		if len(recs) == 0 {
			return
		}
		if err := s.Add(recs); err != nil {
			k.fail(err) // shown all the same: a full disk does not silence the group
		} else {
			for i, r := range recs {
				switch ev := evs[at[i]].(type) {
				case netconf.Message:
					if keep.AlreadyKept(ev, recs, i) {
						evs[at[i]], dropped = nil, true
						continue
					}
					evs[at[i]] = keptMessage{ev, r.ID}
				case netconf.Sent:
					evs[at[i]] = keptSent{ev, r.ID}
				}
			}
		}
		recs, at = recs[:0], at[:0]
	}
	for i, ev := range evs {
		switch ev := ev.(type) {
		case netconf.Joined:
			flush()
			evs[i] = k.begin(s, on, ev)
			continue
		case netconf.Left:
			flush()
			k.conv, k.phrase, k.keyedIn = keep.Conv{}, "", nil
			continue
		}
		if !on || s == nil || k.conv.Group == "" || k.keyed(s) != nil {
			continue
		}
		if r, ok := keep.Row(ev, k.conv, k.now()); ok {
			recs, at = append(recs, r), append(at, i)
		}
	}
	flush()
	if dropped {
		evs = slices.DeleteFunc(evs, func(ev netconf.Event) bool { return ev == nil })
	}
	return evs
}

// begin starts keeping the membership j reports, and reads what is
// kept of its conversation.
func (k *keeper) begin(s *history.Store, on bool, j netconf.Joined) netconf.Event {
	k.mu.Lock()
	n := k.next
	k.mu.Unlock()
	k.conv = keep.Conv{Group: n.name, Private: n.passphrase != "", Self: j.Sender}
	k.phrase, k.keyedIn = n.passphrase, nil
	if !on || s == nil || n.name == "" {
		return j
	}
	ev := joinedKept{Joined: j, conv: n.name}
	if ev.err = k.keyed(s); ev.err != nil {
		return ev
	}
	ev.earlier, ev.err = s.Recent(n.name, 0, pageSize)
	ev.more = len(ev.earlier) == pageSize
	return ev
}

// keyed makes sure the store has the key of a private conversation.
// Without it nothing of the membership is kept.
func (k *keeper) keyed(s *history.Store) error {
	if !k.conv.Private || k.keyedIn == s {
		return nil
	}
	if err := s.SetPassphrase(k.conv.Group, k.phrase); err != nil {
		k.fail(err)
		k.conv = keep.Conv{}
		return err
	}
	k.keyedIn = s
	return nil
}

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

// openHistory opens the store where the options say (not in tests that
// do not ask for it), when history is on or already kept there.
func (ui *window) openHistory(create bool) *history.Store {
	if s, _ := ui.keeper.state(); s != nil || ui.opts.historyDir == nil {
		return s
	}
	dir, err := ui.opts.historyDir()
	if err == nil && !create {
		if _, err := os.Stat(filepath.Join(dir, "history.db")); err != nil {
			return nil
		}
	}
	var s *history.Store
	if err == nil {
		s, err = history.Open(dir)
	}
	if err != nil {
		ui.system(chatlog.Warning, lang.L("History cannot be kept: {{.Why}}", map[string]any{"Why": err.Error()}))
		return nil
	}
	ui.keeper.mu.Lock()
	ui.keeper.store = s
	ui.keeper.mu.Unlock()
	return s
}

// startHistory opens the store when history is on and prunes what is
// older than the user keeps.
func (ui *window) startHistory() {
	p := ui.app.Preferences()
	on := p.BoolWithFallback(prefHistory, true)
	ui.keeper.now = ui.opts.now
	ui.keeper.on = on
	if !on {
		return
	}
	if s := ui.openHistory(true); s != nil {
		ui.model.SetMax(chatlog.MaxEntriesKept) // the rest is in the store
		if t := cutoff(p.String(prefKeepFor), ui.opts.now()); !t.IsZero() {
			go func() {
				if _, err := s.Prune(t); err != nil {
					ui.keeper.fail(err)
				}
			}()
		}
	}
}

// closeHistory closes the store, once the pump has stopped.
func (ui *window) closeHistory() {
	ui.keeper.mu.Lock()
	s := ui.keeper.store
	ui.keeper.store = nil
	ui.keeper.mu.Unlock()
	if s != nil {
		_ = s.Close()
	}
}

// historyFor adds what a Join needs to cfg: the conversation is kept
// from its Joined on, and the engine answers and asks catch-up from it.
func (ui *window) historyFor(cfg *netconf.Config) {
	ui.conv = keep.Conversation(*cfg)
	ui.keeper.mu.Lock()
	ui.keeper.next = nextConv{name: ui.conv, passphrase: cfg.Passphrase}
	s, on := ui.keeper.store, ui.keeper.on
	ui.keeper.mu.Unlock()
	if on && s != nil && !cfg.Plain {
		cfg.Archive = s.Archive(ui.conv)
	}
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
		if r.Kind == history.Announcement {
			from = "📢 " + from
		}
		e.Kind, e.From, e.Text, e.Colour = chatlog.Message, from, r.Text, chatlog.SenderColour(from)
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

// conversation is the conversation History…, export and forget act on:
// the one joined last, or the one the bar names.
func (ui *window) conversation() string {
	if ui.conv != "" {
		return ui.conv
	}
	g, err := ui.bar.group()
	if err != nil {
		return ""
	}
	cfg := netconf.Config{Group: g, Room: ui.room}
	if r := ui.remembered; cfg.Room == nil && r != nil && r.Group == g {
		cfg.Room = r
	}
	return keep.Conversation(cfg)
}

// conversationName is a conversation as the window names it: a room by
// its name.
func conversationName(conv string) string {
	if name, ok := strings.CutPrefix(conv, "room:"); ok {
		return name
	}
	return conv
}

// setHistory turns keeping history on or off (History…).
func (ui *window) setHistory(on bool) {
	ui.app.Preferences().SetBool(prefHistory, on)
	if on {
		ui.openHistory(true)
	}
	ui.keeper.mu.Lock()
	ui.keeper.on = on
	ui.keeper.mu.Unlock()
	if !on {
		ui.model.SetMax(chatlog.MaxEntries) // nothing more is kept: the log keeps it
	}
	if on {
		ui.status.SetText(lang.L("History on: what is shown is kept from now on."))
	} else {
		ui.status.SetText(lang.L("History off: nothing more is kept; what was kept stays until you forget it."))
	}
}

// setKeepFor bounds how long history is kept, and deletes what is older.
func (ui *window) setKeepFor(k string) {
	ui.app.Preferences().SetString(prefKeepFor, k)
	t := cutoff(k, ui.opts.now())
	s := ui.openHistory(false)
	if s == nil || t.IsZero() {
		return
	}
	n, err := s.Prune(t)
	if err != nil {
		ui.status.SetText(lang.L("History could not be pruned: {{.Why}}", map[string]any{"Why": err.Error()}))
		return
	}
	ui.status.SetText(lang.L("History is kept for {{.For}}: {{.N}} older rows deleted.", map[string]any{"For": keepLabel(k), "N": n}))
}

// forget deletes what is kept of conv, and takes its history off the
// log; the rest of the log stays.
func (ui *window) forget(conv string) {
	s := ui.openHistory(false)
	if s == nil || conv == "" {
		return
	}
	go func() {
		n, err := s.Forget(conv)
		ui.opts.do(func() { ui.forgotten(conv, n, err) })
	}()
}

func (ui *window) forgotten(conv string, n int64, err error) {
	if err != nil {
		ui.status.SetText(lang.L("{{.Conversation}} could not be forgotten: {{.Why}}", map[string]any{"Conversation": conversationName(conv), "Why": err.Error()}))
		return
	}
	if ui.hist.conv == conv {
		k := ui.histRows()
		ui.model.DropOldest(k)
		ui.view.Shifted(-k)
		ui.hist = shownHistory{conv: conv, trimmedAt: ui.model.Trimmed()}
	}
	ui.status.SetText(lang.L("{{.Conversation}} forgotten: {{.N}} rows deleted from this computer.", map[string]any{"Conversation": conversationName(conv), "N": n}))
}

// confirmForget asks before forgetting conv.
func (ui *window) confirmForget(conv string) {
	d := dialog.NewConfirm(lang.L("Forget this group?"),
		lang.L("Delete everything kept of {{.Conversation}} on this computer? This cannot be undone.", map[string]any{"Conversation": conversationName(conv)}),
		func(ok bool) {
			if ok {
				ui.forget(conv)
			}
		}, ui.w)
	d.SetConfirmText(lang.L("Forget"))
	d.SetDismissText(lang.L("Cancel"))
	hideOnEscape(ui.w, d)
	d.Show()
}

// showHistorySettings is History…: keep history or not, for how long,
// and forget a group.
func (ui *window) showHistorySettings() {
	keepIt := widget.NewCheck(lang.L("Keep what is shown, to read and search it later"), nil)
	_, on := ui.keeper.state()
	keepIt.SetChecked(on)
	keepIt.OnChanged = ui.setHistory
	labels := make([]string, len(keepChoices))
	for i, k := range keepChoices {
		labels[i] = keepLabel(k)
	}
	keepFor := widget.NewSelect(labels, nil)
	current := ui.app.Preferences().StringWithFallback(prefKeepFor, keepForever)
	keepFor.SetSelected(keepLabel(current))
	keepFor.OnChanged = func(label string) {
		for _, k := range keepChoices {
			if keepLabel(k) == label {
				ui.setKeepFor(k)
			}
		}
	}
	conv := ui.conversation()
	forget := widget.NewButtonWithIcon(lang.L("Forget this group ({{.Conversation}})…", map[string]any{"Conversation": conversationName(conv)}), theme.DeleteIcon(), func() {
		ui.confirmForget(conv)
	})
	if conv == "" {
		forget.Disable()
	}
	where := lang.L("not kept yet")
	if s, _ := ui.keeper.state(); s != nil {
		where = s.Path()
	}
	whereLabel := widget.NewLabel(lang.L("Kept on this computer only, in {{.Path}}", map[string]any{"Path": where}))
	whereLabel.Wrapping = fyne.TextWrapWord
	whereLabel.SizeName = theme.SizeNameCaptionText
	form := widget.NewForm(
		widget.NewFormItem(lang.L("History"), keepIt),
		widget.NewFormItem(lang.L("Keep for"), keepFor),
	)
	d := dialog.NewCustom(lang.L("History"), lang.L("Close"), container.NewVBox(form, forget, whereLabel), ui.w)
	d.Resize(fyne.NewSize(min(ui.w.Canvas().Size().Width-40, 520), 0))
	hideOnEscape(ui.w, d)
	d.Show()
}

// exportTo writes what is kept of conv to w in the format name asks for
// (.txt, .html, .json), and returns how many rows it wrote.
func (ui *window) exportTo(w io.Writer, name, conv string) (int, error) {
	format, ok := history.FormatFor(name)
	if !ok {
		return 0, errors.New(lang.L("name the file .txt, .html or .json: that says how it is written"))
	}
	s := ui.openHistory(false)
	if s == nil {
		return 0, errors.New(lang.L("nothing is kept on this computer"))
	}
	rows, err := s.All(history.Query{Group: conv}, 0)
	if err != nil {
		return 0, err
	}
	return len(rows), history.Write(w, rows, format)
}

// exportConversation is "Export the conversation…": a file to save it
// in, as text, HTML or JSON by the name's extension.
func (ui *window) exportConversation() {
	conv := ui.conversation()
	if conv == "" || ui.openHistory(false) == nil {
		d := dialog.NewInformation(lang.L("Export the conversation"), lang.L("Nothing is kept of this conversation on this computer yet."), ui.w)
		hideOnEscape(ui.w, d)
		d.Show()
		return
	}
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		n, err := ui.exportTo(w, w.URI().Name(), conv)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = storage.Delete(w.URI())
			dialog.ShowError(errors.New(lang.L("Could not export {{.Conversation}}: {{.Why}}", map[string]any{"Conversation": conversationName(conv), "Why": err.Error()})), ui.w)
			return
		}
		ui.status.SetText(lang.L("{{.N}} rows of {{.Conversation}} written to {{.Path}}.", map[string]any{"N": n, "Conversation": conversationName(conv), "Path": w.URI().Path()}))
	}, ui.w)
	d.SetFileName(exportName(conv) + ".html")
	d.SetFilter(storage.NewExtensionFileFilter([]string{".html", ".txt", ".json"}))
	d.Resize(fyne.NewSize(min(ui.w.Canvas().Size().Width-40, 760), min(ui.w.Canvas().Size().Height-40, 520)))
	d.Show()
}

// exportName is a file name for conv's export, without its extension.
func exportName(conv string) string {
	name := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:/\*?"<>|`, r) {
			return '-'
		}
		return r
	}, conversationName(conv))
	return "Groupcast " + name
}
