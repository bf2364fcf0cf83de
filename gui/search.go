package gui

import (
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/groupcast/groupcast/gui/internal/chatlog"
	"github.com/groupcast/groupcast/internal/history"
)

// logSearch is the bar above the log that Ctrl+F opens: typing finds the
// newest line that contains the text (sender or message, any case), Enter
// the one before it, Escape closes the bar. Ticked "All history"
// (Ctrl+Shift+F), it searches everything kept instead (history*.go) and
// lists what it found under the bar: a click shows it in the log, or in
// its context.
type logSearch struct {
	entry *searchEntry
	info  *widget.Label
	box   *fyne.Container
	at    int // the match shown; the next Enter looks before it
	// All history.
	all     *widget.Check
	found   []history.Record
	list    *widget.List
	results *fyne.Container
}

// searchItem is the menu item of the search, with its shortcut (a menu
// shortcut works wherever the focus is, the composer included).
func searchItem(open func()) *fyne.MenuItem {
	item := fyne.NewMenuItem(lang.L("Search the log…"), open)
	item.Shortcut = &desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault}
	return item
}

// searchAllItem is the menu item of the search of all history.
func searchAllItem(open func()) *fyne.MenuItem {
	item := fyne.NewMenuItem(lang.L("Search all history…"), open)
	item.Shortcut = &desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift}
	return item
}

// resultsHeight is how tall the list of what all history gave is.
const resultsHeight = 200

func (ui *window) searchBar() fyne.CanvasObject {
	s := &logSearch{entry: newSearchEntry(ui.closeSearch), info: widget.NewLabel("")}
	s.entry.SetPlaceHolder(lang.L("Search the log — Enter: earlier match, Escape: close"))
	s.entry.OnChanged = func(string) {
		if s.all.Checked {
			ui.searchHistory()
			return
		}
		s.at = ui.model.Len() // from the newest
		ui.findInLog()
	}
	s.entry.OnSubmitted = func(string) {
		if s.all.Checked {
			ui.searchHistory()
			return
		}
		ui.findInLog()
	}
	s.all = widget.NewCheck(lang.L("All history"), func(on bool) {
		if on {
			s.entry.SetPlaceHolder(lang.L("Search everything kept — Enter: the results again, Escape: close"))
		} else {
			s.entry.SetPlaceHolder(lang.L("Search the log — Enter: earlier match, Escape: close"))
			s.results.Hide()
			ui.view.Reveal(-1)
		}
		s.entry.OnChanged(s.entry.Text)
	})
	s.list = widget.NewList(func() int { return len(s.found) }, newResultRow, func(id widget.ListItemID, o fyne.CanvasObject) {
		if id < len(s.found) {
			ui.setResultRow(o, s.found[id])
		}
	})
	s.list.OnSelected = func(id widget.ListItemID) {
		s.list.UnselectAll()
		if id < len(s.found) {
			ui.jumpTo(s.found[id])
		}
	}
	// The results cover the top of the log (the rest of it shows below)
	// rather than push it down: the window keeps its size.
	size := canvas.NewRectangle(color.Transparent)
	size.SetMinSize(fyne.NewSize(0, resultsHeight))
	panel := container.NewStack(canvas.NewRectangle(chatlog.ThemeColour(theme.ColorNameBackground)),
		container.NewBorder(nil, widget.NewSeparator(), nil, nil, container.NewStack(size, s.list)))
	s.results = container.NewBorder(panel, nil, nil, nil)
	s.results.Hide()
	closeBtn := widget.NewButtonWithIcon("", theme.CancelIcon(), ui.closeSearch)
	closeBtn.Importance = widget.LowImportance
	s.box = container.NewBorder(nil, nil, widget.NewIcon(theme.SearchIcon()), container.NewHBox(s.all, s.info, closeBtn), s.entry)
	s.box.Hide()
	ui.search = s
	return s.box
}

// openSearch shows the search bar and puts the cursor in it.
func (ui *window) openSearch() {
	ui.search.box.Show()
	ui.w.Canvas().Focus(ui.search.entry)
}

// openSearchAll shows the search bar, searching all history.
func (ui *window) openSearchAll() {
	ui.search.all.SetChecked(true)
	ui.openSearch()
}

func (ui *window) closeSearch() {
	ui.search.entry.SetText("")
	ui.search.results.Hide()
	ui.search.box.Hide()
	ui.view.Reveal(-1)
	if !ui.message.Disabled() {
		ui.w.Canvas().Focus(ui.message)
	}
}

// findInLog shows the match before the current one (wrapping round).
func (ui *window) findInLog() {
	s := ui.search
	q := s.entry.Text
	at, n, ok := ui.model.Find(q, s.at)
	switch {
	case q == "":
		s.info.SetText("")
		ui.view.Reveal(-1)
		return
	case !ok:
		s.info.SetText(lang.L("no match"))
		ui.view.Reveal(-1)
		return
	}
	s.at = at
	if n == 1 {
		s.info.SetText(lang.L("1 match"))
	} else {
		s.info.SetText(lang.L("{{.N}} matches", map[string]any{"N": n}))
	}
	ui.view.Reveal(at)
}

