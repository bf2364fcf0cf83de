package gui

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/groupcast/groupcast/gui/internal/chatlog"
	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/rooms"
	"github.com/groupcast/groupcast/netconf/wire"
)

// Discover lists rooms; tests replace it.
type Discover func(ctx context.Context, iface string, wait time.Duration, found func(netconf.Room, bool)) error

// roomsWindow shows "Rooms on this network" and lets the user create one.
type roomsWindow struct {
	w      fyne.Window
	rooms  []netconf.Room
	list   *widget.List
	status *widget.Label
	cancel context.CancelFunc
}

func (ui *window) showRooms() {
	rw := &roomsWindow{w: ui.app.NewWindow(lang.L("Groupcast — Rooms on this network"))}
	rw.status = widget.NewLabel(lang.L("Listening for rooms…"))
	rw.list = widget.NewList(
		func() int { return len(rw.rooms) },
		func() fyne.CanvasObject {
			return container.NewBorder(nil, nil, nil, widget.NewButton(lang.L("Join"), nil), widget.NewLabel("room"))
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= len(rw.rooms) {
				return
			}
			r := rw.rooms[id]
			c := o.(*fyne.Container)
			text := describeRoom(r)
			if r.Remote {
				text = "🌐 " + text // announced on another network, passed on by a bridge
			}
			c.Objects[0].(*widget.Label).SetText(text)
			c.Objects[1].(*widget.Button).OnTapped = func() {
				rw.w.Close()
				if ui.state == stateWaiting { // this room, picked instead of the one waited for
					ui.stopWaiting()
				}
				ui.joinRoom(r, false)
			}
		},
	)
	var form fyne.CanvasObject
	if !ui.student { // a PC put in a room as a student is offered no presenter controls
		form = ui.createRoomForm(rw)
	}
	rw.w.SetContent(container.NewBorder(rw.status, form, nil, nil, rw.list))
	rw.w.Resize(fyne.NewSize(560, 440))
	ctx, cancel := context.WithCancel(context.Background())
	rw.cancel = cancel
	rw.w.SetOnClosed(cancel)
	closeOnEscape(rw.w)
	rw.w.Show()
	go ui.listRooms(ctx, rw)
}

// joinRoom joins r (announced by someone, or created here when its group
// is set and it was not found), as its presenter if present.
func (ui *window) joinRoom(r netconf.Room, present bool) {
	if ui.state != stateIdle {
		return
	}
	ui.bar.addr.SetText(r.Group.Addr().String())
	ui.bar.port.SetText(fmt.Sprint(r.Group.Port()))
	ui.room, ui.presenting = &r, present
	ui.creating = !r.Origin.IsValid() // not heard announced: we announce it
	if present {
		key, err := ui.key, error(nil)
		if key == nil {
			key, err = ui.opts.presenterKey()
		}
		if err != nil {
			ui.bar.setHint(lang.L("Cannot present: {{.Why}}", map[string]any{"Why": err.Error()}), widget.DangerImportance)
			ui.room, ui.presenting = nil, false
			return
		}
		if r.PresenterKey != nil && !r.PresenterKey.Equal(key.Public()) {
			ui.bar.setHint(lang.L("You are not the presenter of {{.Room}}: its announcements are signed with another key.", map[string]any{"Room": r.Name}), widget.DangerImportance)
			ui.room, ui.presenting = nil, false
			return
		}
		ui.key = key
		ui.room.Presenter = strings.TrimSpace(ui.bar.nick.Text)
		ui.room.PresenterKey = key.Public().(ed25519.PublicKey)
		if ui.creating {
			ui.room.Version = rooms.NewVersion() // this run: what we sign for and announce
		}
	}
	ui.join()
}

// presenterKey loads (or makes) the key in the configuration folder.
func presenterKey() (ed25519.PrivateKey, error) {
	path, err := rooms.DefaultPresenterKeyPath()
	if err != nil {
		return nil, err
	}
	k, _, err := rooms.LoadPresenterKey(path)
	return k, err
}

