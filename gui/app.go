package gui

import (
	"context"
	"crypto/ed25519"
	"io"
	"os"
	"runtime/debug"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/systray"

	"github.com/groupcast/groupcast/assets"
	_ "github.com/groupcast/groupcast/gui/internal/fynecache" // before Fyne reads FYNE_CACHE
	_ "github.com/groupcast/groupcast/gui/internal/localefix" // before Fyne reads the locale
	"github.com/groupcast/groupcast/gui/internal/look"
	"github.com/groupcast/groupcast/internal/history"
	"github.com/groupcast/groupcast/internal/launch"
	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/doctor"
	"github.com/groupcast/groupcast/netconf/rooms"
)

// AppID identifies the application to Fyne (preferences, notifications).
const AppID = "io.github.groupcast"

// Run opens the window and returns the exit status when it closes. With
// start.AutoJoin it joins start.Config at once (a room by name: waiting
// for it); otherwise the fields start from the command line where it
// said something, and from what the user last used where it did not.
// When ctx ends (SIGINT, SIGTERM) the window closes and leaves the group,
// as if the user had closed it.
func Run(ctx context.Context, start launch.Window) int {
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
	a.Settings().SetTheme(look.Theme()) // every text colour readable (WCAG AA)
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.IconPNG()))
	w := a.NewWindow("Groupcast")
	cfg := startConfig(a.Preferences(), start)
	ui := newWindow(a, w, netconf.New(), SystemInterfaces, cfg, runtimeOptions())
	if !start.AutoJoin {
		ui.restoreRoom(a.Preferences())
	}
	ui.restoreSound(a.Preferences())
	w.Resize(fyne.NewSize(800, 560))
	ui.student = start.Student
	if start.AutoJoin {
		ui.autoJoin(ctx, cfg, start.RoomWait)
	}
	if start.Tray {
		ui.useTray()
	}
	// Fyne quits by itself on SIGINT and SIGTERM too; whichever comes
	// first, late work for the window is dropped (onUIGoroutine) and the
	// group is left below, once the loop has ended.
	stop := context.AfterFunc(ctx, func() { ui.opts.do(ui.quit) })
	defer stop()
	w.ShowAndRun()
	ui.shutdown()
	return 0
}

// startConfig is what the window starts with: to join at once, what the
// command line (and the settings file) say, as they say it (a room
// joined with a plain-text setting left from another day would lose its
// signatures); otherwise that, with what the user last used where they
// said nothing (loadSettings).
func startConfig(p fyne.Preferences, start launch.Window) netconf.Config {
	if start.AutoJoin {
		return start.Config
	}
	return loadSettings(p, start.Config, start.Given)
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
	// announce starts announcing a room we created, on the network of
	// iface or, with nats set, through that NATS server; nil: rooms are
	// not announced (tests).
	announce func(r netconf.Room, iface netconf.Choice, nats netconf.NATSOptions, key ed25519.PrivateKey) (io.Closer, error)
	// discoverThrough makes discover also hear the rooms published on a
	// NATS server (nil: discover alone, as in tests).
	discoverThrough func(netconf.NATSOptions) rooms.DiscoverFunc
	// chime makes the player of the sound for new messages (nil: none).
	chime func() (Player, error)
	// release gives memory the window no longer uses back to the
	// system, after a flood (nil: it does not).
	release func()
	// hasTray says whether the desktop shows a system tray (nil: it does
	// not: closing the window then quits, as it would without -tray).
	hasTray func() bool
	// historyDir is the folder of the history store (nil: no history,
	// as in tests that do not give one a folder of its own).
	historyDir func() (string, error)
	// closeKeep is how long closing the window waits for what the engine
	// received to be kept (keepWhatCame; 0: it does not wait, as in
	// tests whose fake engine never answers a Leave).
	closeKeep time.Duration
	// soon runs work the UI goroutine puts off until it has finished
	// what it is doing (nil: do, which is fyne.Do).
	soon func(func())
	// trayTip sets the tray icon's tooltip (nil: none, as in tests).
	trayTip func(string)
}

func runtimeOptions() options {
	return options{do: onUIGoroutine(fyne.Do), tick: 500 * time.Millisecond, redraw: redrawInterval, now: time.Now, diagnose: doctor.Diagnose,
		discover: rooms.Discover, presenterKey: presenterKey, hasTray: trayShown, release: debug.FreeOSMemory, chime: newChime,
		historyDir:      history.DefaultDir,
		trayTip:         systray.SetTooltip,
		closeKeep:       closeKeepWait,
		discoverThrough: rooms.DiscoverThrough,
		announce: func(r netconf.Room, c netconf.Choice, nats netconf.NATSOptions, k ed25519.PrivateKey) (io.Closer, error) {
			if nats.URL != "" {
				return rooms.AnnounceNATS(r, nats, k)
			}
			return rooms.Announce(r, c, k)
		}}
}

// closeKeepWait bounds how long closing the window waits for the
// messages already received to be kept (options.closeKeep).
const closeKeepWait = 5 * time.Second

// keepWhatCame leaves the group, when joined, and waits (at most
// opts.closeKeep; not at all when it is 0) until the pump has kept
// everything the engine received before leaving: closed in a flood, the
// window keeps in its history what had arrived but was not shown yet
// (Close alone drops the engine's queue; a CI run lost 12 593 of 100 000
// lines so).
func (ui *window) keepWhatCame() {
	if ui.opts.closeKeep <= 0 || !ui.member.Load() || !ui.cmds.push(netconf.Leave{}) {
		return
	}
	select {
	case <-ui.leftKept:
	case <-time.After(ui.opts.closeKeep):
	}
}

// shutdown leaves the group and stops every goroutine of the window.
func (ui *window) shutdown() {
	ui.closeOnce.Do(func() {
		if ui.waiting != nil {
			ui.waiting.cancel()
		}
		if ui.announcer != nil {
			_ = ui.announcer.Close()
		}
		close(ui.stopTick)
		ui.keepWhatCame()
		_ = ui.engine.Close() // leaves the group, closes Events
		ui.cmds.close()
		<-ui.pumpDone
		ui.closeHistory()
	})
}
