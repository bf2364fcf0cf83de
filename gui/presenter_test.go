package gui

import (
	"crypto/ed25519"
	"net/netip"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"github.com/groupcast/groupcast/internal/history"
	"github.com/groupcast/groupcast/netconf"
)

// ctrlEnter is what the desktop driver hands the focused composer for
// Ctrl+Enter (Cmd+Enter on macOS: Super).
func ctrlEnter(mod fyne.KeyModifier) fyne.Shortcut {
	return &desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: mod}
}

// typeAndPress types text into the focused composer and presses key
// (nil: Enter), as the driver does.
func typeAndPress(t *testing.T, h *harness, text string, key fyne.Shortcut) {
	t.Helper()
	focused, ok := h.w.Canvas().Focused().(*composer)
	if !ok || focused != h.ui.message {
		t.Fatalf("the composer is not focused (%T)", h.w.Canvas().Focused())
	}
	test.Type(focused, text)
	if key == nil {
		focused.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		return
	}
	focused.TypedShortcut(key)
}

// TestPresenterEnterTalksCtrlEnterAnnounces (issue 30): in a presenter's
// window Enter sends a message and Ctrl+Enter (Cmd+Enter), or 📢
// Announce beside Send, an announcement; its own announcements are
// marked 📢, and receipts number announcements only.
func TestPresenterEnterTalksCtrlEnterAnnounces(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(nil)
	h := newHarness(t, defaultCfg())
	ui := h.ui
	if ui.announce.Visible() {
		t.Fatal("📢 Announce shown before presenting a room")
	}
	ui.opts.presenterKey = func() (ed25519.PrivateKey, error) { return key, nil }
	group := netip.MustParseAddrPort("239.255.20.1:2020")
	ui.joinRoom(netconf.Room{Name: "Physics 101", Group: group, ReadOnly: true}, true)
	h.command()
	h.emit(netconf.Joined{Group: group, Interface: netconf.Choice{Interface: eth}, Nick: "Ms Lee"})
	if !ui.announce.Visible() || ui.announce.Disabled() || !strings.Contains(ui.message.PlaceHolder, "Ctrl+Enter to announce") {
		t.Fatalf("presenting: 📢 Announce visible %v disabled %v, composer says %q", ui.announce.Visible(), ui.announce.Disabled(), ui.message.PlaceHolder)
	}

	for _, tc := range []struct {
		how      string
		key      fyne.Shortcut
		announce bool
	}{
		{"Enter", nil, false},
		{"Ctrl+Enter", ctrlEnter(fyne.KeyModifierControl), true},
		{"Cmd+Enter", ctrlEnter(fyne.KeyModifierSuper), true},
		{"Ctrl+Shift+Enter", ctrlEnter(fyne.KeyModifierControl | fyne.KeyModifierShift), false},
	} {
		typeAndPress(t, h, "Open chapter 3", tc.key)
		if tc.how == "Ctrl+Shift+Enter" {
			h.noCommand() // not a key of ours: the text stays
			ui.message.clear()
			continue
		}
		if s, ok := h.command().(netconf.Send); !ok || s.Text != "Open chapter 3" || s.Announce != tc.announce {
			t.Fatalf("%s sent %#v; want announce %v", tc.how, s, tc.announce)
		}
		if ui.message.Text != "" {
			t.Fatalf("%s left %q in the composer", tc.how, ui.message.Text)
		}
	}
	test.Type(ui.message, "Quiz at 10:40")
	test.Tap(ui.announce)
	if s := h.command().(netconf.Send); s.Text != "Quiz at 10:40" || !s.Announce {
		t.Fatalf("📢 Announce sent %#v", s)
	}
	test.Type(ui.message, "Yes, chapter 3 only.")
	test.Tap(ui.send)
	if s := h.command().(netconf.Send); s.Announce {
		t.Fatalf("Send sent %#v", s)
	}

	h.emit(netconf.Sent{Seq: 1, Time: testTime, Nick: "Ms Lee", Text: "Open chapter 3", Presenter: true, Announcement: true})
	h.emit(netconf.Sent{Seq: 2, Time: testTime, Nick: "Ms Lee", Text: "Yes, chapter 3 only.", Presenter: true})
	n := ui.model.Len()
	if a, m := ui.model.At(n-2), ui.model.At(n-1); a.From != "📢 Ms Lee" || m.From != "Ms Lee" {
		t.Fatalf("own lines headed %q and %q", a.From, m.From)
	}
	h.emit(netconf.Receipt{Seq: 3, Number: 2, Received: 3, Members: 4})
	if ui.receipt.Text != "Announcement 2: 3 of 4 PCs received" {
		t.Fatalf("receipt %q", ui.receipt.Text)
	}
	h.emit(netconf.Left{Group: group})
	if !ui.announce.Disabled() {
		t.Fatal("📢 Announce enabled after leaving")
	}
}

