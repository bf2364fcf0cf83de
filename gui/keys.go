package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
)

// closeOnEscape makes Escape close w (the Rooms and Diagnostics
// windows), as people expect of a secondary window.
func closeOnEscape(w fyne.Window) {
	w.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) {
		if k.Name == fyne.KeyEscape {
			w.Close()
		}
	})
}

// hideOnEscape makes Escape dismiss d, shown over w, as its Cancel would;
// w's own key handling comes back when d is gone.
func hideOnEscape(w fyne.Window, d dialog.Dialog) {
	c := w.Canvas()
	before := c.OnTypedKey()
	c.SetOnTypedKey(func(k *fyne.KeyEvent) {
		if k.Name == fyne.KeyEscape {
			d.Dismiss()
			return
		}
		if before != nil {
			before(k)
		}
	})
	d.SetOnClosed(func() { c.SetOnTypedKey(before) })
}