// autoJoin joins what the command line asked for: a group, a room to
// create (its group given), or a room to find by name: a student waits
// for it (at most give, when not 0), its presenter starts it when it is
// not announced.
func (ui *window) autoJoin(ctx context.Context, cfg netconf.Config, give time.Duration) {
	r := cfg.Room
	if r == nil {
		ui.join()
		return
	}
	ui.key = cfg.Presenter
	if r.Group.IsValid() {
		ui.joinRoom(*r, cfg.Presenter != nil)
		return
	}
	if cfg.Presenter == nil {
		ui.waitForRoom(ctx, cfg.Interface, *r, give)
		return
	}
	ui.setState(stateJoining)
	ui.status.SetText(lang.L("Looking for the room “{{.Room}}”…", map[string]any{"Room": r.Name}))
	go func() {
		found, err := ui.findRoom(ctx, cfg.Interface, *r, cfg.Presenter)
		var nf *rooms.NotFoundError
		if errors.As(err, &nf) && cfg.Presenter != nil {
			// Not announced with our key (yet, or any more: a restart): the
			// presenter starts it on the group its name gives, where its
			// students still are.
			found, err = netconf.Room{Name: r.Name, Group: rooms.FreeGroup(r.Name, nf.Heard), TTL: cfg.TTL, ReadOnly: r.ReadOnly}, nil
		}
		ui.opts.do(func() {
			ui.setState(stateIdle)
			if err != nil {
				ui.bar.setHint(explain(explainFind(err)), widget.DangerImportance)
				ui.status.SetText(lang.L("Not joined"))
				return
			}
			ui.joinRoom(found, cfg.Presenter != nil)
		})
	}()
}

// findRoom listens for the room called want.Name as its presenter (key):
// only the room announced with that key counts (rooms.FindOwn, through
// opts.discover, which tests replace), heard at once when it is.
func (ui *window) findRoom(ctx context.Context, iface string, want netconf.Room, key ed25519.PrivateKey) (netconf.Room, error) {
	return rooms.FindOwn(ctx, ui.discoverer(), iface, want.Name, rooms.Settle, key)
}

// discoverer is how rooms are heard: on this network, and through the
// NATS server of the settings when one is set.
func (ui *window) discoverer() rooms.DiscoverFunc {
	if ui.opts.discoverThrough != nil && ui.bar.nats.URL != "" {
		return ui.opts.discoverThrough(ui.bar.nats)
	}
	return rooms.DiscoverFunc(ui.opts.discover)
}

// explainFind words findRoom's failures for the window.
func explainFind(err error) error {
	var nf *rooms.NotFoundError
	var amb *rooms.AmbiguousError
	switch {
	case errors.As(err, &nf):
		return &netconf.InputError{Field: "room", Msg: lang.L("{{.Why}} (Rooms… lists the rooms heard)", map[string]any{"Why": nf.Error()})}
	case errors.As(err, &amb):
		return &netconf.InputError{Field: "room", Msg: lang.L("{{.Why}} (Rooms… lists each with its key)", map[string]any{"Why": amb.Error()})}
	}
	return err
}

// announceCreatedRoom starts announcing the room we created, once joined
// on iface.
func (ui *window) announceCreatedRoom(iface netconf.Choice) {
	if !ui.creating || ui.room == nil || ui.opts.announce == nil || ui.announcer != nil {
		return
	}
	a, err := ui.opts.announce(*ui.room, iface, ui.bar.nats, ui.key)
	if err != nil {
		ui.system(chatlog.Error, lang.L("Could not announce the room: {{.Why}}", map[string]any{"Why": explain(err)}))
		return
	}
	ui.announcer = a
	if ui.bar.nats.URL != "" {
		ui.system(chatlog.System, lang.L("Announcing the room “{{.Room}}” through NATS, to every network bridged to it.", map[string]any{"Room": ui.room.Name}))
		return
	}
	ui.system(chatlog.System, lang.L("Announcing the room “{{.Room}}” on this network.", map[string]any{"Room": ui.room.Name}))
}

