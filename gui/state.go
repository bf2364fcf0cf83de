package gui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/rooms"
)

type state int

const (
	stateIdle state = iota
	stateJoining
	stateJoined
	stateLeaving
	stateWaiting // for a room not announced yet (roomwait.go): Join is Stop waiting
)

// toggle is the Join/Leave button.
func (ui *window) toggle() {
	switch ui.state {
	case stateIdle:
		ui.join()
	case stateWaiting: // never another group: the user stops waiting, and may then join one
		name := ui.waiting.name
		ui.stopWaiting()
		ui.bar.setHint(lang.L("Stopped waiting for {{.Room}}.", map[string]any{"Room": name}), widget.MediumImportance)
	case stateJoined:
		ui.stopWaiting() // left on purpose: the room is not followed any more
		ui.setState(stateLeaving)
		ui.push(netconf.Leave{Linger: true}) // our last messages can still be repaired
	}
}

func (ui *window) join() {
	if ui.state != stateIdle || !ui.bar.validate() {
		return
	}
	g, _ := ui.bar.group()
	if r := ui.remembered; r != nil && ui.room == nil && r.Group == g {
		// The room this window was in when it last joined (restoreRoom).
		ui.remembered = nil
		ui.joinRoom(*r, ui.rememberedPresenting)
		return
	}
	cfg := netconf.Config{
		Group: g, Interface: ui.bar.interfaceName(), TTL: ui.bar.ttl, Loopback: ui.bar.loopback,
		Nick: strings.TrimSpace(ui.bar.nick.Text), Passphrase: ui.bar.key.Text,
		Plain: ui.bar.plain, Encoding: ui.bar.encoding, Room: ui.room, NATS: ui.bar.nats,
		BridgeKey: ui.bar.bridgeKey,
	}
	if ui.presenting {
		cfg.Presenter = ui.key
	}
	ui.historyFor(&cfg)
	saveSettings(ui.app.Preferences(), cfg)
	saveRoom(ui.app.Preferences(), cfg.Room, ui.presenting)
	ui.setState(stateJoining)
	ui.joining = cfg
	ui.push(netconf.Join{Config: cfg})
}

// sendMessage sends the composer's text: Enter and Send. A presenter's is
// signed as its message.
func (ui *window) sendMessage() { ui.sendText(false) }

// sendAnnouncement sends the composer's text as an announcement (pinned
// for everyone, receipts counted): Ctrl+Enter and 📢 Announce. Only a
// room's presenter announces; for anyone else it is Enter.
func (ui *window) sendAnnouncement() { ui.sendText(ui.presenting) }

func (ui *window) sendText(announce bool) {
	if ui.state != stateJoined {
		return
	}
	text := strings.TrimRight(ui.message.Text, " \t\r\n")
	if strings.TrimSpace(text) == "" {
		return
	}
	if err := netconf.CheckText(ui.joining, text); err != nil {
		ui.bar.setHint(lang.L("{{.Why}}. Shorten it or split it.", map[string]any{"Why": capitalise(explain(err))}), widget.DangerImportance)
		return
	}
	if ui.push(netconf.Send{Text: text, Announce: announce}) {
		ui.message.clear()
	}
}

// push queues a command for the engine.
func (ui *window) push(c netconf.Command) bool {
	if j, ok := c.(netconf.Join); ok && j.Config.SaveDir == "" {
		j.Config.SaveDir = ui.saveDir() // files offered to the group are saved
		c = j
	}
	if ui.cmds.push(c) {
		return true
	}
	ui.bar.setHint(lang.L("The network engine is not responding; try again in a moment."), widget.DangerImportance)
	return false
}

