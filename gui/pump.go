package gui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/groupcast/groupcast/gui/internal/chatlog"
	"github.com/groupcast/groupcast/gui/internal/roster"
	"github.com/groupcast/groupcast/netconf"
)

// redrawInterval paces the log while messages stream in: a message that
// comes alone is shown at once, but queued events are applied at most 15
// times a second. Nobody reads faster than that, and every distinct line
// drawn costs a text texture that Fyne keeps for a minute: drawing every
// frame of a 100 000-line stream took the window's private memory past
// 150 MB (scripts/gui-load.sh).
const redrawInterval = time.Second / 15

// pump is the one goroutine that reads engine events. It batches them so
// the UI applies a burst in one go (one list refresh), and paces bursts
// (options.redraw).
//
// The events waiting are taken together (up to maxBatch) and, when
// history is kept, their rows committed in one go before the UI
// goroutine sees them: what the window shows is kept even if it is
// killed next.
func (ui *window) pump() {
	defer close(ui.pumpDone)
	events := ui.engine.Events()
	for ev := range events {
		evs := gather(events, []netconf.Event{ev})
		batch := ui.keeper.process(evs)
		ui.noteMembership(evs)
		if len(batch) == 0 {
			continue // what came had been shown already
		}
		ui.mu.Lock()
		ui.pending = append(ui.pending, batch...)
		ui.burst += len(batch)
		ui.lastEvent = time.Now()
		schedule := !ui.scheduled
		ui.scheduled = true
		wait := time.Until(ui.lastDrain.Add(ui.opts.redraw))
		ui.mu.Unlock()
		if !schedule {
			continue
		}
		if wait > 0 && ui.opts.redraw > 0 {
			time.AfterFunc(wait, func() { ui.opts.do(ui.drain) })
		} else {
			ui.opts.do(ui.drain)
		}
	}
}

// noteMembership follows the membership through evs, once they are kept:
// a Left tells shutdown that all that came before it is kept.
func (ui *window) noteMembership(evs []netconf.Event) {
	for _, ev := range evs {
		switch ev.(type) {
		case netconf.Joined:
			ui.member.Store(true)
		case netconf.Left:
			ui.member.Store(false)
			select {
			case ui.leftKept <- struct{}{}:
			default:
			}
		}
	}
}

// gather adds to batch the events already waiting, up to maxBatch.
func gather(events <-chan netconf.Event, batch []netconf.Event) []netconf.Event {
	for len(batch) < maxBatch {
		select {
		case ev, ok := <-events:
			if !ok {
				return batch
			}
			batch = append(batch, ev)
		default:
			return batch
		}
	}
	return batch
}

// drain applies the queued events on the UI goroutine.
func (ui *window) drain() {
	ui.mu.Lock()
	evs := ui.pending
	ui.pending = nil
	ui.scheduled = false
	ui.lastDrain = time.Now()
	ui.mu.Unlock()
	follow := ui.view.AtBottom()
	before, trimmedBefore := ui.model.Len(), ui.model.Trimmed()
	ui.cleared = false
	var notify *netconf.Message
	for _, ev := range evs {
		ui.apply(ev)
		if m, ok := messageOf(ev); ok && (notify == nil || !notify.Announcement) {
			notify = &m
		}
	}
	if err := ui.keeper.problem(); err != nil {
		ui.system(chatlog.Warning, lang.L("History could not be kept: {{.Why}}", map[string]any{"Why": err.Error()}))
	}
	added := ui.model.Len() - before + (ui.model.Trimmed() - trimmedBefore)
	switch {
	case ui.cleared: // another conversation: its history, at the bottom
		ui.view.Appended(ui.model.Len(), true, true)
	case added > 0:
		ui.view.Appended(added, follow, ui.model.Trimmed() != trimmedBefore)
	}
	if notify != nil {
		ui.notify(*notify)
	}
}

