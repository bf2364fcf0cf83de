package gui

import (
	"context"
	"crypto/ed25519"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/groupcast/groupcast/internal/launch"
	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/rooms"
)

// roomsOnAir is a network of room announcements the test makes; its
// discover (the window's opts.discover) hears them until ctx ends.
type roomsOnAir struct{ heard chan netconf.Room }

func newRoomsOnAir() *roomsOnAir { return &roomsOnAir{heard: make(chan netconf.Room, 16)} }

func (n *roomsOnAir) discover(ctx context.Context, _ string, wait time.Duration, found func(netconf.Room, bool)) error {
	end := time.After(wait)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-end:
			return nil
		case r := <-n.heard:
			found(r, false)
		}
	}
}

// runUI runs the work the window scheduled for its UI goroutine, here, until
// cond holds.
func (h *harness) runUI(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.After(10 * time.Second)
	for !cond() {
		select {
		case f := <-h.queue:
			f()
		case <-deadline:
			h.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func chemistry(key ed25519.PublicKey, version uint64, group string) netconf.Room {
	return netconf.Room{Name: "Chemistry 9", Group: netip.MustParseAddrPort(group), TTL: 1, Presenter: "Ms Lee",
		PresenterKey: key, ReadOnly: true, Origin: netip.MustParseAddr("198.18.0.1"), Version: version}
}

// TestWindowWaitsForItsRoom: a lab PC's window started in a room before
// the teacher (its key pinned) says it waits in its status line, title
// and tray tooltip, joins nothing meanwhile, joins the room as soon as it
// is announced, and follows it when the teacher starts it again on
// another group.
func TestWindowWaitsForItsRoom(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(nil)
	fp := rooms.Fingerprint(pub)
	air := newRoomsOnAir()
	var mu sync.Mutex
	var tip string
	h := newHarnessWith(t, defaultCfg(), func(_ *harness, o *options) {
		o.discover = air.discover
		o.trayTip = func(s string) { mu.Lock(); tip = s; mu.Unlock() }
	})
	ui := h.ui
	ui.inTray = true // as with -tray on a desktop that has one
	cfg := defaultCfg()
	cfg.Room = &netconf.Room{Name: "Chemistry 9", KeyPin: fp}
	ui.student = true
	ui.autoJoin(context.Background(), cfg, 0)
	waiting := "Waiting for Chemistry 9 (key " + fp + ") to start…"
	h.runUI("the waiting line", func() bool { return ui.status.Text == waiting })
	mu.Lock()
	gotTip := tip
	mu.Unlock()
	if ui.bar.join.Text != "Stop waiting" || !strings.Contains(h.w.Title(), waiting) || !strings.Contains(gotTip, waiting) {
		t.Fatalf("button %q, title %q, tray %q", ui.bar.join.Text, h.w.Title(), gotTip)
	}
	if last := ui.model.At(ui.model.Len() - 1); last.Text != waiting {
		t.Fatalf("the log says %q", last.Text)
	}
	h.noCommand()

	air.heard <- chemistry(pub, 10, "239.255.20.9:2020")
	h.runUI("joining the room", func() bool { return ui.state == stateJoining })
	j := h.command().(netconf.Join)
	if j.Config.Group.String() != "239.255.20.9:2020" || j.Config.Room == nil || !j.Config.Room.PresenterKey.Equal(pub) || j.Config.Presenter != nil {
		t.Fatalf("joined %+v", j.Config)
	}
	h.emit(netconf.Joined{Group: j.Config.Group, Interface: netconf.Choice{Interface: eth}, Nick: "Alice"})

	air.heard <- chemistry(pub, 11, "239.255.20.10:2020") // the teacher, restarted elsewhere
	h.runUI("leaving for the new group", func() bool { return ui.state == stateLeaving })
	if _, ok := h.command().(netconf.Leave); !ok {
		t.Fatal("the window did not leave the old group")
	}
	h.emit(netconf.Left{Group: j.Config.Group})
	j = h.command().(netconf.Join)
	if j.Config.Group.String() != "239.255.20.10:2020" || j.Config.Room.Version != 11 {
		t.Fatalf("followed to %+v", j.Config)
	}
}

// TestJoinWhileWaitingJoinsNothing: pressing the button while the window
// waits for its room stops waiting; it never joins the group in the
// fields (the default group, where the PC would sit alone), and the room
// announced afterwards is not joined either.
func TestJoinWhileWaitingJoinsNothing(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(nil)
	air := newRoomsOnAir()
	h := newHarnessWith(t, defaultCfg(), func(_ *harness, o *options) { o.discover = air.discover })
	ui := h.ui
	cfg := defaultCfg()
	cfg.Room = &netconf.Room{Name: "Chemistry 9", KeyPin: rooms.Fingerprint(pub)}
	ui.autoJoin(context.Background(), cfg, 0)
	if ui.state != stateWaiting {
		t.Fatalf("state %v", ui.state)
	}
	test.Tap(ui.bar.join)
	h.noCommand()
	if ui.state != stateIdle || !strings.Contains(ui.bar.hint.Text, "Stopped waiting for Chemistry 9") {
		t.Fatalf("state %v, hint %q", ui.state, ui.bar.hint.Text)
	}
	air.heard <- chemistry(pub, 10, "239.255.20.9:2020")
	time.Sleep(100 * time.Millisecond)
	for len(h.queue) > 0 {
		(<-h.queue)()
	}
	h.noCommand()
}

// TestRoomWaitInTheWindow: -room-wait given, the window stops waiting
// after it and says the room was not announced.
func TestRoomWaitInTheWindow(t *testing.T) {
	air := newRoomsOnAir()
	h := newHarnessWith(t, defaultCfg(), func(_ *harness, o *options) { o.discover = air.discover })
	cfg := defaultCfg()
	cfg.Room = &netconf.Room{Name: "Chemistry 9"}
	h.ui.autoJoin(context.Background(), cfg, 300*time.Millisecond)
	h.runUI("giving up", func() bool { return h.ui.state == stateIdle })
	if !strings.Contains(h.ui.bar.hint.Text, `no room named "Chemistry 9" was announced`) {
		t.Fatalf("hint %q", h.ui.bar.hint.Text)
	}
	h.noCommand()
}

// TestFlagsWinOverSavedSettings: the window opened with -name Bob is Bob,
// though Alice was saved the last time; what the command line did not
// say comes from what was saved; started to join, the window uses the
// command line alone.
func TestFlagsWinOverSavedSettings(t *testing.T) {
	h := newHarness(t, defaultCfg())
	h.ui.bar.addr.SetText("239.1.2.3")
	h.ui.bar.port.SetText("4444")
	h.joinAs("Alice") // saved
	p := h.ui.app.Preferences()

	asked := netconf.DefaultConfig()
	asked.Nick = "Bob"
	got := startConfig(p, launch.Window{Config: asked, Given: map[string]bool{"name": true}})
	if got.Nick != "Bob" || got.Group.String() != "239.1.2.3:4444" {
		t.Fatalf("-name Bob opened as %q on %v", got.Nick, got.Group)
	}
	got = startConfig(p, launch.Window{Config: asked})
	if got.Nick != "Alice" {
		t.Fatalf("nothing given: %q, not the saved name", got.Nick)
	}
	asked.Group = netip.MustParseAddrPort("239.9.9.9:9999")
	got = startConfig(p, launch.Window{Config: asked, Given: map[string]bool{"join": true}, AutoJoin: true})
	if got.Nick != "Bob" || got.Group != asked.Group {
		t.Fatalf("joining at once: %+v", got)
	}
}
