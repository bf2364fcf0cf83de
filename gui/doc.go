// Package gui is Groupcast's window: a connection bar (group, port, name,
// interface, advanced settings, Join/Leave), the message log, a composer
// and a status line.
//
// It is bound to the netconf engine through channels only. Widget
// callbacks queue commands, which one goroutine hands to the engine in
// order; one goroutine reads the engine's events and applies them to the
// widgets in batches inside fyne.Do, so a burst of messages costs one
// refresh per frame, not one per message.
package gui
