// Package gui is Groupcast's window. Widget callbacks send commands to the
// netconf engine; one goroutine reads the engine's events and applies them
// to the widgets inside fyne.Do.
package gui

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/groupcast/groupcast/assets"
	_ "github.com/groupcast/groupcast/gui/internal/localefix" // before Fyne reads the locale
	"github.com/groupcast/groupcast/netconf"
)

// AppID identifies the application to Fyne (preferences, notifications).
const AppID = "io.github.groupcast"

// Run opens the window and returns the exit status when it closes.
func Run(cfg netconf.Config, autoJoin bool) int {
	a := app.NewWithID(AppID)
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.IconPNG()))
	w := a.NewWindow("Groupcast")
	ui := newWindow(w, netconf.New(), cfg)
	w.SetContent(ui.content())
	w.Resize(fyne.NewSize(720, 520))
	w.SetOnClosed(ui.close)
	if autoJoin {
		ui.join()
	}
	w.ShowAndRun()
	return 0
}

// window holds the widgets so tests can drive them.
type window struct {
	w      fyne.Window
	engine *netconf.Engine
	cfg    netconf.Config

	group, name *widget.Entry
	joinBtn     *widget.Button
	status      *widget.Label
	log         *widget.List
	lines       []string
	message     *widget.Entry
	sendBtn     *widget.Button
	joined      bool
	done        chan struct{}
}

func newWindow(w fyne.Window, e *netconf.Engine, cfg netconf.Config) *window {
	ui := &window{w: w, engine: e, cfg: cfg, done: make(chan struct{})}
	ui.group = widget.NewEntry()
	ui.group.SetText(cfg.Group.String())
	ui.name = widget.NewEntry()
	ui.name.SetText(cfg.Nick)
	ui.joinBtn = widget.NewButton("Join", ui.toggle)
	ui.status = widget.NewLabel("Not joined")
	ui.log = widget.NewList(
		func() int { return len(ui.lines) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(ui.lines[i]) },
	)
	ui.message = widget.NewEntry()
	ui.message.SetPlaceHolder("Join a group to send messages")
	ui.message.OnSubmitted = func(string) { ui.send() }
	ui.sendBtn = widget.NewButton("Send", ui.send)
	ui.setJoined(false)
	go ui.pump()
	return ui
}

func (ui *window) content() fyne.CanvasObject {
	bar := container.NewBorder(nil, nil, widget.NewLabel("Group"),
		container.NewHBox(widget.NewLabel("Name"), container.NewGridWrap(fyne.NewSize(140, 36), ui.name), ui.joinBtn),
		ui.group)
	composer := container.NewBorder(nil, nil, nil, ui.sendBtn, ui.message)
	return container.NewBorder(bar, container.NewVBox(composer, ui.status), nil, nil, ui.log)
}

func (ui *window) toggle() {
	if ui.joined {
		ui.engine.Do(netconf.Leave{})
		return
	}
	ui.join()
}

func (ui *window) join() {
	g, err := netconf.ParseGroup(ui.group.Text)
	if err != nil {
		ui.status.SetText(netconf.Explain(err))
		return
	}
	cfg := ui.cfg
	cfg.Group, cfg.Nick = g, strings.TrimSpace(ui.name.Text)
	ui.status.SetText("Joining " + g.String() + "…")
	ui.joinBtn.Disable()
	go ui.engine.Do(netconf.Join{Config: cfg})
}

func (ui *window) send() {
	text := strings.TrimSpace(ui.message.Text)
	if !ui.joined || text == "" {
		return
	}
	ui.message.SetText("")
	go ui.engine.Do(netconf.Send{Text: text})
}

func (ui *window) setJoined(on bool) {
	ui.joined = on
	ui.joinBtn.Enable()
	if on {
		ui.joinBtn.SetText("Leave")
		ui.message.Enable()
		ui.sendBtn.Enable()
		ui.w.Canvas().Focus(ui.message)
		return
	}
	ui.joinBtn.SetText("Join")
	ui.message.Disable()
	ui.sendBtn.Disable()
}

func (ui *window) addLine(s string) {
	ui.lines = append(ui.lines, s)
	ui.log.Refresh()
	ui.log.ScrollToBottom()
}

// pump is the one goroutine that reads engine events.
func (ui *window) pump() {
	defer close(ui.done)
	for ev := range ui.engine.Events() {
		fyne.Do(func() { ui.apply(ev) })
	}
}

func (ui *window) apply(ev netconf.Event) {
	now := time.Now().Format("15:04:05")
	switch ev := ev.(type) {
	case netconf.Joined:
		ui.setJoined(true)
		ui.status.SetText(fmt.Sprintf("Joined %s on %s, TTL %d", ev.Group, ev.Interface.Label(), ev.TTL))
		ui.w.SetTitle(fmt.Sprintf("Groupcast — %s @ %s", ev.Nick, ev.Group))
		ui.addLine(fmt.Sprintf("%s  — joined %s as %s", now, ev.Group, ev.Nick))
		for _, w := range ev.Warnings {
			ui.addLine("⚠ " + w)
		}
	case netconf.Message:
		ui.addLine(fmt.Sprintf("%s  %s: %s", ev.Sent.Local().Format("15:04:05"), ev.From, ev.Text))
	case netconf.Sent:
		ui.addLine(fmt.Sprintf("%s  %s (you): %s", ev.Time.Local().Format("15:04:05"), ev.Nick, ev.Text))
	case netconf.Left:
		ui.setJoined(false)
		ui.w.SetTitle("Groupcast")
		ui.status.SetText("Not joined")
		if ev.Err != nil {
			ui.status.SetText(netconf.Explain(ev.Err))
		}
		ui.addLine(fmt.Sprintf("%s  — left %s", now, ev.Group))
	case netconf.Error:
		ui.status.SetText(netconf.Explain(ev.Err))
		if ev.Op == "join" {
			ui.setJoined(false)
		}
	case netconf.Overflow:
		ui.addLine(fmt.Sprintf("%s  — %d messages were dropped: the window could not keep up", now, ev.Dropped))
	}
}

// close leaves the group and stops the engine when the window closes.
func (ui *window) close() {
	_ = ui.engine.Close()
	<-ui.done
}
