package gui

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"github.com/groupcast/groupcast/netconf/doctor"
	"github.com/groupcast/groupcast/netconf/rooms"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/groupcast/groupcast/assets"
	_ "github.com/groupcast/groupcast/gui/internal/fynecache" // before Fyne reads FYNE_CACHE
	_ "github.com/groupcast/groupcast/gui/internal/localefix" // before Fyne reads the locale
	"github.com/groupcast/groupcast/internal/version"
	"github.com/groupcast/groupcast/netconf"
)

// AppID identifies the application to Fyne (preferences, notifications).
const AppID = "io.github.groupcast"

// Run opens the window and returns the exit status when it closes. With
// autoJoin it joins cfg at once; otherwise the fields start from what the
// user last used. When ctx ends (SIGINT, SIGTERM) the window closes and
// leaves the group, as if the user had closed it.
func Run(ctx context.Context, cfg netconf.Config, autoJoin, tray bool) int {
	if os.Getenv("GOGC") == "" {
		// The window keeps up to 100 000 messages (about 45 MB live with
		// the fonts), and by default Go lets the heap grow to twice what
		// is live before collecting. Collecting at 1.3 times keeps the
		// window of a 100 000-line stream at 131-137 MB of private memory
		// instead of 175 (scripts/gui-load.sh), for a few percent of one
		// core spent collecting while messages pour in.
		debug.SetGCPercent(30)
	}
	tuneMalloc()
	a := app.NewWithID(AppID)
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.IconPNG()))
	w := a.NewWindow("Groupcast")
	if !autoJoin {
		cfg = loadSettings(a.Preferences(), cfg)
	}
	ui := newWindow(a, w, netconf.New(), SystemInterfaces, cfg, runtimeOptions())
	w.Resize(fyne.NewSize(800, 560))
	if autoJoin {
		ui.autoJoin(ctx, cfg)
	}
	if tray {
		ui.useTray()
	}
	stop := context.AfterFunc(ctx, func() { fyne.Do(ui.quit) })
	defer stop()
	w.ShowAndRun()
	return 0
}

// options are what tests replace: how work reaches the UI goroutine, the
// status refresh period (0: none) and the clock.
type options struct {
	do   func(func())
	tick time.Duration
	// redraw is the least time between two applications of queued
	// events (0: none).
	redraw       time.Duration
	now          func() time.Time
	diagnose     Diagnose
	discover     Discover
	presenterKey func() (ed25519.PrivateKey, error)
	// announce starts announcing a room we created; nil: rooms are not
	// announced (tests).
	announce func(netconf.Room, netconf.Choice, ed25519.PrivateKey) (io.Closer, error)
}

func runtimeOptions() options {
	return options{do: fyne.Do, tick: 500 * time.Millisecond, redraw: redrawInterval, now: time.Now, diagnose: doctor.Diagnose,
		discover: rooms.Discover, presenterKey: presenterKey,
		announce: func(r netconf.Room, c netconf.Choice, k ed25519.PrivateKey) (io.Closer, error) {
			return rooms.Announce(r, c, k)
		}}
}

type state int

const (
	stateIdle state = iota
	stateJoining
	stateJoined
	stateLeaving
)

// window is the main window; widgets are fields so tests can drive them.
type window struct {
	app    fyne.App
	w      fyne.Window
	engine Engine
	cmds   *commandQueue

	bar     *connBar
	model   *logModel
	view    *logView
	roster  *rosterView
	message *composer
	send    *widget.Button
	status  *widget.Label

	state    state
	current  netconf.Joined
	joining  netconf.Config // what was asked of the engine at the last Join
	focused  bool
	lastNote time.Time

	mu        sync.Mutex
	pending   []netconf.Event
	scheduled bool
	lastDrain time.Time // when queued events were last applied
	pumpDone  chan struct{}
	stopTick  chan struct{}
	closeOnce sync.Once
	opts      options

	// Rooms.
	room        *netconf.Room
	presenting  bool
	creating    bool
	key         ed25519.PrivateKey
	announcer   io.Closer
	lastReceipt netconf.Receipt
	banner      *widget.Label
	bannerBox   *fyne.Container
	receipt     *widget.Label
	missingBtn  *widget.Button
	receiptBox  *fyne.Container
}

