package gui

import (
	"fmt"
	"sort"
	"strings"

	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"

	"github.com/groupcast/groupcast/netconf"
)

// A room as the window shows it while joined: the announcement pinned on
// top, the presenter's receipts and who has not received, and the end of
// the room when its presenter leaves.

// presenterLeft ends the room for a member when its presenter (proven by
// its key, not by its name) left, rather than went silent: the banner
// goes and the composer says why it stays closed. It reports whether it
// did.
func (ui *window) presenterLeft(ev netconf.PeerLeft) bool {
	if !ev.Peer.Presenter || ev.Timeout || ev.Evicted || ui.room == nil || ui.presenting {
		return false
	}
	ui.roomEnded = true
	ui.bannerBox.Hide()
	ui.message.SetPlaceHolder(lang.L("{{.Room}} has ended: {{.Nick}}, its presenter, left", map[string]any{"Room": ui.room.Name, "Nick": ev.Peer.Nick}))
	ui.message.Disable()
	ui.send.Disable()
	ui.attach.Disable()
	return true
}

// presenterBack opens the room again when its presenter, who had left,
// speaks again (an announcement or a message).
func (ui *window) presenterBack() {
	if ui.roomEnded {
		ui.roomEnded = false
		ui.openComposer()
	}
}

// pin shows an announcement in the banner on top.
func (ui *window) pin(ev netconf.Message) {
	ui.presenterBack()
	when := ""
	if ev.Earlier || ev.CaughtUp {
		when = lang.L(" (earlier, {{.Time}})", map[string]any{"Time": ev.Sent.Local().Format("15:04")})
	}
	ui.banner.SetText(fmt.Sprintf("📢 %s%s: %s", ev.From, when, ev.Text))
	ui.bannerBox.Show()
}

// showReceipt shows the presenter how many have the latest announcement.
func (ui *window) showReceipt(ev netconf.Receipt) {
	if ev.Seq < ui.lastReceipt.Seq {
		return
	}
	ui.lastReceipt = ev
	ui.receipt.SetText(lang.L("Announcement {{.N}}: {{.Received}} of {{.Members}} PCs received", map[string]any{"N": announcementNumber(ev), "Received": ev.Received, "Members": ev.Members}) + peopleText(ev.Members, ev.People))
	ui.receiptBox.Show()
}

// endRoom stops announcing and forgets the room.
func (ui *window) endRoom() {
	if ui.announcer != nil {
		_ = ui.announcer.Close() // announces the room's end
		ui.announcer = nil
	}
	ui.room, ui.presenting, ui.creating, ui.roomEnded = nil, false, false, false
	ui.bannerBox.Hide()
	ui.receiptBox.Hide()
	ui.lastReceipt = netconf.Receipt{}
}

// showMissing lists which PCs have the latest announcement and which
// have not yet.
func (ui *window) showMissing() {
	title, text := receiptsText(ui.lastReceipt)
	dialog.ShowInformation(title, text, ui.w)
}

// receiptsText is the Receipts dialog's title and text: who has not yet,
// then who has, by name.
func receiptsText(r netconf.Receipt) (title, text string) {
	if len(r.Missing) == 0 {
		return lang.L("Receipts"), lang.L("Every PC ({{.Received}} of {{.Members}}) has received announcement {{.N}}.", map[string]any{"Received": r.Received, "Members": r.Members, "N": announcementNumber(r)}) +
			"\n\n" + namesText(r.Have, r.Received)
	}
	missing := r.Members - r.Received
	text = lang.L("Not yet ({{.N}}):", map[string]any{"N": missing}) + "\n" + namesText(r.Missing, missing)
	if r.Received > 0 {
		text += "\n\n" + lang.L("Received ({{.N}}):", map[string]any{"N": r.Received}) + "\n" + namesText(r.Have, r.Received)
	}
	return lang.L("Announcement {{.N}}: {{.Received}} of {{.Members}} PCs received", map[string]any{"N": announcementNumber(r), "Received": r.Received, "Members": r.Members}), text
}

// announcementNumber is what a receipt calls its announcement: its
// place among ours (our messages between have no receipts), or its seq
// when the engine did not number it.
func announcementNumber(r netconf.Receipt) int {
	if r.Number > 0 {
		return r.Number
	}
	return int(r.Seq)
}

// namesText lists peers "Nick (host)" a line each, sorted, and how many
// more of all there are (a receipt names only so many).
func namesText(peers []netconf.Peer, all int) string {
	var names []string
	for _, p := range peers {
		names = append(names, fmt.Sprintf("%s (%s)", p.Nick, hostText(p)))
	}
	sort.Strings(names)
	if more := all - len(names); more > 0 {
		names = append(names, lang.L("and {{.N}} more", map[string]any{"N": more}))
	}
	return strings.Join(names, "\n")
}

// peopleText is " (7 people)" when the PCs counted run more members than
// there are PCs, else nothing.
func peopleText(pcs, people int) string {
	if people <= pcs {
		return ""
	}
	return " " + lang.L("({{.N}} people)", map[string]any{"N": people})
}
