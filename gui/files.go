package gui

import (
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/groupcast/groupcast/gui/internal/chatlog"
	"github.com/groupcast/groupcast/netconf"
)

// Files to the room in the window (docs/FILES.md): 📎 or a file dropped
// on the window offers it to the group; a panel above the composer shows
// each transfer with its progress, speed and time left, the sender's
// receipt ("28 of 30 have it"), and for a file received, Open and Show in
// folder.

// prefSaveDir is where received files go ("": DefaultSaveDir).
const prefSaveDir = "save_dir"

// DefaultSaveDir is Downloads/Groupcast in the user's home folder.
func DefaultSaveDir() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "Groupcast")
	}
	return filepath.Join(home, "Downloads", "Groupcast")
}

// saveDir is where this window saves files.
func (ui *window) saveDir() string {
	if d := ui.app.Preferences().String(prefSaveDir); d != "" {
		return d
	}
	return DefaultSaveDir()
}

// transfer is one row of the files panel.
type transfer struct {
	label   *widget.Label
	bar     *widget.ProgressBar
	actions *fyne.Container
	row     *fyne.Container
	started time.Time
	done    bool
	// pinned: the room's presenter's file (its offer signed), kept at
	// the top of the panel; members who join later get it too.
	pinned bool
}

// filesPanel lists the transfers under way and the files just received.
type filesPanel struct {
	box  *fyne.Container
	rows map[string]*transfer
}

func newFilesPanel() *filesPanel {
	p := &filesPanel{box: container.NewVBox(), rows: map[string]*transfer{}}
	p.box.Hide()
	return p
}

// transferRow is the transfer id's row, made the first time.
func (ui *window) transferRow(id string) *transfer {
	p := ui.files
	if t := p.rows[id]; t != nil {
		return t
	}
	t := &transfer{label: widget.NewLabel(""), bar: widget.NewProgressBar(), started: ui.opts.now()}
	t.label.Truncation = fyne.TextTruncateEllipsis
	t.actions = container.NewHBox()
	closeBtn := widget.NewButtonWithIcon("", theme.CancelIcon(), func() { ui.dropTransfer(id) })
	closeBtn.Importance = widget.LowImportance
	t.row = container.NewBorder(nil, t.bar, nil, container.NewHBox(t.actions, closeBtn), t.label)
	p.rows[id] = t
	p.box.Add(t.row)
	p.box.Show()
	return t
}

// pinTransfer marks the row of the presenter's file id and puts it first
// in the panel, after the other pinned ones.
func (ui *window) pinTransfer(id string) {
	p := ui.files
	t := p.rows[id]
	if t == nil || t.pinned {
		return
	}
	t.pinned = true
	objs := p.box.Objects
	at := 0
	for _, o := range objs {
		if o == t.row {
			continue
		}
		if r := ui.rowOf(o); r != nil && r.pinned {
			at++
		}
	}
	rest := make([]fyne.CanvasObject, 0, len(objs))
	for _, o := range objs {
		if o != t.row {
			rest = append(rest, o)
		}
	}
	p.box.Objects = append(rest[:at:at], append([]fyne.CanvasObject{t.row}, rest[at:]...)...)
	p.box.Refresh()
}

// rowOf is the transfer whose row is o.
func (ui *window) rowOf(o fyne.CanvasObject) *transfer {
	for _, t := range ui.files.rows {
		if t.row == o {
			return t
		}
	}
	return nil
}

// dropTransfer takes a row away (the transfer goes on without it).
func (ui *window) dropTransfer(id string) {
	p := ui.files
	if t := p.rows[id]; t != nil {
		p.box.Remove(t.row)
		delete(p.rows, id)
	}
	if len(p.rows) == 0 {
		p.box.Hide()
	}
}

// offerFile offers the file at path to the group.
func (ui *window) offerFile(path string) {
	if ui.state != stateJoined || ui.attach.Disabled() {
		return
	}
	ui.push(netconf.SendFile{Path: path})
}

// pickFile is 📎: a file dialog, then the file offered.
func (ui *window) pickFile() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		path := r.URI().Path()
		_ = r.Close()
		ui.offerFile(path)
	}, ui.w)
	d.Resize(fyne.NewSize(min(ui.w.Canvas().Size().Width-40, 760), min(ui.w.Canvas().Size().Height-40, 520)))
	d.Show()
}