func (ui *window) apply(ev netconf.Event) {
	switch ev := ev.(type) {
	case netconf.Joined:
		ui.joined(ev)
	case joinedKept:
		ui.showConversation(ev)
		ui.joined(ev.Joined)
	case netconf.Message:
		ui.showMessage(ev, 0)
	case keptMessage:
		ui.showMessage(ev.Message, ev.id)
	case pinOnly:
		ui.pin(ev.Message)
	case netconf.Sent:
		ui.model.Add(chatlog.Entry{At: ev.Time, Kind: chatlog.Own, From: sentFrom(ev), Text: ev.Text})
	case keptSent:
		ui.model.Add(chatlog.Entry{At: ev.Time, Kind: chatlog.Own, From: sentFrom(ev.Sent), Text: ev.Text, ID: ev.id})
	case netconf.Left:
		ui.left(ev)
	case netconf.Error:
		ui.failed(ev)
	case netconf.PeerJoined:
		ui.system(chatlog.System, lang.L("{{.Nick}} ({{.Host}}) joined.", map[string]any{"Nick": ev.Peer.Nick, "Host": hostText(ev.Peer)}))
		ui.refreshRoster()
	case netconf.PeerLeft:
		who := map[string]any{"Nick": ev.Peer.Nick, "Host": hostText(ev.Peer)}
		line := lang.L("{{.Nick}} ({{.Host}}) left.", who)
		switch {
		case ev.Timeout:
			line = lang.L("{{.Nick}} ({{.Host}}) went silent and is taken to have left.", who)
		case ev.Evicted:
			line = lang.L("{{.Nick}} ({{.Host}}) never said anything and was dropped from the full member list.", who)
		}
		if ui.presenterLeft(ev) {
			line = lang.L("{{.Nick}} ({{.Host}}) left: the room has ended.", who)
		}
		ui.system(chatlog.System, line)
		ui.refreshRoster()
	case netconf.Lost:
		ui.system(chatlog.Warning, sayLine(ev.Words()))
	case netconf.Unreadable:
		ui.system(chatlog.Warning, unreadableLine(ev))
	case netconf.InterfaceChanged:
		ui.interfaceChanged(ev)
	case netconf.Receipt:
		ui.showReceipt(ev)
	case netconf.FileOffered, netconf.FileProgress, netconf.FileReceived, netconf.FileFailed, netconf.FileReceipt:
		ui.fileEvent(ev)
	}
}

// joined shows that the membership is in place.
func (ui *window) joined(ev netconf.Joined) {
	ui.current = ev
	ui.setState(stateJoined)
	ui.announceCreatedRoom(ev.Interface)
	private := ""
	if ev.Keyed {
		private = lang.L(" Private group: only members with the passphrase can read or send.")
	}
	if ev.Plain {
		private = lang.L(" Sending plain {{.Encoding}} text for simple multicast tools: no names, no repair of lost messages, no privacy.", map[string]any{"Encoding": ev.Encoding})
	}
	joined := lang.L("Joined {{.Group}} on {{.Iface}} as {{.Nick}}.", map[string]any{"Group": ev.Group, "Iface": ev.Interface.Label(), "Nick": ev.Nick})
	if ev.NATS != "" {
		joined = lang.L("Joined {{.Group}} through NATS at {{.URL}} as {{.Nick}}: members on other networks are in it too.", map[string]any{"Group": ev.Group, "URL": ev.NATS, "Nick": ev.Nick})
	}
	ui.system(chatlog.System, joined+private)
	for _, w := range ev.Warnings {
		ui.system(chatlog.Warning, w)
	}
	ui.bar.validate()
	ui.updateStatus()
	ui.refreshRoster()
}

// seen is the window coming to the front: what arrived meanwhile is read.
func (ui *window) seen() {
	ui.focused = true
	if ui.unread > 0 {
		ui.unread = 0
		ui.setTitle()
	}
}

// left shows that the membership ended, and why when it was not asked for.
func (ui *window) left(ev netconf.Left) {
	ui.endRoom()
	ui.setState(stateIdle)
	if ev.Err != nil {
		msg := lang.L("Disconnected from {{.Group}}: {{.Why}}", map[string]any{"Group": ev.Group.String(), "Why": explain(ev.Err)})
		ui.system(chatlog.Error, msg)
		ui.bar.setHint(msg, widget.DangerImportance)
	} else {
		ui.system(chatlog.System, lang.L("Left {{.Group}}.", map[string]any{"Group": ev.Group}))
	}
	ui.bar.refreshInterfaces(ui.bar.interfaceName())
	ui.status.SetText(lang.L("Not joined"))
	ui.leftRoom() // the roster; and the room followed, into its new group
}

// failed shows what went wrong, under the bar too.
func (ui *window) failed(ev netconf.Error) {
	msg := explain(ev.Err)
	if ev.Op == "join" {
		ui.setState(stateIdle)
		msg = lang.L("Could not join: {{.Why}}", map[string]any{"Why": msg})
		if w := netconf.ExplainWords(ev.Err); w.Data["Op"] != nil {
			// "Could not join (open port 3333): the port is already in use…"
			w.Data["Op"] = lang.L("join ({{.Op}})", map[string]any{"Op": w.Data["Op"]})
			msg = say(w)
		}
		ui.bar.refreshInterfaces(ui.bar.interfaceName())
		ui.status.SetText(lang.L("Not joined"))
	}
	ui.system(chatlog.Error, msg)
	ui.bar.setHint(msg, widget.DangerImportance)
}

