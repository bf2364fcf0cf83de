package gui

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/groupcast/groupcast/gui/internal/chatlog"
	"github.com/groupcast/groupcast/internal/keep"
	"github.com/groupcast/groupcast/netconf"
)

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
