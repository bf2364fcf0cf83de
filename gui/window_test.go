package gui

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/groupcast/groupcast/gui/internal/chatlog"
	"github.com/groupcast/groupcast/internal/version"
	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/doctor"
	"github.com/groupcast/groupcast/netconf/wire"
)

func TestJoinFlow(t *testing.T) {
	h := newHarness(t, defaultCfg())
	ui := h.ui
	if ui.bar.join.Text != "Join" || ui.bar.join.Disabled() || !ui.message.Disabled() || !ui.send.Disabled() {
		t.Fatalf("idle: join %q disabled=%v, composer disabled=%v", ui.bar.join.Text, ui.bar.join.Disabled(), ui.message.Disabled())
	}
	if !strings.Contains(ui.message.PlaceHolder, "Join a group") {
		t.Fatalf("composer does not say why it is disabled: %q", ui.message.PlaceHolder)
	}
	if ui.bar.iface.Selected != "Automatic (eth0 · 192.168.1.7)" {
		t.Fatalf("interface picker shows %q", ui.bar.iface.Selected)
	}
	if !strings.Contains(ui.bar.hint.Text, "organisation-local 239.255/16") {
		t.Fatalf("scope hint %q", ui.bar.hint.Text)
	}

	test.Tap(ui.bar.join)
	j := h.command().(netconf.Join)
	if j.Config.Group != testGroup || j.Config.Nick != "Alice" || j.Config.Interface != "" || j.Config.TTL != 1 || !j.Config.Loopback {
		t.Fatalf("join config %+v", j.Config)
	}
	if ui.bar.join.Text != "Joining…" || !ui.bar.join.Disabled() || !ui.bar.addr.Disabled() {
		t.Fatalf("joining: button %q disabled=%v", ui.bar.join.Text, ui.bar.join.Disabled())
	}
	h.emit(netconf.Joined{Group: testGroup, Interface: netconf.Choice{Interface: eth}, TTL: 1, Nick: "Alice",
		Warnings: []string{"a warning"}})
	if ui.bar.join.Text != "Leave" || ui.bar.join.Disabled() {
		t.Fatalf("joined: button %q", ui.bar.join.Text)
	}
	if got := h.w.Title(); got != "Groupcast — Alice @ 239.255.3.3:3333" {
		t.Fatalf("title %q", got)
	}
	if ui.message.Disabled() || h.w.Canvas().Focused() != ui.message {
		t.Fatal("composer is not enabled and focused after joining")
	}
	last, _ := ui.model.Last()
	if last.Kind != chatlog.Warning || last.Text != "a warning" {
		t.Fatalf("warning not logged: %+v", last)
	}
	h.engine.mu.Lock()
	h.engine.stats = netconf.Stats{DatagramsIn: 12, DatagramsOut: 3, Rejected: 2, OtherGroup: 1}
	h.engine.mu.Unlock()
	ui.updateStatus()
	if want := "239.255.3.3:3333 · eth0 · 192.168.1.7 · TTL 1 · in 12 · out 3 · repaired 0 · rejected 3"; ui.status.Text != want {
		t.Fatalf("status %q; want %q", ui.status.Text, want)
	}
}

func TestInvalidAddressIsExplained(t *testing.T) {
	h := newHarness(t, defaultCfg())
	ui := h.ui
	for _, tc := range []struct{ addr, port, want string }{
		{"10.0.0.1", "3333", "unicast"},
		{"239.255.3.3", "70000", "out of range"},
		{"nonsense", "3333", "not an IPv4 address"},
		{"255.255.255.255", "3333", "broadcast"},
	} {
		ui.bar.addr.SetText(tc.addr)
		ui.bar.port.SetText(tc.port)
		if !strings.Contains(ui.bar.hint.Text, tc.want) || !ui.bar.join.Disabled() {
			t.Fatalf("%s:%s: hint %q, join disabled %v", tc.addr, tc.port, ui.bar.hint.Text, ui.bar.join.Disabled())
		}
		test.Tap(ui.bar.join)
		h.noCommand()
	}
	ui.bar.addr.SetText("224.0.0.100")
	ui.bar.port.SetText("8888")
	if !strings.Contains(ui.bar.hint.Text, "link-local") || ui.bar.join.Disabled() {
		t.Fatalf("link-local: hint %q, join disabled %v", ui.bar.hint.Text, ui.bar.join.Disabled())
	}
	ui.bar.nick.SetText("")
	if !strings.Contains(ui.bar.hint.Text, "name") || !ui.bar.join.Disabled() {
		t.Fatalf("empty name: hint %q", ui.bar.hint.Text)
	}
}

