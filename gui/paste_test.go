package gui

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/groupcast/groupcast/internal/memnet"
	"github.com/groupcast/groupcast/netconf"
)

// TestLongPastedMessageArrivesWhole: a 5 000-character message pasted
// into the window and sent with Enter reaches a headless member whole,
// through the real engine (in pieces on the wire) over the in-memory bus.
// The composer stops wrapping past 2 000 characters (wrapped, Fyne took
// 1.5 s to lay out the pasted text; 60 ms unwrapped), and the log shows
// the first 1 500 bytes of it (the whole held the window 3.9 s).
func TestLongPastedMessageArrivesWhole(t *testing.T) {
	hub := memnet.NewHub()
	bus := netconf.WithTransport(func(netconf.Config) (netconf.Transport, error) {
		return netconf.PacketTransport(hub.Join(), memnet.Group, hub.JoinAt(memnet.Control), memnet.Control), nil
	})
	listener := netconf.New(bus)
	defer listener.Close()
	lcfg := netconf.DefaultConfig()
	lcfg.Nick = "Listener"
	listener.Do(netconf.Join{Config: lcfg})
	joined, heard, got := make(chan struct{}), make(chan struct{}, 1), make(chan netconf.Message, 1)
	go func() { // the listener's events, read from the start
		for ev := range listener.Events() {
			switch ev := ev.(type) {
			case netconf.Joined:
				close(joined)
			case netconf.PeerJoined:
				select {
				case heard <- struct{}{}:
				default:
				}
			case netconf.Message:
				got <- ev
			}
		}
	}()
	<-joined

	a := test.NewTempApp(t)
	w := a.NewWindow("Groupcast")
	queue := make(chan func(), 1024)
	cfg := defaultCfg()
	ui := newWindow(a, w, netconf.New(bus), fakeInterfaces, cfg, options{do: func(f func()) { queue <- f }, now: time.Now})
	defer ui.shutdown()
	until := func(what string, done func() bool) { // runs the window's UI work meanwhile
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !done(); { // generous: -race slows all tenfold
			if time.Now().After(deadline) {
				t.Fatalf("no %s within 30 s", what)
			}
			select {
			case f := <-queue:
				f()
			case <-time.After(10 * time.Millisecond):
			}
		}
	}

	test.Tap(ui.bar.join)
	until("join", func() bool { return ui.state == stateJoined })
	until("the listener to hear the window", func() bool { // it knows where Alice's stream starts
		select {
		case <-heard:
			return true
		default:
			return false
		}
	})
	start := time.Now()

	var b strings.Builder
	for utf8.RuneCountInString(b.String()) < 5000 {
		b.WriteString("Pasted into the window: é世 — the quick brown fox. ")
	}
	text := string([]rune(b.String())[:4999]) + "!" // the composer trims trailing spaces
	a.Clipboard().SetContent(text)
	w.Canvas().Focus(ui.message)
	ui.message.TypedShortcut(&fyne.ShortcutPaste{Clipboard: a.Clipboard()})
	if took := time.Since(start); took > 4*time.Second {
		t.Logf("the paste took %v", took) // a benchmark, not a timed test: logged
	}
	ui.message.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if ui.message.Text != "" {
		t.Fatalf("the composer kept %d characters: not sent (%s)", len([]rune(ui.message.Text)), ui.bar.hint.Text)
	}
	var m netconf.Message
	until("the message at the listener", func() bool {
		select {
		case m = <-got:
			return true
		default:
			return false
		}
	})
	if m.Text != text {
		t.Fatalf("the listener got %d characters, not the 5 000 sent", len([]rune(m.Text)))
	}
	t.Logf("arrived %v after the paste", time.Since(start))
}