func newWindow(a fyne.App, w fyne.Window, e Engine, ifaces Interfaces, cfg netconf.Config, opts options) *window {
	ui := &window{
		app: a, w: w, engine: e, cmds: newCommandQueue(e), focused: true, opts: opts,
		model: newLogModel(MaxLogEntries), pumpDone: make(chan struct{}), stopTick: make(chan struct{}),
	}
	ui.bar = newConnBar(cfg, ifaces, ui.toggle)
	ui.bar.onDiagnose = ui.showDiagnostics
	ui.bar.onRooms = ui.showRooms
	ui.view = newLogView(ui.model)
	ui.roster = newRosterView(opts.now)
	ui.message = newComposer(ui.sendMessage)
	ui.send = widget.NewButtonWithIcon("Send", theme.MailSendIcon(), ui.sendMessage)
	ui.status = widget.NewLabel("Not joined")
	ui.status.SizeName = theme.SizeNameCaptionText
	ui.status.Truncation = fyne.TextTruncateEllipsis

	composerRow := container.NewBorder(nil, nil, nil, ui.send, ui.message)
	ui.banner = widget.NewLabel("")
	ui.banner.Wrapping = fyne.TextWrapWord
	ui.banner.TextStyle = fyne.TextStyle{Bold: true}
	ui.banner.Importance = widget.HighImportance
	ui.bannerBox = container.NewStack(canvas.NewRectangle(ownBackground()), container.NewPadded(ui.banner))
	ui.bannerBox.Hide()
	ui.receipt = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	ui.missingBtn = widget.NewButtonWithIcon("Who has not received it?", theme.AccountIcon(), ui.showMissing)
	ui.receiptBox = container.NewBorder(nil, nil, nil, ui.missingBtn, ui.receipt)
	ui.receiptBox.Hide()
	top := container.NewVBox(ui.bar.content(w), widget.NewSeparator(), ui.bannerBox)
	bottom := container.NewVBox(widget.NewSeparator(), ui.receiptBox, composerRow, ui.status)
	split := container.NewHSplit(ui.view.stack, ui.roster.box)
	split.SetOffset(0.74)
	w.SetContent(container.NewBorder(top, bottom, nil, nil, split))
	w.SetMainMenu(fyne.NewMainMenu(
		fyne.NewMenu("Groupcast",
			fyne.NewMenuItem("Rooms on this network…", ui.showRooms),
			fyne.NewMenuItem("Diagnostics…", ui.showDiagnostics),
		),
		fyne.NewMenu("Help", fyne.NewMenuItem("About Groupcast", ui.showAbout)),
	))
	w.SetOnClosed(ui.shutdown)
	a.Lifecycle().SetOnEnteredForeground(func() { ui.focused = true })
	a.Lifecycle().SetOnExitedForeground(func() { ui.focused = false })

	ui.setState(stateIdle)
	ui.system(kindSystem, "Welcome to Groupcast. Choose a group and press Join; everyone who joins the same group and port talks together.")
	ui.view.appended(1, true, false)
	go ui.pump()
	if opts.tick > 0 {
		go ui.tick()
	}
	return ui
}

// showAbout names the app, its version and what it is.
func (ui *window) showAbout() {
	icon := canvas.NewImageFromResource(fyne.NewStaticResource("icon.png", assets.IconPNG()))
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSize(96, 96))
	dialog.ShowCustom("About Groupcast", "Close", container.NewVBox(
		container.NewCenter(icon),
		widget.NewLabelWithStyle("Groupcast "+version.Version, fyne.TextAlignCenter, fyne.TextStyle{Bold: true}),
		widget.NewLabelWithStyle("Group text conferencing over IP multicast on a local network.", fyne.TextAlignCenter, fyne.TextStyle{}),
		widget.NewLabelWithStyle(AppID, fyne.TextAlignCenter, fyne.TextStyle{Italic: true}),
	), ui.w)
}

// autoJoin joins what the command line asked for: a group, a room to
// create (its group given), or a room to find by name.
func (ui *window) autoJoin(ctx context.Context, cfg netconf.Config) {
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
	ui.setState(stateJoining)
	ui.status.SetText(fmt.Sprintf("Looking for the room %q…", r.Name))
	go func() {
		found, err := rooms.Find(ctx, cfg.Interface, r.Name, 6*time.Second)
		ui.opts.do(func() {
			ui.setState(stateIdle)
			if err != nil {
				ui.bar.setHint(netconf.Explain(err), widget.DangerImportance)
				ui.status.SetText("Not joined")
				return
			}
			ui.joinRoom(found, cfg.Presenter != nil)
		})
	}()
}

