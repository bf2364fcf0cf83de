package gui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/groupcast/groupcast/gui/internal/chatlog"
)

// logSearch is the bar above the log that Ctrl+F opens: typing finds the
// newest line that contains the text (sender or message, any case), Enter
// the one before it, Escape closes the bar.
type logSearch struct {
	entry *searchEntry
	info  *widget.Label
	box   *fyne.Container
	at    int // the match shown; the next Enter looks before it
}

// searchItem is the menu item of the search, with its shortcut (a menu
// shortcut works wherever the focus is, the composer included).
func searchItem(open func()) *fyne.MenuItem {
	item := fyne.NewMenuItem(lang.L("Search the log…"), open)
	item.Shortcut = &desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault}
	return item
}

func (ui *window) searchBar() fyne.CanvasObject {
	s := &logSearch{entry: newSearchEntry(ui.closeSearch), info: widget.NewLabel("")}
	s.entry.SetPlaceHolder(lang.L("Search the log — Enter: earlier match, Escape: close"))
	s.entry.OnChanged = func(string) {
		s.at = ui.model.Len() // from the newest
		ui.findInLog()
	}
	s.entry.OnSubmitted = func(string) { ui.findInLog() }
	closeBtn := widget.NewButtonWithIcon("", theme.CancelIcon(), ui.closeSearch)
	closeBtn.Importance = widget.LowImportance
	s.box = container.NewBorder(nil, nil, widget.NewIcon(theme.SearchIcon()), container.NewHBox(s.info, closeBtn), s.entry)
	s.box.Hide()
	ui.search = s
	return s.box
}

// openSearch shows the search bar and puts the cursor in it.
func (ui *window) openSearch() {
	ui.search.box.Show()
	ui.w.Canvas().Focus(ui.search.entry)
}

func (ui *window) closeSearch() {
	ui.search.entry.SetText("")
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
