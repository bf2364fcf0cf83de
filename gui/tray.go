package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"

	"github.com/groupcast/groupcast/assets"
	"github.com/groupcast/groupcast/gui/internal/chatlog"
)

// useTray puts Groupcast in the system tray, where the platform has one:
// closing the window then hides it, and the tray's menu shows it again or
// quits. Announcements still notify while it is hidden. Where no tray is
// shown (GNOME without its AppIndicator extension, no D-Bus session),
// closing quits as it would without -tray, and the log says so: a window
// hidden with no tray to bring it back would be lost for good.
func (ui *window) useTray() {
	if ui.opts.hasTray == nil || !ui.opts.hasTray() {
		ui.system(chatlog.System, lang.L("There is no system tray on this desktop, so closing the window quits Groupcast."))
		return
	}
	ui.inTray = true
	if desk, ok := ui.app.(desktop.App); ok {
		ui.trayShow = fyne.NewMenuItem(lang.L("Show Groupcast"), func() { ui.w.Show(); ui.w.RequestFocus() })
		ui.trayMenu = fyne.NewMenu("Groupcast", ui.trayShow, fyne.NewMenuItem(lang.L("Leave and quit"), ui.quit))
		desk.SetSystemTrayMenu(ui.trayMenu)
		desk.SetSystemTrayIcon(fyne.NewStaticResource("icon.png", assets.IconPNG()))
	}
	ui.setTrayTip(ui.w.Title())
	ui.w.SetCloseIntercept(func() { ui.w.Hide(); ui.focused = false })
}

// quit leaves and ends the app, whatever the tray does with closing.
func (ui *window) quit() {
	ui.w.SetCloseIntercept(nil)
	ui.w.Close()
}

// setTrayTip shows text (the window's title: where we are, or the room
// waited for) as the tray icon's tooltip, for a window hidden there.
func (ui *window) setTrayTip(text string) {
	if !ui.inTray || ui.opts.trayTip == nil || text == ui.trayTip {
		return
	}
	ui.trayTip = text
	ui.opts.trayTip(text)
}