// dropped offers the files dropped on the window (folders are not sent).
func (ui *window) dropped(_ fyne.Position, uris []fyne.URI) {
	for _, u := range uris {
		if u.Scheme() != "file" {
			continue
		}
		if st, err := os.Stat(u.Path()); err == nil && st.Mode().IsRegular() {
			ui.offerFile(u.Path())
		} else {
			ui.system(chatlog.Warning, lang.L("{{.Name}} is not a file: only files can be sent.", map[string]any{"Name": u.Name()}))
		}
	}
}

// pickSaveDir is "Folder for files…": where received files go.
func (ui *window) pickSaveDir() {
	d := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err != nil || u == nil {
			return
		}
		ui.app.Preferences().SetString(prefSaveDir, u.Path())
		ui.system(chatlog.System, lang.L("Files offered to the group will be saved in {{.Dir}} (from the next Join).", map[string]any{"Dir": u.Path()}))
	}, ui.w)
	if l, err := storage.ListerForURI(storage.NewFileURI(ui.saveDir())); err == nil {
		d.SetLocation(l)
	}
	d.Resize(fyne.NewSize(min(ui.w.Canvas().Size().Width-40, 760), min(ui.w.Canvas().Size().Height-40, 520)))
	d.Show()
}

// fileEvent shows a file event.
func (ui *window) fileEvent(ev netconf.Event) {
	switch ev := ev.(type) {
	case netconf.FileOffered:
		ui.fileOffered(ev)
	case netconf.FileProgress:
		ui.fileProgress(ev)
	case netconf.FileReceived:
		ui.fileReceived(ev)
	case netconf.FileFailed:
		ui.fileFailed(ev)
	case netconf.FileReceipt:
		ui.fileReceipt(ev)
	}
}

// fileOffered gives a file being saved here its row; the presenter's is
// pinned.
func (ui *window) fileOffered(ev netconf.FileOffered) {
	if !ev.Saving {
		return
	}
	t := ui.transferRow(ev.ID)
	if ev.Presenter {
		ui.pinTransfer(ev.ID)
		t.label.SetText(lang.L("📌 {{.From}}, the presenter, shares {{.Name}} ({{.Size}}) with the room", map[string]any{"Name": ev.Name, "Size": sizeText(ev.Size), "From": ev.From.Nick}))
		return
	}
	t.label.SetText(lang.L("Receiving {{.Name}} ({{.Size}}) from {{.From}}", map[string]any{"Name": ev.Name, "Size": sizeText(ev.Size), "From": ev.From.Nick}))
}

// fileProgress moves a transfer's bar, and says its speed and the time
// left once it has run long enough to tell.
func (ui *window) fileProgress(ev netconf.FileProgress) {
	now := ui.opts.now()
	t := ui.transferRow(ev.ID)
	if t.done || ev.Size == 0 {
		return
	}
	t.bar.SetValue(float64(ev.Done) / float64(ev.Size))
	verb := lang.L("Receiving")
	if ev.Sending {
		verb = lang.L("Sending")
	}
	text := lang.L("{{.Verb}} {{.Name}} · {{.Percent}}% of {{.Size}}", map[string]any{"Verb": verb, "Name": ev.Name, "Percent": ev.Done * 100 / ev.Size, "Size": sizeText(ev.Size)})
	if t.pinned {
		text = "📌 " + text
	}
	if d := now.Sub(t.started).Seconds(); d > 0.5 && ev.Done > 0 && ev.Done < ev.Size {
		rate := float64(ev.Done) / d
		left := time.Duration(float64(ev.Size-ev.Done)/rate) * time.Second
		text += lang.L(" · {{.Rate}}/s · {{.Left}} left", map[string]any{"Rate": sizeText(int64(rate)), "Left": left.Round(time.Second).String()})
	}
	t.label.SetText(text)
}