// TestStudentSeesThePresentersMessage: a student's window shows the
// presenter's message as the presenter's, in the log only: the banner
// keeps the announcement. A member who presents nothing has no 📢
// Announce, and Ctrl+Enter sends as Enter does.
func TestStudentSeesThePresentersMessage(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(nil)
	physics := netconf.Room{Name: "Physics 101", Group: netip.MustParseAddrPort("239.255.20.1:2020"), Presenter: "Ms Lee",
		PresenterKey: pub, Origin: netip.MustParseAddr("198.18.0.1")}
	h := newHarness(t, defaultCfg())
	ui := h.ui
	ui.joinRoom(physics, false)
	h.command()
	h.emit(netconf.Joined{Group: physics.Group, Interface: netconf.Choice{Interface: eth}, Nick: "Alice"})
	if ui.announce.Visible() {
		t.Fatal("a student is offered 📢 Announce")
	}
	h.emit(netconf.Message{From: "Ms Lee", Text: "Open chapter 3", Announcement: true, Presenter: true, Sent: testTime, Received: testTime})
	h.emit(netconf.Message{From: "Ms Lee", Text: "Yes, chapter 3 only.", Presenter: true, Sent: testTime, Received: testTime})
	if last := ui.model.At(ui.model.Len() - 1); last.From != "Ms Lee (presenter)" || last.Text != "Yes, chapter 3 only." {
		t.Fatalf("the presenter's message shown as %q: %q", last.From, last.Text)
	}
	if ui.banner.Text != "📢 Ms Lee: Open chapter 3" {
		t.Fatalf("banner %q; want the announcement still", ui.banner.Text)
	}
	h.emit(netconf.Message{From: "Ms Lee", Text: "not really", Sent: testTime, Received: testTime}) // a student named like her
	if last := ui.model.At(ui.model.Len() - 1); last.From != "Ms Lee" {
		t.Fatalf("an unsigned message headed %q", last.From)
	}
	typeAndPress(t, h, "Thanks", ctrlEnter(fyne.KeyModifierControl))
	if s, ok := h.command().(netconf.Send); !ok || s.Text != "Thanks" || s.Announce {
		t.Fatalf("a student's Ctrl+Enter sent %#v", s)
	}
}

// TestPresentersMessageKeptAsShown: the presenter's message is kept as a
// message (not an announcement) marked as the presenter's, and reads so
// when the conversation is reopened.
func TestPresentersMessageKeptAsShown(t *testing.T) {
	dir := t.TempDir()
	h := historyHarness(t, dir, defaultCfg())
	h.joinAs("Alice")
	said := bobSays(4, "Yes, chapter 3 only.")
	said.Presenter = true
	h.emit(said)
	rows, err := openStore(t, dir).Search(history.Query{Group: "239.255.3.3:3333"})
	if err != nil || len(rows) != 1 || rows[0].Kind != history.Message || !rows[0].Presenter {
		t.Fatalf("kept %+v, %v", rows, err)
	}
	if e := h.ui.entryOf(rows[0]); e.From != "Bob (presenter)" || e.Text != said.Text {
		t.Fatalf("reopened as %q: %q", e.From, e.Text)
	}
	if last, _ := h.ui.model.Last(); last.From != "Bob (presenter)" {
		t.Fatalf("shown as %q", last.From)
	}
}