// interfaceChanged says the interface went away, or is back.
func (ui *window) interfaceChanged(ev netconf.InterfaceChanged) {
	if ev.Up {
		ui.system(chatlog.System, sayLine(ev.Words()))
		ui.bar.setHint("", widget.MediumImportance)
		return
	}
	ui.system(chatlog.Warning, sayLine(ev.Words()))
	ui.bar.setHint(sayLine(ev.Words()), widget.WarningImportance)
}

// hostText names the computer a member is on, in the window's language
// (roster.HostName): its address; "10.0.2.7 on another network" for one
// a bridge passes on, "through NATS" for one joined through NATS. A
// datagram from 0.0.0.0 came over the loopback interface (its addresses
// have host scope, so the kernel gives its multicast no source): this
// computer.
func hostText(p netconf.Peer) string { return roster.HostName(p.Host) }

// unreadableLine is what the log says of datagrams the engine refused,
// with where they came from in the window's language.
func unreadableLine(u netconf.Unreadable) string {
	w := u.Words()
	if u.Host.IsValid() && w.Data != nil {
		host := roster.HostName(u.Host)
		if reach, _ := netconf.ReachOf(u.Host); reach == netconf.ReachNATS {
			host = lang.L("NATS (a member joined through it)")
		}
		w.Data["Host"] = host
	}
	return sayLine(w)
}

func (ui *window) refreshRoster() { ui.roster.Set(ui.engine.Roster()) }

func (ui *window) system(k chatlog.Kind, text string) {
	ui.model.Add(chatlog.Entry{At: ui.opts.now(), Kind: k, Text: text})
}

// tick refreshes the status line and the log's scroll state.
func (ui *window) tick() {
	t := time.NewTicker(ui.opts.tick)
	defer t.Stop()
	for {
		select {
		case <-ui.stopTick:
			return
		case now := <-t.C:
			if ui.floodEnded(now) {
				if s, _ := ui.keeper.state(); s != nil {
					s.Release() // the page caches of its connections
				}
				if ui.opts.release != nil {
					ui.opts.release()
				}
			}
			ui.opts.do(func() {
				ui.updateStatus()
				ui.refreshRoster()
				ui.view.CheckScroll()
			})
		}
	}
}

// A flood is this many events in a row without a quiet second.
const flood = 2000

// floodEnded reports, once per flood, that a flood of events has been
// quiet for a second: the time to give the memory it used back to the
// system (options.release). The log keeps what it shows; the rest is
// garbage the collector would return only slowly (6 MB of the window's
// resident memory a few seconds after a 100 000-line stream).
func (ui *window) floodEnded(now time.Time) bool {
	ui.mu.Lock()
	defer ui.mu.Unlock()
	if now.Sub(ui.lastEvent) < time.Second {
		return false
	}
	ended := ui.burst >= flood
	ui.burst = 0
	return ended
}

func (ui *window) updateStatus() {
	if ui.state != stateJoined {
		return
	}
	j, st := ui.current, ui.engine.Stats()
	private := ""
	if j.Keyed {
		private = lang.L(" · private")
	}
	if j.Plain {
		private = lang.L(" · plain {{.Encoding}}", map[string]any{"Encoding": j.Encoding})
	}
	counts := map[string]any{
		"TTL": j.TTL, "In": st.DatagramsIn, "Out": st.DatagramsOut, "Repaired": st.Recovered,
		"Rejected": st.Rejected + st.OtherGroup + st.Refused()}
	if j.NATS != "" { // no interface, no TTL: the group is reached through the server
		ui.status.SetText(fmt.Sprintf("%s%s · ", j.Group, private) + lang.L("through NATS at {{.URL}}", map[string]any{"URL": j.NATS}) + " · " +
			lang.L("in {{.In}} · out {{.Out}} · repaired {{.Repaired}} · rejected {{.Rejected}}", counts))
		return
	}
	ui.status.SetText(fmt.Sprintf("%s%s · %s · ", j.Group, private, j.Interface.Label()) +
		lang.L("TTL {{.TTL}} · in {{.In}} · out {{.Out}} · repaired {{.Repaired}} · rejected {{.Rejected}}", counts))
}