// toggle is the Join/Leave button.
func (ui *window) toggle() {
	switch ui.state {
	case stateIdle:
		ui.join()
	case stateJoined:
		ui.setState(stateLeaving)
		ui.push(netconf.Leave{Linger: true}) // our last messages can still be repaired
	}
}

func (ui *window) join() {
	if ui.state != stateIdle || !ui.bar.validate() {
		return
	}
	g, _ := ui.bar.group()
	cfg := netconf.Config{
		Group: g, Interface: ui.bar.interfaceName(), TTL: ui.bar.ttl, Loopback: ui.bar.loopback,
		Nick: strings.TrimSpace(ui.bar.nick.Text), Passphrase: ui.bar.key.Text,
		Plain: ui.bar.plain, Encoding: ui.bar.encoding, Room: ui.room,
	}
	if ui.presenting {
		cfg.Presenter = ui.key
	}
	saveSettings(ui.app.Preferences(), cfg)
	ui.setState(stateJoining)
	ui.joining = cfg
	ui.push(netconf.Join{Config: cfg})
}

func (ui *window) sendMessage() {
	if ui.state != stateJoined {
		return
	}
	text := strings.TrimRight(ui.message.Text, " \t\r\n")
	if strings.TrimSpace(text) == "" {
		return
	}
	if err := netconf.CheckText(ui.joining, text); err != nil {
		msg := netconf.Explain(err)
		ui.bar.setHint(strings.ToUpper(msg[:1])+msg[1:]+". Shorten it or split it.", widget.DangerImportance)
		return
	}
	if ui.push(netconf.Send{Text: text}) {
		ui.message.SetText("")
	}
}

// push queues a command for the engine.
func (ui *window) push(c netconf.Command) bool {
	if ui.cmds.push(c) {
		return true
	}
	ui.bar.setHint("The network engine is not responding; try again in a moment.", widget.DangerImportance)
	return false
}

