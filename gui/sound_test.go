package gui

import (
	"testing"
	"time"

	"github.com/groupcast/groupcast/gui/internal/chime"
	"github.com/groupcast/groupcast/netconf"
)

type fakePlayer struct{ plays int }

func (p *fakePlayer) Play() error { p.plays++; return nil }

// TestSoundForNewMessages: off until the user ticks it in the menu (which
// plays it once); then a message that arrives while the window is not in
// front sounds, at most every two seconds, and an announcement always;
// the choice is remembered.
func TestSoundForNewMessages(t *testing.T) {
	h := newHarness(t, defaultCfg())
	p := &fakePlayer{}
	h.ui.opts.chime = func() (Player, error) { return p, nil }
	now := testTime
	h.ui.opts.now = func() time.Time { return now }
	h.joinAs("Alice")
	h.ui.focused = false

	h.emit(netconf.Message{From: "Bob", Text: "one", Received: now})
	if p.plays != 0 {
		t.Fatal("a sound before the user asked for one")
	}

	h.ui.soundMenu.Action()
	if !h.ui.soundMenu.Checked || p.plays != 1 {
		t.Fatalf("after ticking it: checked %v, played %d times (want the preview)", h.ui.soundMenu.Checked, p.plays)
	}
	if !h.ui.app.Preferences().Bool(prefSound) {
		t.Fatal("the choice is not remembered")
	}

	now = now.Add(3 * time.Second)
	h.emit(netconf.Message{From: "Bob", Text: "two", Received: now})
	h.emit(netconf.Message{From: "Bob", Text: "three", Received: now})
	if p.plays != 2 {
		t.Fatalf("two messages in one second: %d sounds, want 1", p.plays-1)
	}
	h.emit(netconf.Message{From: "Ms Lee", Text: "hands up", Received: now, Announcement: true})
	if p.plays != 3 {
		t.Fatal("an announcement made no sound")
	}
	h.ui.focused = true
	now = now.Add(3 * time.Second)
	h.emit(netconf.Message{From: "Bob", Text: "four", Received: now})
	if p.plays != 3 {
		t.Fatal("a sound while the window is in front")
	}

	h.ui.soundMenu.Action()
	h.ui.focused = false
	now = now.Add(3 * time.Second)
	h.emit(netconf.Message{From: "Bob", Text: "five", Received: now})
	if h.ui.soundMenu.Checked || p.plays != 3 || h.ui.app.Preferences().Bool(prefSound) {
		t.Fatalf("after unticking: checked %v, %d sounds", h.ui.soundMenu.Checked, p.plays)
	}

	// A window started later turns it on again from the preferences.
	h.ui.app.Preferences().SetBool(prefSound, true)
	h.ui.sound = false
	h.ui.restoreSound(h.ui.app.Preferences())
	if !h.ui.sound || !h.ui.soundMenu.Checked || p.plays != 3 {
		t.Fatalf("restored: on %v, checked %v, %d sounds (no preview on start)", h.ui.sound, h.ui.soundMenu.Checked, p.plays)
	}
}

// TestNoSoundPlayer: a computer that cannot play the sound says why when
// the user ticks it, and it stays off.
func TestNoSoundPlayer(t *testing.T) {
	h := newHarness(t, defaultCfg())
	h.ui.opts.chime = func() (Player, error) { return nil, chime.ErrNoPlayer }
	h.ui.soundMenu.Action()
	if h.ui.sound || h.ui.soundMenu.Checked {
		t.Fatal("sound on without a player")
	}
	if h.w.Canvas().Overlays().Top() == nil {
		t.Fatal("no dialog says why there is no sound")
	}
	if h.ui.app.Preferences().Bool(prefSound) {
		t.Fatal("remembered a sound that cannot play")
	}
}
