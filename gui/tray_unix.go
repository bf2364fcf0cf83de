//go:build linux || freebsd || openbsd || netbsd

package gui

import "github.com/godbus/dbus/v5"

// trayShown reports whether the desktop shows tray icons: on Linux and
// the BSDs, whether a StatusNotifierWatcher (KDE, GNOME's AppIndicator
// extension, most panels) holds its name on the session bus, which is
// where Fyne's tray icon registers.
func trayShown() bool {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return false
	}
	defer conn.Close()
	var has bool
	err = conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.kde.StatusNotifierWatcher").Store(&has)
	return err == nil && has
}
