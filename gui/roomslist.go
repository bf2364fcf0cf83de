package gui

import (
	"context"
	"sync"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/rooms"
)

// listRooms keeps rw's list current with what discovery hears until ctx
// ends (the window closes). Discovery solicits the rooms as it starts, so
// those presented are listed at once; the list is redrawn at most every
// AnswerGap.
func (ui *window) listRooms(ctx context.Context, rw *roomsWindow) {
	iface := ui.bar.interfaceName()
	discover := ui.discoverer()
	var mu sync.Mutex
	known, changed := rooms.NewKnown(), true
	go func() {
		t := time.NewTicker(rooms.AnswerGap)
		defer t.Stop()
		for waited := time.Duration(0); ctx.Err() == nil; waited += rooms.AnswerGap {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			mu.Lock()
			show := changed && (waited >= rooms.AnswerWindow || len(known.List()) > 0)
			list, claimed := known.List(), claimedTwice(known, known.List())
			changed = changed && !show
			mu.Unlock()
			if show {
				ui.opts.do(func() { rw.show(list, claimed) })
			}
		}
	}()
	for ctx.Err() == nil {
		err := discover(ctx, iface, time.Hour, func(r netconf.Room, deleted bool) {
			mu.Lock()
			defer mu.Unlock()
			changed = known.Apply(r, deleted) || changed
		})
		if err != nil {
			select { // no network (yet): listen again in a moment
			case <-ctx.Done():
			case <-time.After(rooms.RetryGap):
			}
		}
	}
}

// show lists the rooms heard, with a warning when two claim one name.
func (rw *roomsWindow) show(list []netconf.Room, claimed string) {
	rw.rooms = list
	rw.list.Refresh()
	switch {
	case claimed != "":
		rw.status.SetText(lang.L("Warning: more than one room is announced as “{{.Room}}” — one may be an impostor. Ask its presenter which key is theirs.", map[string]any{"Room": claimed}))
	case len(list) == 0:
		rw.status.SetText(lang.L("No rooms announced yet (still listening)…"))
	default:
		rw.status.SetText(roomsHeard(len(list)))
	}
}

// claimedTwice is the first name in list that more than one room is
// announced as ("" if none).
func claimedTwice(known *rooms.Known, list []netconf.Room) string {
	for _, r := range list {
		if known.Claimed(r.Name) {
			return r.Name
		}
	}
	return ""
}
