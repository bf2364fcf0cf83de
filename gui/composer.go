package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// composer is the message box: Enter sends, Shift+Enter starts a new line
// (the reverse of a plain multi-line Entry, as in chat apps).
type composer struct {
	widget.Entry
	shift  bool
	onSend func()
}

func newComposer(onSend func()) *composer {
	c := &composer{onSend: onSend}
	c.MultiLine = true
	c.Wrapping = fyne.TextWrapWord
	c.SetMinRowsVisible(2)
	c.ExtendBaseWidget(c)
	return c
}

// KeyDown tracks Shift, which the Entry also needs for selection.
func (c *composer) KeyDown(k *fyne.KeyEvent) {
	if k.Name == desktop.KeyShiftLeft || k.Name == desktop.KeyShiftRight {
		c.shift = true
	}
	c.Entry.KeyDown(k)
}

// KeyUp tracks Shift.
func (c *composer) KeyUp(k *fyne.KeyEvent) {
	if k.Name == desktop.KeyShiftLeft || k.Name == desktop.KeyShiftRight {
		c.shift = false
	}
	c.Entry.KeyUp(k)
}

// TypedKey sends on Enter; Shift+Enter falls through to the Entry, which
// inserts a newline because OnSubmitted is not set.
func (c *composer) TypedKey(k *fyne.KeyEvent) {
	if (k.Name == fyne.KeyReturn || k.Name == fyne.KeyEnter) && !c.shift {
		if c.onSend != nil && !c.Disabled() {
			c.onSend()
		}
		return
	}
	c.Entry.TypedKey(k)
}