// fileReceived ends a transfer's row with where the file is, and buttons
// to open it or its folder.
func (ui *window) fileReceived(ev netconf.FileReceived) {
	t := ui.transferRow(ev.ID)
	t.done = true
	t.bar.SetValue(1)
	t.bar.Hide()
	mark := "📎"
	if t.pinned {
		mark = "📌"
	}
	t.label.SetText(mark + " " + lang.L("{{.Name}} from {{.From}} is saved in {{.Dir}}", map[string]any{"Name": filepath.Base(ev.Path), "From": ev.From.Nick, "Dir": filepath.Dir(ev.Path)}))
	t.actions.Objects = []fyne.CanvasObject{
		widget.NewButtonWithIcon(lang.L("Open"), theme.FileIcon(), func() { ui.openPath(ev.Path) }),
		widget.NewButtonWithIcon(lang.L("Show in folder"), theme.FolderOpenIcon(), func() { ui.openPath(filepath.Dir(ev.Path)) }),
	}
	t.actions.Refresh()
	if ev.Already {
		ui.system(chatlog.System, lang.L("📎 {{.From}} offers {{.Name}} ({{.Size}}): it is here already, {{.Path}}.", map[string]any{"From": ev.From.Nick, "Name": ev.Name, "Size": sizeText(ev.Size), "Path": ev.Path}))
		return
	}
	ui.system(chatlog.System, lang.L("📎 {{.From}} sent {{.Name}} ({{.Size}}): saved as {{.Path}}.", map[string]any{"From": ev.From.Nick, "Name": ev.Name, "Size": sizeText(ev.Size), "Path": ev.Path}))
}

// fileFailed ends a transfer's row, if it has one, and says in the log
// why the file was not had or not sent.
func (ui *window) fileFailed(ev netconf.FileFailed) {
	why := say(ev.Why)
	if ev.ID != "" {
		if t := ui.files.rows[ev.ID]; t != nil {
			t.done = true
			t.bar.Hide()
			t.label.SetText(lang.L("{{.Name}}: {{.Reason}}", map[string]any{"Name": ev.Name, "Reason": why}))
		}
	}
	line := lang.L("{{.Name}} could not be had: {{.Reason}}.", map[string]any{"Name": ev.Name, "Reason": why})
	if ev.Sending {
		line = lang.L("{{.Name}} could not be sent: {{.Reason}}.", map[string]any{"Name": ev.Name, "Reason": why})
	}
	ui.system(chatlog.Error, line)
}

// fileReceipt shows on the sender's row who has the file; the final
// receipt ends the row and goes to the log too.
func (ui *window) fileReceipt(ev netconf.FileReceipt) {
	t := ui.transferRow(ev.ID)
	line := receiptText(ev)
	if ev.Done {
		t.done = true
		t.bar.Hide()
		t.label.SetText(line)
		ui.system(chatlog.System, "📎 "+line+".")
	} else if len(ev.Have)+len(ev.Failed) > 0 {
		t.label.SetText(line)
	}
}

// receiptText is "report.pdf: 28 of 30 have it", then who does not yet
// and why, sorted by name.
func receiptText(ev netconf.FileReceipt) string {
	line := lang.L("{{.Name}}: {{.Have}} of {{.Members}} PCs have it", map[string]any{"Name": ev.Name, "Have": len(ev.Have), "Members": ev.Members}) + peopleText(ev.Members, ev.People)
	var not []string
	for _, f := range ev.Failed {
		not = append(not, f.Peer.Nick+" ("+say(f.Why)+")")
	}
	for _, w := range ev.Waiting {
		not = append(not, w.Nick+" ("+lang.L("waiting")+")")
	}
	sort.Strings(not)
	if len(not) > 0 {
		line += " · " + lang.L("not yet: {{.Who}}", map[string]any{"Who": strings.Join(not, ", ")})
	}
	return line
}

// openPath opens a file or folder with the desktop's application for it.
func (ui *window) openPath(path string) {
	u, err := url.Parse(storage.NewFileURI(path).String())
	if err != nil {
		return
	}
	if err := ui.app.OpenURL(u); err != nil {
		ui.system(chatlog.Error, lang.L("Could not open {{.Path}}: {{.Why}}", map[string]any{"Path": path, "Why": err.Error()}))
	}
}

// sizeText is "1.2 MB" (netconf.SizeText, "… bytes" below a kilobyte).
func sizeText(n int64) string {
	if s, ok := netconf.SizeText(n); ok {
		return s
	}
	return lang.L("{{.N}} bytes", map[string]any{"N": n})
}