func TestEnterSendsShiftEnterBreaksLine(t *testing.T) {
	h := newHarness(t, defaultCfg())
	ui := h.ui
	h.joinAs("Alice")

	test.Type(ui.message, "first")
	ui.message.KeyDown(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
	ui.message.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	ui.message.KeyUp(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
	test.Type(ui.message, "second")
	h.noCommand()
	if ui.message.Text != "first\nsecond" {
		t.Fatalf("Shift+Enter gave %q", ui.message.Text)
	}
	ui.message.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if s, ok := h.command().(netconf.Send); !ok || s.Text != "first\nsecond" {
		t.Fatalf("Enter sent %#v", s)
	}
	if ui.message.Text != "" {
		t.Fatalf("composer not cleared: %q", ui.message.Text)
	}
	ui.message.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // empty: nothing
	h.noCommand()
	test.Type(ui.message, "by button")
	test.Tap(ui.send)
	if s := h.command().(netconf.Send); s.Text != "by button" {
		t.Fatalf("Send button sent %q", s.Text)
	}
	// What the engine takes (64 KiB, in pieces) goes; one byte more does not.
	line := strings.Repeat("x", 79) + "\n"
	ui.message.SetText(strings.Repeat(line, wire.MaxMessage/len(line)) + strings.Repeat("x", wire.MaxMessage%len(line)))
	ui.message.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if s := h.command().(netconf.Send); len(s.Text) != wire.MaxMessage {
		t.Fatalf("a 64 KiB message: sent %d bytes", len(s.Text))
	}
	ui.message.SetText(strings.Repeat(line, wire.MaxMessage/len(line)) + strings.Repeat("x", wire.MaxMessage%len(line)+1))
	ui.message.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.noCommand()
	if ui.bar.hint.Text != "The message is 65537 bytes; at most 65536 bytes (64 KiB) fit in one message. Shorten it or split it." || ui.message.Text == "" {
		t.Fatalf("too long: hint %q, text kept %v", ui.bar.hint.Text, ui.message.Text != "")
	}
}

func TestLeaveAndFailures(t *testing.T) {
	h := newHarness(t, defaultCfg())
	ui := h.ui
	cfg := h.joinAs("Alice")
	test.Tap(ui.bar.join)
	if l, ok := h.command().(netconf.Leave); !ok || !l.Linger {
		t.Fatal("Leave did not send a leave command")
	}
	if ui.bar.join.Text != "Leaving…" || !ui.message.Disabled() {
		t.Fatalf("leaving: %q", ui.bar.join.Text)
	}
	h.emit(netconf.Left{Group: cfg.Group})
	if ui.bar.join.Text != "Join" || h.w.Title() != "Groupcast" || !ui.message.Disabled() || ui.bar.addr.Disabled() {
		t.Fatalf("after leave: button %q title %q", ui.bar.join.Text, h.w.Title())
	}

	// A join the network refuses: the reason is a sentence, the button comes back.
	test.Tap(ui.bar.join)
	h.command()
	h.emit(netconf.Error{Op: "join", Err: &netconf.OpError{Op: "open port 3333", Err: syscall.EADDRINUSE}})
	if ui.bar.join.Text != "Join" || ui.bar.join.Disabled() || !strings.Contains(ui.bar.hint.Text, "already in use") {
		t.Fatalf("failed join: button %q, hint %q", ui.bar.join.Text, ui.bar.hint.Text)
	}
	last, _ := ui.model.Last()
	if last.Kind != chatlog.Error || !strings.HasPrefix(last.Text, "Could not join") {
		t.Fatalf("failed join logged as %+v", last)
	}

	// The interface disappears while joined.
	h.joinAs("Alice")
	h.emit(netconf.Left{Group: cfg.Group, Err: &netconf.OpError{Op: "receive on eth0", Err: syscall.ENODEV}})
	if ui.bar.join.Text != "Join" || !strings.Contains(ui.bar.hint.Text, "interface is gone") {
		t.Fatalf("interface gone: button %q, hint %q", ui.bar.join.Text, ui.bar.hint.Text)
	}
	h.emit(netconf.Lost{Peer: netconf.Peer{Nick: "Bob"}, First: 4, Last: 6})
	last, _ = ui.model.Last()
	if last.Kind != chatlog.Warning || last.Text != "3 messages from Bob could not be recovered." {
		t.Fatalf("loss logged as %+v", last)
	}

	// The interface goes away and comes back while joined: the membership
	// stays, the user is told both.
	h.joinAs("Alice")
	h.emit(netconf.InterfaceChanged{Name: "eth0", Gone: true})
	last, _ = ui.model.Last()
	if last.Kind != chatlog.Warning || !strings.HasPrefix(last.Text, "eth0 went away") || !strings.HasPrefix(ui.bar.hint.Text, "eth0 went away") || ui.bar.join.Text != "Leave" {
		t.Fatalf("interface gone: logged %+v, hint %q, button %q", last, ui.bar.hint.Text, ui.bar.join.Text)
	}
	h.emit(netconf.InterfaceChanged{Name: "eth0", Up: true})
	last, _ = ui.model.Last()
	if last.Kind != chatlog.System || !strings.HasPrefix(last.Text, "eth0 is back") || ui.bar.hint.Text != "" {
		t.Fatalf("interface back: logged %+v, hint %q", last, ui.bar.hint.Text)
	}
}

func TestCloseLeavesAndStops(t *testing.T) {
	h := newHarness(t, defaultCfg())
	h.joinAs("Alice")
	h.ui.shutdown()
	h.engine.mu.Lock()
	closed := h.engine.closed
	h.engine.mu.Unlock()
	if !closed {
		t.Fatal("closing the window did not close the engine")
	}
	select {
	case <-h.ui.pumpDone:
	default:
		t.Fatal("event pump still running")
	}
	if h.ui.push(netconf.Send{Text: "x"}) {
		t.Fatal("a command was accepted after the window closed")
	}
}

func TestPreferencesRemembered(t *testing.T) {
	h := newHarness(t, defaultCfg())
	ui := h.ui
	ui.bar.addr.SetText("239.1.2.3")
	ui.bar.port.SetText("4444")
	ui.bar.nick.SetText("Carol")
	ui.bar.iface.SetSelected("lo · 127.0.0.1")
	h.joinAs("Carol")
	got := loadSettings(h.ui.app.Preferences(), netconf.DefaultConfig(), nil)
	if got.Group.String() != "239.1.2.3:4444" || got.Nick != "Carol" || got.Interface != "lo" || got.TTL != 1 || !got.Loopback {
		t.Fatalf("remembered %+v", got)
	}
}

func TestExplainedErrorsAreSentences(t *testing.T) {
	for _, err := range []error{
		&netconf.OpError{Op: "open port 3333", Err: syscall.EADDRINUSE},
		&netconf.OpError{Op: "join 239.255.3.3 on eth0", Err: syscall.ENODEV},
		&netconf.OpError{Op: "open port 80", Err: syscall.EACCES},
		errors.New("something else"),
	} {
		s := netconf.Explain(err)
		if !strings.HasSuffix(s, ".") || strings.ToUpper(s[:1]) != s[:1] {
			t.Errorf("Explain(%v) = %q; want a sentence", err, s)
		}
	}
}

func TestPassphraseIsUsedNotSaved(t *testing.T) {
	h := newHarness(t, defaultCfg())
	ui := h.ui
	ui.bar.key.SetText("our class secret")
	if !strings.Contains(ui.bar.hint.Text, "Private") {
		t.Fatalf("hint %q does not say the group is private", ui.bar.hint.Text)
	}
	test.Tap(ui.bar.join)
	j := h.command().(netconf.Join)
	if j.Config.Passphrase != "our class secret" {
		t.Fatal("the passphrase did not reach the engine")
	}
	h.emit(netconf.Joined{Group: j.Config.Group, Interface: netconf.Choice{Interface: eth}, TTL: 1, Nick: "Alice", Keyed: true})
	if !strings.HasSuffix(h.w.Title(), "(private)") || !ui.bar.key.Disabled() {
		t.Fatalf("title %q", h.w.Title())
	}
	for _, k := range []string{prefGroup, prefNick, prefIface} {
		if strings.Contains(ui.app.Preferences().String(k), "secret") {
			t.Fatal("the passphrase was saved")
		}
	}
	h.emit(netconf.Unreadable{Reason: netconf.UnreadableOtherPassphrase, Count: 4})
	last, _ := ui.model.Last()
	if last.Kind != chatlog.Warning || last.Text != "Others here use another passphrase: you cannot read them (4 datagrams so far), and nobody of them can read you. Check the passphrase with them." {
		t.Fatalf("log %+v", last)
	}
}

func TestPlainModeAndDiagnostics(t *testing.T) {
	cfg := defaultCfg()
	cfg.Plain, cfg.Encoding = true, wire.EncodingGBK
	h := newHarness(t, cfg)
	ui := h.ui
	if !strings.Contains(ui.bar.hint.Text, "Plain gbk text: no names, no repair, no privacy") {
		t.Fatalf("hint %q", ui.bar.hint.Text)
	}
	ui.bar.key.SetText("secret")
	if !ui.bar.join.Disabled() || !strings.Contains(ui.bar.hint.Text, "cannot be private") {
		t.Fatalf("plain + passphrase: hint %q", ui.bar.hint.Text)
	}
	ui.bar.key.SetText("")
	test.Tap(ui.bar.join)
	j := h.command().(netconf.Join)
	if !j.Config.Plain || j.Config.Encoding != wire.EncodingGBK {
		t.Fatalf("join config %+v", j.Config)
	}
	h.emit(netconf.Joined{Group: j.Config.Group, Interface: netconf.Choice{Interface: eth}, Nick: "Alice", Plain: true, Encoding: "gbk"})
	h.emit(netconf.Message{From: "198.18.0.9:4000", Source: netip.MustParseAddrPort("198.18.0.9:4000"), Text: "你好", Plain: true, Encoding: "gb18030", Received: testTime})
	last, _ := ui.model.Last()
	if last.From != "198.18.0.9 (plain)" || last.Text != "你好" {
		t.Fatalf("plain message logged as %+v", last)
	}
	if !strings.HasSuffix(h.w.Title(), "(plain text)") {
		t.Fatalf("title %q", h.w.Title())
	}

	var asked doctor.Options
	ui.opts.diagnose = func(_ context.Context, o doctor.Options) doctor.Report {
		asked = o
		return doctor.Report{Group: o.Group, Chosen: netconf.Choice{Interface: eth}, SelfTest: doctor.Check{OK: true, Detail: "came back"}}
	}
	ui.showDiagnostics()
	select {
	case f := <-h.queue:
		f()
	case <-time.After(2 * time.Second):
		t.Fatal("the diagnosis never finished")
	}
	if asked.Group != j.Config.Group || asked.Listen != 3*time.Second {
		t.Fatalf("doctor asked %+v", asked)
	}
	var diag fyne.Window
	for _, w := range fyne.CurrentApp().Driver().AllWindows() {
		if w.Title() == "Groupcast — Diagnostics" {
			diag = w
		}
	}
	if diag == nil {
		t.Fatal("no Diagnostics window")
	}
	diag.Close()
}

func TestAboutNamesTheVersion(t *testing.T) {
	h := newHarness(t, defaultCfg())
	h.ui.showAbout()
	found := false
	for _, o := range h.w.Canvas().Overlays().List() {
		walk(o, func(c fyne.CanvasObject) {
			if l, ok := c.(*widget.Label); ok && l.Text == "Groupcast "+version.Version {
				found = true
			}
		})
	}
	if !found {
		t.Fatal("the About dialog does not name the version")
	}
}

func walk(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	f(o)
	switch c := o.(type) {
	case *fyne.Container:
		for _, x := range c.Objects {
			walk(x, f)
		}
	case fyne.Widget:
		for _, x := range test.WidgetRenderer(c).Objects() {
			walk(x, f)
		}
	}
}

// TestTrayOnlyWhereShown: with -tray on a desktop that shows no tray
// (GNOME without its extension), closing the window must quit, not hide
// it where nothing can bring it back; the log says so. Where a tray is
// shown, closing hides the window.
func TestTrayOnlyWhereShown(t *testing.T) {
	for _, shown := range []bool{false, true} {
		h := newHarness(t, defaultCfg())
		h.ui.opts.hasTray = func() bool { return shown }
		h.ui.useTray()
		if h.ui.inTray != shown {
			t.Fatalf("tray shown %v: in the tray %v", shown, h.ui.inTray)
		}
		last, _ := h.ui.model.Last()
		if said := strings.Contains(last.Text, "no system tray"); said == shown {
			t.Fatalf("tray shown %v: the log says %q", shown, last.Text)
		}
	}
}

// TestConnectionBarSmallThings: "239.255.3.3:3333" pasted into Group is
// split into its fields; an empty port asks for one (not `port "" is not
// a number` beside a field that shows 3333 greyed); a name too long says
// how long it may be in characters.
func TestConnectionBarSmallThings(t *testing.T) {
	h := newHarness(t, defaultCfg())
	bar := h.ui.bar
	bar.port.SetText("")
	if !strings.Contains(strings.ToLower(bar.hint.Text), "enter the group's port") {
		t.Fatalf("empty port: %q", bar.hint.Text)
	}
	bar.addr.SetText("239.255.7.8:4444")
	if bar.addr.Text != "239.255.7.8" || bar.port.Text != "4444" || bar.join.Disabled() {
		t.Fatalf("pasted group: %q : %q, join disabled %v (%q)", bar.addr.Text, bar.port.Text, bar.join.Disabled(), bar.hint.Text)
	}
	bar.nick.SetText(strings.Repeat("学", 30)) // 90 bytes
	if !strings.Contains(bar.hint.Text, "21 Chinese characters") || !bar.join.Disabled() {
		t.Fatalf("long name: %q", bar.hint.Text)
	}
	for n, want := range map[int]string{1: "1 room on this network", 3: "3 rooms on this network"} {
		if got := roomsHeard(n); !strings.HasPrefix(got, want) {
			t.Errorf("%d rooms: %q", n, got)
		}
	}
}

// TestEscapeCloses: Escape dismisses the ⚙ dialog (as Cancel: nothing
// changes) and the help page, and closes the Rooms and Diagnostics
// windows.
func TestEscapeCloses(t *testing.T) {
	h := newHarness(t, defaultCfg())
	h.ui.bar.showAdvanced(h.w)
	c := h.w.Canvas()
	if c.Overlays().Top() == nil {
		t.Fatal("the settings dialog is not shown")
	}
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if c.Overlays().Top() != nil {
		t.Fatal("Escape left the settings dialog open")
	}
	h.ui.showHelp()
	if c.Overlays().Top() == nil {
		t.Fatal("the help page is not shown")
	}
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if c.Overlays().Top() != nil {
		t.Fatal("Escape left the help page open")
	}
	closed := false
	w := h.ui.app.NewWindow("Rooms")
	w.SetOnClosed(func() { closed = true })
	closeOnEscape(w)
	w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if !closed {
		t.Fatal("Escape did not close the window")
	}
}

// TestUnreadCountInTitle: messages that arrive while the window is not in
// front are counted in its title, which the taskbar shows; coming to the
// front clears the count. Our own messages do not count.
func TestUnreadCountInTitle(t *testing.T) {
	h := newHarness(t, defaultCfg())
	h.joinAs("Alice")
	joined := h.w.Title()
	h.ui.trayShow = fyne.NewMenuItem("Show Groupcast", nil) // as useTray makes it on a desktop with a tray
	h.ui.trayMenu = fyne.NewMenu("Groupcast", h.ui.trayShow)
	h.ui.focused = false
	for _, text := range []string{"one", "two"} {
		h.emit(netconf.Message{From: "Bob", Text: text, Received: testTime})
	}
	h.emit(netconf.Sent{Nick: "Alice", Text: "mine", Time: testTime})
	if got := h.w.Title(); got != "(2) "+joined || h.ui.trayShow.Label != "Show Groupcast (2 unread)" {
		t.Fatalf("title %q, tray %q; want (2) %s", got, h.ui.trayShow.Label, joined)
	}
	h.ui.seen()
	if got := h.w.Title(); got != joined || h.ui.trayShow.Label != "Show Groupcast" {
		t.Fatalf("after coming to the front: %q, tray %q", got, h.ui.trayShow.Label)
	}
}

// TestSearchTheLog: Ctrl+F opens a search bar; typing finds the newest
// line with the text (any case, sender too), Enter the one before it,
// wrapping round; Escape closes the bar and clears the mark.
func TestSearchTheLog(t *testing.T) {
	h := newHarness(t, defaultCfg())
	h.joinAs("Alice")
	for _, text := range []string{"the exam is on Friday", "lunch?", "Exam room 4.12", "ok"} {
		h.emit(netconf.Message{From: "Bob", Text: text, Received: testTime})
	}
	item := searchItem(h.ui.openSearch)
	if s, ok := item.Shortcut.(*desktop.CustomShortcut); !ok || s.KeyName != fyne.KeyF {
		t.Fatalf("the search's shortcut is %v", item.Shortcut)
	}
	item.Action()
	s := h.ui.search
	if !s.box.Visible() || h.w.Canvas().Focused() != s.entry {
		t.Fatal("the search bar is not open with the cursor in it")
	}
	find := func() string { return h.ui.model.At(s.at).Text }
	test.Type(s.entry, "EXAM")
	if find() != "Exam room 4.12" || s.info.Text != "2 matches" {
		t.Fatalf("first match %q (%s)", find(), s.info.Text)
	}
	s.entry.OnSubmitted(s.entry.Text)
	if find() != "the exam is on Friday" {
		t.Fatalf("Enter found %q", find())
	}
	s.entry.OnSubmitted(s.entry.Text)
	if find() != "Exam room 4.12" {
		t.Fatalf("Enter did not wrap round: %q", find())
	}
	s.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if s.box.Visible() || s.entry.Text != "" {
		t.Fatal("Escape left the search open")
	}
}

// TestCopyTheConversation: the whole log goes to the clipboard as text,
// to paste several messages at once.
func TestCopyTheConversation(t *testing.T) {
	h := newHarness(t, defaultCfg())
	h.joinAs("Alice")
	h.emit(netconf.Message{From: "Bob", Text: "two\nlines", Received: testTime})
	h.ui.copyLog()
	got := h.ui.app.Clipboard().Content()
	if !strings.Contains(got, "09:30:00 Bob: two\n    lines\n") || !strings.HasPrefix(got, "09:30:00 Welcome to Groupcast.") {
		t.Fatalf("clipboard:\n%s", got)
	}
}

// TestTabOrder: Tab goes through the connection bar left to right, row
// by row, then to the composer: it started on the log and the roster
// (no visible focus) and went from Group back to Rooms.
func TestTabOrder(t *testing.T) {
	h := newHarness(t, defaultCfg())
	bar := h.ui.bar
	c := h.w.Canvas()
	c.Unfocus()
	want := []fyne.Focusable{bar.rooms, bar.addr, bar.port, bar.nick, bar.iface, bar.key, bar.diagnose, bar.advanced, bar.join}
	for i, w := range want {
		c.FocusNext()
		if c.Focused() != w {
			t.Fatalf("Tab %d focused %T %p; want %T %p", i+1, c.Focused(), c.Focused(), w, w)
		}
	}
	h.joinAs("Alice") // the composer opens; the fields lock
	c.Focus(bar.join)
	for range 4 {
		if c.FocusNext(); c.Focused() == h.ui.message {
			return
		}
	}
	t.Fatalf("Tab from Leave never reached the composer (at %T)", c.Focused())
}