// searchHistory lists the latest 50 rows kept, in every conversation,
// that have all the words typed (Chinese words of two characters too).
func (ui *window) searchHistory() {
	s := ui.search
	q := strings.TrimSpace(s.entry.Text)
	s.found = nil
	s.list.Refresh()
	if q == "" {
		s.info.SetText("")
		s.results.Hide()
		return
	}
	store := ui.openHistory(false)
	if store == nil {
		s.info.SetText(lang.L("nothing kept"))
		s.results.Hide()
		return
	}
	found, err := store.Search(history.Query{Words: q, Limit: pageSize})
	if err != nil {
		s.info.SetText(lang.L("search failed: {{.Why}}", map[string]any{"Why": err.Error()}))
		return
	}
	s.found = found
	switch len(found) {
	case 0:
		s.info.SetText(lang.L("no match"))
	case 1:
		s.info.SetText(lang.L("1 found"))
	case pageSize:
		s.info.SetText(lang.L("the latest {{.N}} found", map[string]any{"N": pageSize}))
	default:
		s.info.SetText(lang.L("{{.N}} found", map[string]any{"N": len(found)}))
	}
	s.list.Refresh()
	s.list.ScrollToTop()
	s.results.Show()
}

// newResultRow is a row of the results: when, where, who and what.
func newResultRow() fyne.CanvasObject {
	when := widget.NewLabel("30 Nov 2026 09:30")
	where := widget.NewLabel("")
	where.Importance = widget.LowImportance
	what := widget.NewLabel("")
	what.Truncation = fyne.TextTruncateEllipsis
	return container.NewBorder(nil, nil, container.NewHBox(when, where), nil, what)
}

func (ui *window) setResultRow(o fyne.CanvasObject, r history.Record) {
	c := o.(*fyne.Container)
	var what *widget.Label
	var head *fyne.Container
	for _, obj := range c.Objects {
		switch obj := obj.(type) {
		case *widget.Label:
			what = obj
		case *fyne.Container:
			head = obj
		}
	}
	head.Objects[0].(*widget.Label).SetText(chatlog.Stamp(r.Received, ui.opts.now()))
	head.Objects[1].(*widget.Label).SetText(conversationName(r.Group))
	e := ui.entryOf(r)
	text := strings.Join(strings.Fields(e.Text), " ")
	if e.From != "" {
		text = e.From + ": " + text
	}
	what.SetText(text)
}

// jumpTo shows a row found: in the log, when it is of the conversation
// shown (older pages brought in until it is there), marked, the list of
// results put away; otherwise in its context, in a dialog.
func (ui *window) jumpTo(r history.Record) {
	if r.Group == ui.hist.conv {
		i := ui.model.IndexOf(r.ID)
		if i < 0 && ui.canLoadOlder() && r.ID < ui.hist.oldest {
			ui.loadBackTo(r.ID)
			i = ui.model.IndexOf(r.ID)
		}
		if i >= 0 {
			ui.search.results.Hide() // it would cover the line; Enter lists them again
			ui.view.Reveal(i)
			return
		}
	}
	ui.showInContext(r)
}

// contextRows is how many rows before and after a row found its context
// shows.
const contextRows = 6

// showInContext shows a row found with the rows around it in its
// conversation.
func (ui *window) showInContext(r history.Record) {
	store := ui.openHistory(false)
	if store == nil {
		return
	}
	rows, err := store.Around(r.ID, contextRows)
	if err != nil {
		ui.search.info.SetText(lang.L("search failed: {{.Why}}", map[string]any{"Why": err.Error()}))
		return
	}
	box := container.NewVBox()
	now := ui.opts.now()
	for _, row := range rows {
		e := ui.entryOf(row)
		text := e.Text
		if e.From != "" {
			text = e.From + ": " + text
		}
		l := widget.NewLabel(chatlog.Stamp(e.At, now) + "  " + text)
		l.Wrapping = fyne.TextWrapWord
		if row.ID == r.ID {
			l.TextStyle = fyne.TextStyle{Bold: true}
			l.Importance = widget.HighImportance
		} else if e.Kind == chatlog.System {
			l.Importance = widget.LowImportance
		}
		box.Add(l)
	}
	d := dialog.NewCustom(lang.L("In {{.Conversation}}", map[string]any{"Conversation": conversationName(r.Group)}), lang.L("Close"), container.NewVScroll(box), ui.w)
	d.Resize(fyne.NewSize(min(ui.w.Canvas().Size().Width-40, 640), min(ui.w.Canvas().Size().Height-40, 440)))
	hideOnEscape(ui.w, d)
	d.Show()
}

// searchEntry is the search field: Escape closes the bar (an Entry
// would otherwise keep the key).
type searchEntry struct {
	widget.Entry
	onEscape func()
}

func newSearchEntry(onEscape func()) *searchEntry {
	e := &searchEntry{onEscape: onEscape}
	e.ExtendBaseWidget(e)
	return e
}

func (e *searchEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape {
		e.onEscape()
		return
	}
	e.Entry.TypedKey(k)
}

// copyLog puts the whole log on the clipboard as text, a line per entry
// ("09:30:00 Bob: hello"; a message's own line breaks kept, indented),
// to paste several messages at once into a mail or a document.
func (ui *window) copyLog() {
	var b strings.Builder
	now := ui.opts.now()
	for i := range ui.model.Len() {
		e := ui.model.At(i)
		b.WriteString(chatlog.Stamp(e.At, now))
		b.WriteString(" ")
		if e.From != "" {
			b.WriteString(e.From)
			b.WriteString(": ")
		}
		b.WriteString(strings.ReplaceAll(e.Text, "\n", "\n    "))
		b.WriteString("\n")
	}
	ui.app.Clipboard().SetContent(b.String())
	ui.status.SetText(lang.L("Copied {{if eq .N 1}}1 line{{else}}{{.N}} lines{{end}} to the clipboard.", map[string]any{"N": ui.model.Len()}))
}
