package gui

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/groupcast/groupcast/gui/internal/chatlog"
	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/wire"
)

// TestMessagesAppear: what others send and what was sent appear in the
// log, drawn as the golden markup says. The markup holds only characters
// of the fonts that Fyne bundles (TestGoldenTextNeedsNoSystemFont): for
// any other Fyne draws with a font of the machine's, whose width would
// be the machine's. Chinese text is checked by what the log shows.
func TestMessagesAppear(t *testing.T) {
	h := newHarness(t, defaultCfg())
	ui := h.ui
	h.joinAs("Alice")
	h.emit(netconf.Message{From: "Bob", Text: "hello wörld — 1", Seq: 1, Sent: testTime, Received: testTime})
	h.emit(netconf.Sent{Seq: 1, Nick: "Alice", Text: "hi Bob", Time: testTime})
	bob, _ := ui.model.LastN(1)
	own, _ := ui.model.Last()
	if bob.Kind != chatlog.Message || bob.From != "Bob" || bob.Text != "hello wörld — 1" || bob.Colour != chatlog.SenderColour("Bob") {
		t.Fatalf("Bob's line %+v", bob)
	}
	if own.Kind != chatlog.Own || own.From != "Alice" || own.Text != "hi Bob" {
		t.Fatalf("own line %+v", own)
	}
	test.AssertRendersToMarkup(t, "conversation.xml", h.w.Canvas())

	h.emit(netconf.Message{From: "Bob", Text: "hello 世界 — 2", Seq: 2, Sent: testTime, Received: testTime})
	if got, _ := ui.model.Last(); got.Kind != chatlog.Message || got.From != "Bob" || got.Text != "hello 世界 — 2" {
		t.Fatalf("Bob's Chinese line %+v", got)
	}
	if shown := shownTexts(h.w.Canvas().Content()); !slices.Contains(shown, "hello 世界 — 2") {
		t.Fatalf("the log does not show Bob's Chinese line; it shows %q", shown)
	}
}

// shownTexts returns the texts drawn under o, in the order drawn, without
// measuring them.
func shownTexts(o fyne.CanvasObject) []string {
	if !o.Visible() {
		return nil
	}
	switch o := o.(type) {
	case *canvas.Text:
		return []string{o.Text}
	case *fyne.Container:
		var out []string
		for _, c := range o.Objects {
			out = append(out, shownTexts(c)...)
		}
		return out
	case fyne.Widget:
		var out []string
		for _, c := range test.WidgetRenderer(o).Objects() {
			out = append(out, shownTexts(c)...)
		}
		return out
	}
	return nil
}

func TestNotifiesOnlyWhenUnfocused(t *testing.T) {
	h := newHarness(t, defaultCfg())
	h.joinAs("Alice")
	msg := netconf.Message{From: "Bob", Text: "are you there?", Received: testTime}
	test.AssertNotificationSent(t, nil, func() { h.emit(msg) }) // focused: no notification
	h.ui.focused = false
	test.AssertNotificationSent(t, fyne.NewNotification("Bob in Groupcast", "are you there?"), func() { h.emit(msg) })
}

// TestScrollFollowsUnlessScrolledUp: the window asks the log whether it
// is at the bottom before applying a batch, so messages are followed until
// the user scrolls up (the "new messages" button: chatlog's view tests).
func TestScrollFollowsUnlessScrolledUp(t *testing.T) {
	h := newHarness(t, defaultCfg())
	ui := h.ui
	h.joinAs("Alice")
	for i := range 60 {
		h.emit(netconf.Message{From: "Bob", Text: strings.Repeat("x", i%7+1), Received: testTime})
	}
	if !ui.view.AtBottom() {
		t.Fatal("log does not follow new messages")
	}
	test.Scroll(h.w.Canvas(), fyne.NewPos(100, 250), 0, 1e6) // up to the top
	if ui.view.AtBottom() {
		t.Fatal("scrolling the log up did not move it")
	}
	h.emit(netconf.Message{From: "Bob", Text: "while you read above", Received: testTime})
	if ui.view.AtBottom() {
		t.Fatal("a new message pulled the log down while the user read above")
	}
}

func TestRosterShowsWhoIsThere(t *testing.T) {
	h := newHarness(t, defaultCfg())
	ui := h.ui
	h.joinAs("Alice")
	bob1 := netconf.Peer{ID: wire.SenderID{1}, Nick: "Bob", Host: netip.MustParseAddr("198.18.0.5"), LastHeard: testTime}
	bob2 := netconf.Peer{ID: wire.SenderID{2}, Nick: "Bob", Host: netip.MustParseAddr("198.18.0.6"), LastHeard: testTime.Add(-30 * time.Second)}
	h.engine.mu.Lock()
	h.engine.roster = []netconf.Peer{bob2, {ID: wire.SenderID{9}, Nick: "Alice", Self: true}, bob1}
	h.engine.mu.Unlock()
	h.emit(netconf.PeerJoined{Peer: bob1})
	last, _ := ui.model.Last()
	if last.Text != "Bob (198.18.0.5) joined." {
		t.Fatalf("log line %q", last.Text)
	}
	if got := rosterTitle(ui); got != "In the group: you and 2 others" { // order and details: roster's tests
		t.Fatalf("roster title %q", got)
	}
	h.emit(netconf.PeerLeft{Peer: bob2, Timeout: true})
	last, _ = ui.model.Last()
	if last.Text != "Bob (198.18.0.6) went silent and is taken to have left." {
		t.Fatalf("log line %q", last.Text)
	}
}

// rosterTitle is the heading above the roster, as drawn.
func rosterTitle(ui *window) string {
	title := ""
	walk(ui.roster.Object(), func(c fyne.CanvasObject) {
		if l, ok := c.(*widget.Label); ok && strings.HasPrefix(l.Text, "In the group") && title == "" {
			title = l.Text
		}
	})
	return title
}

// TestMemoryIsReleasedOnceAfterAFlood: a flood of events, once quiet for
// a second, has the window give unused memory back once; an ordinary
// conversation never does.
func TestMemoryIsReleasedOnceAfterAFlood(t *testing.T) {
	h := newHarness(t, defaultCfg())
	h.joinAs("Alice")
	for i := range 20 {
		h.emit(netconf.Message{From: "Bob", Text: fmt.Sprint("chat ", i), Received: testTime})
	}
	if h.ui.floodEnded(time.Now().Add(2 * time.Second)) {
		t.Fatal("20 messages counted as a flood")
	}
	for i := range flood {
		h.emit(netconf.Message{From: "Streamer", Text: fmt.Sprint("line ", i), Received: testTime})
	}
	if h.ui.floodEnded(time.Now()) {
		t.Fatal("a flood counted as over while it still pours in")
	}
	if !h.ui.floodEnded(time.Now().Add(2 * time.Second)) {
		t.Fatal("a flood that went quiet did not release memory")
	}
	if h.ui.floodEnded(time.Now().Add(3 * time.Second)) {
		t.Fatal("one flood released memory twice")
	}
}

func TestHostText(t *testing.T) {
	for host, want := range map[string]string{"198.18.0.7": "198.18.0.7", "0.0.0.0": "this computer", "": "unknown host"} {
		var p netconf.Peer
		if host != "" {
			p.Host = netip.MustParseAddr(host)
		}
		if got := hostText(p); got != want {
			t.Errorf("%q: %q, want %q", host, got, want)
		}
	}
}
