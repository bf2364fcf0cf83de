package gui

import (
	"context"
	"crypto/ed25519"
	"net/netip"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/rooms"
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
	if pui.message.Disabled() || !strings.HasSuffix(p.w.Title(), "(presenting, key "+rooms.Fingerprint(pub)+")") {
		t.Fatalf("presenter cannot post: %q", p.w.Title())
	}
	bob := netconf.Peer{Nick: "Bob", Host: netip.MustParseAddr("198.18.0.7")}
	ann := netconf.Peer{Nick: "Ann", Host: netip.MustParseAddr("198.18.0.8")}
	p.emit(netconf.Receipt{Seq: 1, Received: 27, Members: 28, People: 30, Missing: []netconf.Peer{bob}, Have: []netconf.Peer{ann}})
	if !pui.receiptBox.Visible() || pui.receipt.Text != "Announcement 1: 27 of 28 PCs received (30 people)" {
		t.Fatalf("receipt %q", pui.receipt.Text)
	}
	// Who has not, and who has, by name.
	title, text := receiptsText(pui.lastReceipt)
	if title != "Announcement 1: 27 of 28 PCs received" || text != "Not yet (1):\nBob (198.18.0.7)\n\nReceived (27):\nAnn (198.18.0.8)\nand 26 more" {
		t.Fatalf("receipts dialog %q: %q", title, text)
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

// TestCreatedRoomGetsAGroupOfItsOwn: a room created in the Rooms window
// goes on a free group derived from its name, not on the main window's
// group (where another room, or a chat, may be).
func TestCreatedRoomGetsAGroupOfItsOwn(t *testing.T) {
	h := newHarness(t, defaultCfg())
	ui := h.ui
	taken := netconf.Room{Name: "Physics 101", Group: rooms.FreeGroup("Chemistry 2B", nil)}
	rw := &roomsWindow{w: ui.app.NewWindow("Rooms"), status: widget.NewLabel(""), rooms: []netconf.Room{taken}}
	form := ui.createRoomForm(rw).(*fyne.Container)
	var name *widget.Entry
	var create *widget.Button
	for _, o := range form.Objects {
		switch o := o.(type) {
		case *widget.Entry:
			name = o
		case *widget.Button:
			create = o
		}
	}
	name.SetText("Chemistry 2B")
	test.Tap(create)
	j := h.command().(netconf.Join)
	if j.Config.Room == nil || j.Config.Group == testGroup || j.Config.Group == taken.Group ||
		j.Config.Group != rooms.FreeGroup("Chemistry 2B", rw.rooms) {
		t.Fatalf("created on %v (main window %v, held by another room %v)", j.Config.Group, testGroup, taken.Group)
	}
}

// TestStudentIsOfferedNoPresenterControls: a PC started in a room as a
// student (a lab PC) lists rooms but offers no "create a room / I
// present"; a window started by hand does.
func TestStudentIsOfferedNoPresenterControls(t *testing.T) {
	for _, student := range []bool{false, true} {
		h := newHarness(t, defaultCfg())
		h.ui.opts.discover = func(ctx context.Context, _ string, _ time.Duration, _ func(netconf.Room, bool)) error {
			<-ctx.Done()
			return nil
		}
		h.ui.student = student
		h.ui.showRooms()
		wins := h.ui.app.Driver().AllWindows()
		rw := wins[len(wins)-1]
		checks := 0
		var walk func(o fyne.CanvasObject)
		walk = func(o fyne.CanvasObject) {
			switch o := o.(type) {
			case *widget.Check:
				checks++
			case *fyne.Container:
				for _, c := range o.Objects {
					walk(c)
				}
			}
		}
		walk(rw.Content())
		rw.Close()
		if student && checks != 0 || !student && checks == 0 {
			t.Fatalf("student %v: %d presenter controls", student, checks)
		}
	}
}

// TestRoomRememberedAcrossRestart: a presenter's window restarted (what it
// saved loaded into a new one) joins the same room as its presenter on
// Join, so its announcements are signed and announced again; a student's
// remembers the room's key, so announcements still verify.
func TestRoomRememberedAcrossRestart(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(nil)
	group := rooms.FreeGroup("Physics 101", nil)
	h := newHarness(t, defaultCfg())
	h.ui.opts.presenterKey = func() (ed25519.PrivateKey, error) { return key, nil }
	h.ui.joinRoom(netconf.Room{Name: "Physics 101", Group: group, ReadOnly: true}, true)
	first := h.command().(netconf.Join).Config.Room.Version
	if first == 0 {
		t.Fatal("a created room has no run (version) for its presenter to sign for")
	}

	restart := func(saved fyne.Preferences) *harness {
		h2 := newHarness(t, loadSettings(saved, defaultCfg(), nil))
		h2.ui.opts.presenterKey = func() (ed25519.PrivateKey, error) { return key, nil }
		h2.ui.restoreRoom(saved)
		h2.ui.toggle() // Join
		return h2
	}
	j := restart(h.ui.app.Preferences()).command().(netconf.Join)
	r := j.Config.Room
	if r == nil || r.Name != "Physics 101" || j.Config.Group != group || !r.ReadOnly || j.Config.Presenter == nil || !r.PresenterKey.Equal(pub) ||
		r.Version < first || r.Origin.IsValid() {
		t.Fatalf("the presenter, restarted, joined %+v (room %+v): not a new run of the room, announced from here", j.Config, r)
	}

	s := newHarness(t, defaultCfg())
	heard := netconf.Room{Name: "Physics 101", Group: group, ReadOnly: true, Presenter: "Ms Lee", PresenterKey: pub, Origin: netip.MustParseAddr("198.18.0.2"), Version: 42}
	s.ui.joinRoom(heard, false)
	s.command()
	j = restart(s.ui.app.Preferences()).command().(netconf.Join)
	if r := j.Config.Room; r == nil || !r.PresenterKey.Equal(pub) || j.Config.Presenter != nil || j.Config.Group != group || r.Version != 42 {
		t.Fatalf("the student, restarted, joined %+v (room %+v)", j.Config, r)
	}
}