// setState makes every widget reflect the membership's real state.
func (ui *window) setState(s state) {
	ui.state = s
	b := ui.bar
	switch s {
	case stateIdle:
		b.join.SetText(lang.L("Join"))
		b.join.SetIcon(theme.LoginIcon())
		b.setEditable(true)
		b.validate()
		ui.setTitle()
		ui.message.SetPlaceHolder(lang.L("Join a group to send messages"))
		ui.message.Disable()
		ui.send.Disable()
		ui.announce.Disable()
		ui.attach.Disable()
	case stateJoining:
		b.join.SetText(lang.L("Joining…"))
		b.join.Disable()
		b.setEditable(false)
		ui.setTitle()
		ui.status.SetText(lang.L("Joining…"))
	case stateJoined:
		b.join.SetText(lang.L("Leave"))
		b.join.SetIcon(theme.LogoutIcon())
		b.join.Enable()
		b.setEditable(false)
		ui.setTitle()
		ui.openComposer()
	case stateWaiting:
		b.join.SetText(lang.L("Stop waiting"))
		b.join.SetIcon(theme.CancelIcon())
		b.join.Enable()
		b.setEditable(false)
		ui.setTitle()
		if ui.waiting != nil {
			ui.message.SetPlaceHolder(ui.waitingText())
		}
	case stateLeaving:
		b.join.SetText(lang.L("Leaving…"))
		b.join.Disable()
		ui.message.Disable()
		ui.send.Disable()
		ui.announce.Disable()
		ui.attach.Disable()
	}
}

// setTitle names the window for its state, led by the count of messages
// that arrived while it was not in front ("(3) Groupcast — …"), which the
// taskbar and the window switcher show.
func (ui *window) setTitle() {
	title := "Groupcast"
	switch ui.state {
	case stateJoining:
		title = lang.L("Groupcast — joining…")
	case stateJoined, stateLeaving:
		title = ui.joinedTitle()
	case stateWaiting:
		title = "Groupcast — " + ui.waitingText()
	}
	if ui.unread > 0 {
		title = fmt.Sprintf("(%d) %s", ui.unread, title)
	}
	ui.w.SetTitle(title)
	ui.setTrayTip(title)
	if ui.trayShow != nil { // the tray says it too, for a window hidden there
		label := lang.L("Show Groupcast")
		if ui.unread > 0 {
			label = lang.L("Show Groupcast ({{.N}} unread)", map[string]any{"N": ui.unread})
		}
		if ui.trayShow.Label != label {
			ui.trayShow.Label = label
			ui.trayMenu.Refresh()
		}
	}
}

// joinedTitle names who we are and where, with the room's marks.
func (ui *window) joinedTitle() string {
	j := ui.current
	title := fmt.Sprintf("Groupcast — %s @ %s", j.Nick, j.Group)
	if ui.room != nil {
		title = lang.L("Groupcast — {{.Nick}} in {{.Room}}", map[string]any{"Nick": j.Nick, "Room": ui.room.Name})
		if ui.presenting {
			// The key is what students compare when two rooms claim the name.
			title += lang.L(" (presenting, key {{.Key}})", map[string]any{"Key": rooms.Fingerprint(ui.room.PresenterKey)})
		}
	}
	if j.Keyed {
		title += lang.L(" (private)")
	}
	if j.Plain {
		title += lang.L(" (plain text)")
	}
	return title
}

// openComposer enables the message box once joined, unless the room is
// read-only and we are not its presenter; a presenter has 📢 Announce
// beside Send.
func (ui *window) openComposer() {
	if ui.presenting {
		ui.announce.Show()
		ui.announce.Enable()
	} else {
		ui.announce.Hide()
	}
	if r := ui.room; r != nil && r.ReadOnly && !ui.presenting {
		who := lang.L("its presenter")
		if r.Presenter != "" {
			who = r.Presenter
		}
		ui.message.SetPlaceHolder(lang.L("{{.Room}} is read-only: only {{.Who}} may post", map[string]any{"Room": r.Name, "Who": who}))
		ui.message.Disable()
		ui.send.Disable()
		ui.attach.Disable()
		return
	}
	ui.message.SetPlaceHolder(lang.L("Message {{.Group}} — Enter to send, Shift+Enter for a new line", map[string]any{"Group": ui.current.Group}))
	if ui.presenting {
		ui.message.SetPlaceHolder(lang.L("Message {{.Room}} as its presenter — Enter to send, Ctrl+Enter to announce (pinned for everyone)", map[string]any{"Room": ui.room.Name}))
	}
	ui.message.Enable()
	ui.send.Enable()
	ui.attach.Enable()
	ui.w.Canvas().Focus(ui.message)
}