// restoreRoom takes the room this window was in when it last joined,
// from p: pressing Join on its group joins it again as before (as its
// presenter if we presented it), rather than as a plain member whose
// posts every student would drop.
func (ui *window) restoreRoom(p fyne.Preferences) {
	r, presenting := loadRoom(p)
	if g, err := ui.bar.group(); r == nil || err != nil || g != r.Group {
		return
	}
	if presenting {
		// This window presented it and was closed: the room starts a new
		// run, announced from here.
		r.Origin, r.Version = netip.Addr{}, 0
	}
	ui.remembered, ui.rememberedPresenting = r, presenting
	ui.status.SetText(lang.L("Last in the room {{.Room}}: Join to go back", map[string]any{"Room": r.Name}))
}

// createRoomForm is the rooms window's "Create a room" part.
func (ui *window) createRoomForm(rw *roomsWindow) fyne.CanvasObject {
	name := widget.NewEntry()
	name.SetPlaceHolder(lang.L("Room name, e.g. Physics 101"))
	present := widget.NewCheck(lang.L("I present (announcements signed with my key, receipts)"), nil)
	readonly := widget.NewCheck(lang.L("Read-only: only the presenter may post"), nil)
	create := widget.NewButtonWithIcon(lang.L("Create and join"), theme.ContentAddIcon(), func() {
		if wire.ValidNick(strings.TrimSpace(name.Text)) != nil {
			rw.status.SetText(lang.L("Give the room a name."))
			return
		}
		// A group of its own, not the main window's (where another room, or
		// people chatting, may already be).
		g := rooms.FreeGroup(strings.TrimSpace(name.Text), rw.rooms)
		if readonly.Checked && !present.Checked {
			rw.status.SetText(lang.L("A read-only room needs its presenter: tick “I present”."))
			return
		}
		rw.w.Close()
		ui.joinRoom(netconf.Room{Name: strings.TrimSpace(name.Text), Group: g, TTL: ui.bar.ttl,
			ReadOnly: readonly.Checked, Locked: ui.bar.key.Text != ""}, present.Checked)
	})
	form := container.NewVBox(widget.NewSeparator(), widget.NewLabelWithStyle(lang.L("Create a room"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		name, present, readonly, create)
	return form
}

// describeRoom is rooms.Describe in the window's language: "Physics 101
// — 239.255.20.1:2020 (read-only, presenter Ms Lee, another network),
// key …". A room announced on another network, which a bridge passes on,
// says so.
func describeRoom(r netconf.Room) string {
	var tags []string
	if r.ReadOnly {
		tags = append(tags, lang.L("read-only"))
	}
	if r.Locked {
		tags = append(tags, lang.L("locked"))
	}
	if r.Presenter != "" {
		tags = append(tags, lang.L("presenter {{.Nick}}", map[string]any{"Nick": r.Presenter}))
	}
	if r.Remote {
		tags = append(tags, lang.L("another network"))
	}
	s := r.Name + " — " + r.Group.String()
	if len(tags) > 0 {
		s = lang.L("{{.Room}} ({{.Tags}})", map[string]any{"Room": s, "Tags": strings.Join(tags, lang.L(", "))})
	}
	if len(r.PresenterKey) == ed25519.PublicKeySize {
		return lang.L("{{.Room}}, key {{.Key}}", map[string]any{"Room": s, "Key": rooms.Fingerprint(r.PresenterKey)})
	}
	return lang.L("{{.Room}}, from {{.Host}}", map[string]any{"Room": s, "Host": r.Origin.String()})
}

// roomsHeard heads the list of rooms heard: "3 rooms on this network — …".
func roomsHeard(n int) string {
	return lang.L("{{if eq .N 1}}1 room{{else}}{{.N}} rooms{{end}} on this network — pick one to join:", map[string]any{"N": n})
}
