package gui

import (
	"context"
	"time"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/groupcast/groupcast/gui/internal/chatlog"
	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/rooms"
)

// roomWait is the window waiting for its room, and then following it:
// a lab PC started before the teacher (rooms.Watch).
type roomWait struct {
	name, pin string
	cancel    context.CancelFunc
	said      bool          // the log said that we wait
	moveTo    *netconf.Room // the room moved: joined there once we have left
}

// waitForRoom waits for the room want names (want.KeyPin: only the one
// with that presenter key) as long as the window runs, or give (when
// not 0): the status line, the title and the tray say so, the Join
// button becomes Stop waiting, and the room is joined as soon as it is
// announced. It is then followed to another group if its presenter
// moves it.
func (ui *window) waitForRoom(ctx context.Context, iface string, want netconf.Room, give time.Duration) {
	ctx, cancel := context.WithCancel(ctx)
	wait := &roomWait{name: want.Name, pin: want.KeyPin, cancel: cancel}
	ui.waiting = wait
	ui.setState(stateWaiting)
	ui.status.SetText(lang.L("Looking for the room “{{.Room}}”…", map[string]any{"Room": want.Name}))
	w := rooms.Watch{Discover: ui.discoverer(), Iface: iface, Name: want.Name, Pin: want.KeyPin}
	if give > 0 {
		stop := time.AfterFunc(give, func() {
			ui.opts.do(func() { ui.gaveUp(wait, give) })
		})
		context.AfterFunc(ctx, func() { stop.Stop() })
	}
	go func() {
		err := w.Run(ctx, func(ev rooms.WatchEvent) {
			ui.opts.do(func() { ui.roomEvent(wait, ev) })
		})
		if err != nil {
			ui.opts.do(func() { ui.watchFailed(wait, err) })
		}
	}()
}

// roomEvent takes what the watch of wait reported, on the UI goroutine.
func (ui *window) roomEvent(wait *roomWait, ev rooms.WatchEvent) {
	if ui.waiting != wait {
		return // stopped meanwhile
	}
	switch ev.Kind {
	case rooms.Waiting:
		ui.status.SetText(ui.waitingText())
		if !wait.said {
			wait.said = true
			ui.system(chatlog.System, ui.waitingText())
		}
		if ev.Err != nil {
			ui.bar.setHint(explain(ev.Err), widget.WarningImportance)
		}
	case rooms.Ignored:
		ui.system(chatlog.Warning, lang.L("Ignored {{.Room}}: not the presenter key this PC was given (it may be an impostor).", map[string]any{"Room": describeRoom(ev.Room)}))
	case rooms.Found:
		if ui.state == stateWaiting {
			ui.state = stateIdle // joinRoom joins from idle
			ui.joinRoom(ev.Room, false)
		}
	case rooms.Moved:
		ui.follow(wait, ev.Room)
	}
}

// waitingText is "Waiting for Chemistry 9 (key UnBCjYoAXQE) to start…".
func (ui *window) waitingText() string {
	if ui.waiting.pin != "" {
		return lang.L("Waiting for {{.Room}} (key {{.Key}}) to start…", map[string]any{"Room": ui.waiting.name, "Key": ui.waiting.pin})
	}
	return lang.L("Waiting for {{.Room}} to start…", map[string]any{"Room": ui.waiting.name})
}

// follow leaves for the room's new group, joined once we have left
// (movedOn).
func (ui *window) follow(wait *roomWait, r netconf.Room) {
	if ui.room == nil || r.Group == ui.room.Group {
		return
	}
	ui.system(chatlog.System, lang.L("{{.Room}} moved to {{.Group}}: following it.", map[string]any{"Room": r.Name, "Group": r.Group}))
	wait.moveTo = &r
	if ui.state == stateJoined {
		ui.setState(stateLeaving)
		ui.push(netconf.Leave{})
	}
}

// leftRoom is what leaving ends with: the roster, and the room followed
// (movedOn).
func (ui *window) leftRoom() {
	ui.refreshRoster()
	ui.movedOn()
}

// movedOn joins the room's new group after leaving its old one; it
// reports whether it did. Leaving otherwise ends the waiting.
func (ui *window) movedOn() bool {
	wait := ui.waiting
	if wait == nil {
		return false
	}
	if wait.moveTo == nil {
		ui.stopWaiting()
		return false
	}
	r := *wait.moveTo
	wait.moveTo = nil
	ui.joinRoom(r, false)
	return true
}

// stopWaiting ends the wait and the following (Stop waiting, Leave).
func (ui *window) stopWaiting() {
	if ui.waiting == nil {
		return
	}
	ui.waiting.cancel()
	ui.waiting = nil
	if ui.state == stateWaiting {
		ui.setState(stateIdle)
		ui.status.SetText(lang.L("Not joined"))
	}
}

// gaveUp is the wait the command line allowed (-room-wait) over.
func (ui *window) gaveUp(wait *roomWait, give time.Duration) {
	if ui.waiting != wait || ui.state != stateWaiting {
		return
	}
	ui.stopWaiting()
	ui.bar.setHint(explain(explainFind(&rooms.NotFoundError{Name: wait.name, Wait: give, Pin: wait.pin})), widget.DangerImportance)
}

// watchFailed is the watch refusing the room (two rooms of its name).
func (ui *window) watchFailed(wait *roomWait, err error) {
	if ui.waiting != wait {
		return
	}
	ui.stopWaiting()
	ui.bar.setHint(explain(explainFind(err)), widget.DangerImportance)
}
