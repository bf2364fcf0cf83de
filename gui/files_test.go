package gui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/words"
)

// TestFilesInTheWindow: a member's window saves offered files in its
// folder for files; a file dropped on the window is offered to the group
// (a folder is not); the panel shows a file coming in with its progress,
// then Open and Show in folder; a file sent shows its receipt, in the
// panel and the log, naming who has not got it and why.
func TestFilesInTheWindow(t *testing.T) {
	h := newHarness(t, defaultCfg())
	dir := t.TempDir()
	h.ui.app.Preferences().SetString(prefSaveDir, dir)
	cfg := h.joinAs("Alice")
	if cfg.SaveDir != dir {
		t.Fatalf("joined saving in %q, want %q", cfg.SaveDir, dir)
	}
	if h.ui.attach.Disabled() {
		t.Fatal("📎 disabled while joined")
	}

	file := filepath.Join(t.TempDir(), "worksheet.pdf")
	if err := os.WriteFile(file, []byte("%PDF"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.ui.dropped(fyne.NewPos(10, 10), []fyne.URI{storage.NewFileURI(file), storage.NewFileURI(t.TempDir())})
	if c, ok := h.command().(netconf.SendFile); !ok || c.Path != file {
		t.Fatalf("dropping a file sent %#v", c)
	}
	h.noCommand() // the folder is not sent
	h.ui.drain()
	if last, _ := h.ui.model.Last(); !strings.Contains(last.Text, "is not a file") {
		t.Fatalf("dropping a folder: %q", last.Text)
	}

	bob := netconf.Peer{Nick: "Bob"}
	h.emit(netconf.FileOffered{ID: "f1", From: bob, Name: "notes.txt", Size: 2_000_000, Saving: true})
	h.emit(netconf.FileProgress{ID: "f1", Name: "notes.txt", Done: 1_000_000, Size: 2_000_000})
	row := h.ui.files.rows["f1"]
	if row == nil || !h.ui.files.box.Visible() || row.bar.Value != 0.5 || !strings.Contains(row.label.Text, "50% of 2.0 MB") {
		t.Fatalf("receiving: %+v", row)
	}
	saved := filepath.Join(dir, "notes.txt")
	h.emit(netconf.FileReceived{ID: "f1", From: bob, Name: "notes.txt", Size: 2_000_000, Path: saved})
	if len(row.actions.Objects) != 2 || row.actions.Objects[0].(*widget.Button).Text != "Open" || row.actions.Objects[1].(*widget.Button).Text != "Show in folder" {
		t.Fatalf("a received file's actions: %v", row.actions.Objects)
	}
	if last, _ := h.ui.model.Last(); !strings.Contains(last.Text, "Bob sent notes.txt (2.0 MB): saved as "+saved) {
		t.Fatalf("log: %q", last.Text)
	}

	h.emit(netconf.FileProgress{ID: "f2", Name: "worksheet.pdf", Sending: true, Done: 0, Size: 4})
	h.emit(netconf.FileReceipt{ID: "f2", Name: "worksheet.pdf", Members: 3, Done: true,
		Have:   []netconf.Peer{{Nick: "Bob"}, {Nick: "Carol"}},
		Failed: []netconf.FileFailure{{Peer: netconf.Peer{Nick: "PC07"}, Why: words.Words{Text: "could not write it (disk full?)"}}}})
	want := "worksheet.pdf: 2 of 3 PCs have it · not yet: PC07 (could not write it (disk full?))"
	if got := h.ui.files.rows["f2"].label.Text; got != want {
		t.Fatalf("receipt row %q", got)
	}
	if last, _ := h.ui.model.Last(); last.Text != "📎 "+want+"." {
		t.Fatalf("receipt in the log: %q", last.Text)
	}
	h.ui.dropTransfer("f1")
	h.ui.dropTransfer("f2")
	if h.ui.files.box.Visible() {
		t.Fatal("an empty panel is shown")
	}
}

// TestPresenterFileIsPinnedInTheWindow: the presenter's file (its offer
// signed) is shown pinned, above the other transfers, through its
// progress and once saved; a file that could not be sent says so, in
// the window's language.
func TestPresenterFileIsPinnedInTheWindow(t *testing.T) {
	h := newHarness(t, defaultCfg())
	h.ui.app.Preferences().SetString(prefSaveDir, t.TempDir())
	h.joinAs("PC01")
	h.emit(netconf.FileOffered{ID: "bob", From: netconf.Peer{Nick: "Bob"}, Name: "notes.txt", Size: 2000, Saving: true})
	lee := netconf.Peer{Nick: "Ms Lee", Presenter: true}
	h.emit(netconf.FileOffered{ID: "lee", From: lee, Name: "worksheet.pdf", Size: 2_000_000, Saving: true, Presenter: true})
	row := h.ui.files.rows["lee"]
	if h.ui.files.box.Objects[0] != row.row || !strings.HasPrefix(row.label.Text, "📌 Ms Lee, the presenter, shares worksheet.pdf") {
		t.Fatalf("the presenter's file is not pinned first: %q", row.label.Text)
	}
	h.emit(netconf.FileProgress{ID: "lee", Name: "worksheet.pdf", Done: 1_000_000, Size: 2_000_000})
	if !strings.HasPrefix(row.label.Text, "📌 Receiving worksheet.pdf · 50%") {
		t.Fatalf("progress: %q", row.label.Text)
	}
	h.emit(netconf.FileReceived{ID: "lee", From: lee, Name: "worksheet.pdf", Size: 2_000_000, Path: "/tmp/x/worksheet.pdf"})
	if !strings.HasPrefix(row.label.Text, "📌 worksheet.pdf from Ms Lee is saved in") {
		t.Fatalf("saved: %q", row.label.Text)
	}
	why := words.Words{Text: "{{.N}} files are being sent already; wait for one to finish", Data: map[string]any{"N": 4}}
	h.emit(netconf.FileFailed{Name: "big.iso", Sending: true, Reason: why.String(), Why: why})
	if last, _ := h.ui.model.Last(); last.Text != "big.iso could not be sent: 4 files are being sent already; wait for one to finish." {
		t.Fatalf("log: %q", last.Text)
	}
}
