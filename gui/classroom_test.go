package gui

import (
	"context"
	"crypto/ed25519"
	"net/netip"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/groupcast/groupcast/netconf"
)

func TestRoomStudentAndPresenter(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(nil)
	physics := netconf.Room{Name: "Physics 101", Group: netip.MustParseAddrPort("239.255.20.1:2020"), Presenter: "Ms Lee",
		PresenterKey: pub, ReadOnly: true, Origin: netip.MustParseAddr("198.18.0.1")}

	// A student picks the room from the list.
	h := newHarness(t, defaultCfg())
	ui := h.ui
	ui.opts.discover = func(ctx context.Context, _ string, _ time.Duration, found func(netconf.Room, bool)) error {
		found(physics, false)
		<-ctx.Done()
		return nil
	}
	ui.joinRoom(physics, false)
	j := h.command().(netconf.Join)
	if j.Config.Room == nil || j.Config.Room.Name != "Physics 101" || j.Config.Group != physics.Group || j.Config.Presenter != nil {
		t.Fatalf("join %+v", j.Config)
	}
	h.emit(netconf.Joined{Group: physics.Group, Interface: netconf.Choice{Interface: eth}, Nick: "Alice"})
	if h.w.Title() != "Groupcast — Alice in Physics 101" || !ui.message.Disabled() || !strings.Contains(ui.message.PlaceHolder, "read-only: only Ms Lee may post") {
		t.Fatalf("title %q, composer %q disabled %v", h.w.Title(), ui.message.PlaceHolder, ui.message.Disabled())
	}
	h.emit(netconf.Message{From: "Ms Lee", Text: "Open chapter 3", Announcement: true, Earlier: true, Sent: testTime, Received: testTime})
	if !ui.bannerBox.Visible() || ui.banner.Text != "📢 Ms Lee (earlier, 09:30): Open chapter 3" {
		t.Fatalf("banner %q visible %v", ui.banner.Text, ui.bannerBox.Visible())
	}

	// The presenter creates a room and sees receipts.
	p := newHarness(t, defaultCfg())
	pui := p.ui
	pui.opts.presenterKey = func() (ed25519.PrivateKey, error) { return key, nil }
	pui.joinRoom(netconf.Room{Name: "Physics 101", Group: physics.Group, ReadOnly: true}, true)
	pj := p.command().(netconf.Join)
	if pj.Config.Presenter == nil || !pj.Config.Room.PresenterKey.Equal(pub) || pj.Config.Room.Presenter != "Alice" {
		t.Fatalf("presenter join %+v", pj.Config)
	}
	p.emit(netconf.Joined{Group: physics.Group, Interface: netconf.Choice{Interface: eth}, Nick: "Alice"})
	if pui.message.Disabled() || !strings.HasSuffix(p.w.Title(), "(presenting)") {
		t.Fatalf("presenter cannot post: %q", p.w.Title())
	}
	bob := netconf.Peer{Nick: "Bob", Host: netip.MustParseAddr("198.18.0.7")}
	p.emit(netconf.Receipt{Seq: 1, Received: 27, Members: 28, Missing: []netconf.Peer{bob}})
	if !pui.receiptBox.Visible() || pui.receipt.Text != "Announcement 1: 27 of 28 received" {
		t.Fatalf("receipt %q", pui.receipt.Text)
	}
	test.Tap(pui.missingBtn) // the dialog lists Bob; it must not panic
	p.emit(netconf.Left{Group: physics.Group})
	if pui.receiptBox.Visible() || pui.room != nil {
		t.Fatal("room state kept after leaving")
	}
}

// TestRoomEndsWhenThePresenterLeaves: when the presenter (proven by its
// key) leaves, a student is told the room has ended, the pinned banner
// goes, and the composer says why it stays closed; a member who merely
// took the presenter's name leaving changes nothing.
func TestRoomEndsWhenThePresenterLeaves(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(nil)
	physics := netconf.Room{Name: "Physics 101", Group: netip.MustParseAddrPort("239.255.20.1:2020"), Presenter: "Ms Lee",
		PresenterKey: pub, ReadOnly: true, Origin: netip.MustParseAddr("198.18.0.1")}
	h := newHarness(t, defaultCfg())
	ui := h.ui
	ui.joinRoom(physics, false)
	h.command()
	h.emit(netconf.Joined{Group: physics.Group, Interface: netconf.Choice{Interface: eth}, Nick: "Alice"})
	h.emit(netconf.Message{From: "Ms Lee", Text: "Open chapter 3", Announcement: true, Sent: testTime, Received: testTime})

	teacher := netconf.Peer{Nick: "Ms Lee", Host: netip.MustParseAddr("198.18.0.1"), Presenter: true}
	impostor := netconf.Peer{Nick: "Ms Lee", Host: netip.MustParseAddr("198.18.0.66")}
	h.emit(netconf.PeerLeft{Peer: impostor})
	if !ui.bannerBox.Visible() || strings.Contains(ui.message.PlaceHolder, "ended") {
		t.Fatal("a member named like the presenter leaving ended the room")
	}
	h.emit(netconf.PeerLeft{Peer: teacher, Timeout: true})
	if !ui.bannerBox.Visible() {
		t.Fatal("the presenter going silent (it may come back) ended the room")
	}
	h.emit(netconf.PeerLeft{Peer: teacher})
	last := ui.model.At(ui.model.Len() - 1)
	if ui.bannerBox.Visible() || !strings.Contains(ui.message.PlaceHolder, "has ended") || !strings.Contains(last.Text, "the room has ended") {
		t.Fatalf("after the presenter left: banner %v, composer %q, log %q", ui.bannerBox.Visible(), ui.message.PlaceHolder, last.Text)
	}
	h.emit(netconf.Message{From: "Ms Lee", Text: "Back again", Announcement: true, Sent: testTime, Received: testTime})
	if !ui.bannerBox.Visible() || strings.Contains(ui.message.PlaceHolder, "ended") {
		t.Fatal("the presenter's next announcement did not reopen the room")
	}
}
