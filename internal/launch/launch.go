// Package launch is what the command line hands the window as it opens
// it: the cli package fills it, the gui package reads it, and neither
// imports the other.
package launch

import (
	"time"

	"github.com/groupcast/groupcast/netconf"
)

// Window is what the command line (and the settings file) ask of the
// window.
type Window struct {
	Config   netconf.Config
	AutoJoin bool // join Config at once (-join, -room)
	Tray     bool // closing the window hides it to the system tray (lab PCs)
	// Student: a PC put in a room as a student (-room without -present)
	// or said to be one (role = student): it is offered no "create a
	// room / I present".
	Student bool
	// RoomWait: with a room to find by name, how long to wait for it (0:
	// as long as the window runs).
	RoomWait time.Duration
	// Given names the settings the command line or the settings file
	// gave (by flag name: "name", "iface", "ttl", ...): the window's
	// saved settings fill only the others.
	Given map[string]bool
}