// setState makes every widget reflect the membership's real state.
func (ui *window) setState(s state) {
	ui.state = s
	b := ui.bar
	switch s {
	case stateIdle:
		b.join.SetText("Join")
		b.join.SetIcon(theme.LoginIcon())
		b.setEditable(true)
		b.validate()
		ui.w.SetTitle("Groupcast")
		ui.message.SetPlaceHolder("Join a group to send messages")
		ui.message.Disable()
		ui.send.Disable()
	case stateJoining:
		b.join.SetText("Joining…")
		b.join.Disable()
		b.setEditable(false)
		ui.w.SetTitle("Groupcast — joining…")
		ui.status.SetText("Joining…")
	case stateJoined:
		b.join.SetText("Leave")
		b.join.SetIcon(theme.LogoutIcon())
		b.join.Enable()
		b.setEditable(false)
		j := ui.current
		title := fmt.Sprintf("Groupcast — %s @ %s", j.Nick, j.Group)
		if ui.room != nil {
			title = fmt.Sprintf("Groupcast — %s in %s", j.Nick, ui.room.Name)
			if ui.presenting {
				title += " (presenting)"
			}
		}
		if j.Keyed {
			title += " (private)"
		}
		if j.Plain {
			title += " (plain text)"
		}
		ui.w.SetTitle(title)
		ui.message.SetPlaceHolder(fmt.Sprintf("Message %s — Enter to send, Shift+Enter for a new line", j.Group))
		ui.message.Enable()
		ui.send.Enable()
		if r := ui.room; r != nil && r.ReadOnly && !ui.presenting {
			who := "its presenter"
			if r.Presenter != "" {
				who = r.Presenter
			}
			ui.message.SetPlaceHolder(fmt.Sprintf("%s is read-only: only %s may post", r.Name, who))
			ui.message.Disable()
			ui.send.Disable()
			break
		}
		if ui.presenting {
			ui.message.SetPlaceHolder(fmt.Sprintf("Announce to %s — Enter to send; everyone sees it pinned", ui.room.Name))
		}
		ui.w.Canvas().Focus(ui.message)
	case stateLeaving:
		b.join.SetText("Leaving…")
		b.join.Disable()
		ui.message.Disable()
		ui.send.Disable()
	}
}

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
func (ui *window) pump() {
	defer close(ui.pumpDone)
	for ev := range ui.engine.Events() {
		ui.mu.Lock()
		ui.pending = append(ui.pending, ev)
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

// drain applies the queued events on the UI goroutine.
func (ui *window) drain() {
	ui.mu.Lock()
	evs := ui.pending
	ui.pending = nil
	ui.scheduled = false
	ui.lastDrain = time.Now()
	ui.mu.Unlock()
	follow := ui.view.atBottom()
	before, trimmedBefore := ui.model.len(), ui.model.trimmed
	var notify *netconf.Message
	for _, ev := range evs {
		ui.apply(ev)
		if m, ok := ev.(netconf.Message); ok && (notify == nil || !notify.Announcement) {
			notify = &m
		}
	}
	added := ui.model.len() - before + (ui.model.trimmed - trimmedBefore)
	if added > 0 {
		ui.view.appended(added, follow, ui.model.trimmed != trimmedBefore)
	}
	if notify != nil {
		ui.notify(*notify)
	}
}

func (ui *window) apply(ev netconf.Event) {
	switch ev := ev.(type) {
	case netconf.Joined:
		ui.current = ev
		ui.setState(stateJoined)
		if ui.creating && ui.room != nil && ui.opts.announce != nil && ui.announcer == nil {
			a, err := ui.opts.announce(*ui.room, ev.Interface, ui.key)
			if err != nil {
				ui.system(kindError, "Could not announce the room: "+netconf.Explain(err))
			} else {
				ui.announcer = a
				ui.system(kindSystem, fmt.Sprintf("Announcing the room %q on this network.", ui.room.Name))
			}
		}
		private := ""
		if ev.Keyed {
			private = " Private group: only members with the passphrase can read or send."
		}
		if ev.Plain {
			private = fmt.Sprintf(" Sending plain %s text for simple multicast tools: no names, no repair of lost messages, no privacy.", ev.Encoding)
		}
		ui.system(kindSystem, fmt.Sprintf("Joined %s on %s as %s.%s", ev.Group, ev.Interface.Label(), ev.Nick, private))
		for _, w := range ev.Warnings {
			ui.system(kindWarning, w)
		}
		ui.bar.validate()
		ui.updateStatus()
		ui.refreshRoster()
	case netconf.Message:
		from := ev.From
		if ev.Plain {
			from = ev.Source.Addr().String() + " (plain)"
		}
		if ev.Announcement {
			from = "📢 " + from
			when := ""
			if ev.Earlier {
				when = " (earlier, " + ev.Sent.Local().Format("15:04") + ")"
				from += " (earlier)"
			}
			ui.banner.SetText(fmt.Sprintf("📢 %s%s: %s", ev.From, when, ev.Text))
			ui.bannerBox.Show()
		}
		ui.model.add(logEntry{at: ev.Received, kind: kindMessage, from: from, text: ev.Text, colour: senderColour(from)})
	case netconf.Sent:
		ui.model.add(logEntry{at: ev.Time, kind: kindOwn, from: ev.Nick, text: ev.Text})
	case netconf.Left:
		ui.endRoom()
		ui.setState(stateIdle)
		if ev.Err != nil {
			msg := "Disconnected from " + ev.Group.String() + ": " + netconf.Explain(ev.Err)
			ui.system(kindError, msg)
			ui.bar.setHint(msg, widget.DangerImportance)
		} else {
			ui.system(kindSystem, fmt.Sprintf("Left %s.", ev.Group))
		}
		ui.bar.refreshInterfaces(ui.bar.interfaceName())
		ui.status.SetText("Not joined")
		ui.refreshRoster()
	case netconf.Error:
		msg := netconf.Explain(ev.Err)
		if ev.Op == "join" {
			ui.setState(stateIdle)
			msg = "Could not join: " + strings.TrimPrefix(msg, "Could not ")
			ui.bar.refreshInterfaces(ui.bar.interfaceName())
			ui.status.SetText("Not joined")
		}
		ui.system(kindError, msg)
		ui.bar.setHint(msg, widget.DangerImportance)
	case netconf.PeerJoined:
		ui.system(kindSystem, fmt.Sprintf("%s (%s) joined.", ev.Peer.Nick, hostText(ev.Peer)))
		ui.refreshRoster()
	case netconf.PeerLeft:
		how := "left"
		switch {
		case ev.Timeout:
			how = "went silent and is taken to have left"
		case ev.Evicted:
			how = "never said anything and was dropped from the full member list"
		}
		ui.system(kindSystem, fmt.Sprintf("%s (%s) %s.", ev.Peer.Nick, hostText(ev.Peer), how))
		ui.refreshRoster()
	case netconf.Lost:
		ui.system(kindWarning, ev.Sentence()+".")
	case netconf.Unreadable:
		ui.system(kindWarning, ev.Sentence()+".")
	case netconf.InterfaceChanged:
		if ev.Up {
			ui.system(kindSystem, ev.Sentence()+".")
			ui.bar.setHint("", widget.MediumImportance)
		} else {
			ui.system(kindWarning, ev.Sentence()+".")
			ui.bar.setHint(ev.Sentence()+".", widget.WarningImportance)
		}
	case netconf.Receipt:
		if len(ui.current.Group.String()) > 0 && ev.Seq >= ui.lastReceipt.Seq {
			ui.lastReceipt = ev
			ui.receipt.SetText(fmt.Sprintf("Announcement %d: %d of %d received", ev.Seq, ev.Received, ev.Members))
			ui.receiptBox.Show()
		}
	}
}

func hostText(p netconf.Peer) string {
	if p.Host.IsValid() {
		return p.Host.String()
	}
	return "unknown host"
}

func (ui *window) refreshRoster() { ui.roster.set(ui.engine.Roster()) }

func (ui *window) system(k entryKind, text string) {
	ui.model.add(logEntry{at: ui.opts.now(), kind: k, text: text})
}

// notify shows a desktop notification for a message that arrived while
// the window was not focused, at most one every two seconds.
func (ui *window) notify(m netconf.Message) {
	now := ui.opts.now()
	if !m.Announcement && (ui.focused || now.Sub(ui.lastNote) < 2*time.Second) {
		return // announcements always notify: that is what a lab PC is for
	}
	ui.lastNote = now
	text := m.Text
	if r := []rune(text); len(r) > 140 {
		text = string(r[:140]) + "…"
	}
	title := m.From + " in Groupcast"
	if m.Announcement {
		title = "📢 Announcement from " + m.From
	}
	ui.app.SendNotification(fyne.NewNotification(title, text))
}

// tick refreshes the status line and the log's scroll state.
func (ui *window) tick() {
	t := time.NewTicker(ui.opts.tick)
	defer t.Stop()
	for {
		select {
		case <-ui.stopTick:
			return
		case <-t.C:
			ui.opts.do(func() {
				ui.updateStatus()
				ui.refreshRoster()
				ui.view.checkScroll()
			})
		}
	}
}

func (ui *window) updateStatus() {
	if ui.state != stateJoined {
		return
	}
	j, st := ui.current, ui.engine.Stats()
	private := ""
	if j.Keyed {
		private = " · private"
	}
	if j.Plain {
		private = " · plain " + j.Encoding
	}
	ui.status.SetText(fmt.Sprintf("%s%s · %s · TTL %d · in %d · out %d · repaired %d · rejected %d",
		j.Group, private, j.Interface.Label(), j.TTL, st.DatagramsIn, st.DatagramsOut, st.Recovered,
		st.Rejected+st.OtherGroup+st.Refused()))
}

// useTray puts Groupcast in the system tray, where the platform has one:
// closing the window then hides it, and the tray's menu shows it again or
// quits. Announcements still notify while it is hidden.
func (ui *window) useTray() {
	desk, ok := ui.app.(desktop.App)
	if !ok {
		return
	}
	desk.SetSystemTrayMenu(fyne.NewMenu("Groupcast",
		fyne.NewMenuItem("Show Groupcast", func() { ui.w.Show(); ui.w.RequestFocus() }),
		fyne.NewMenuItem("Leave and quit", ui.quit),
	))
	desk.SetSystemTrayIcon(fyne.NewStaticResource("icon.png", assets.IconPNG()))
	ui.w.SetCloseIntercept(func() { ui.w.Hide(); ui.focused = false })
}

// quit leaves and ends the app, whatever the tray does with closing.
func (ui *window) quit() {
	ui.w.SetCloseIntercept(nil)
	ui.w.Close()
}

// endRoom stops announcing and forgets the room.
func (ui *window) endRoom() {
	if ui.announcer != nil {
		_ = ui.announcer.Close() // announces the room's end
		ui.announcer = nil
	}
	ui.room, ui.presenting, ui.creating = nil, false, false
	ui.bannerBox.Hide()
	ui.receiptBox.Hide()
	ui.lastReceipt = netconf.Receipt{}
}

// shutdown leaves the group and stops every goroutine of the window.
func (ui *window) shutdown() {
	ui.closeOnce.Do(func() {
		if ui.announcer != nil {
			_ = ui.announcer.Close()
		}
		close(ui.stopTick)
		_ = ui.engine.Close() // leaves the group, closes Events
		ui.cmds.close()
		<-ui.pumpDone
	})
}
