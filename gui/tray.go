package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/groupcast/groupcast/assets"
)

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
