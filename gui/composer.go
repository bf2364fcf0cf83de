package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// composer is the message box: Enter sends, Shift+Enter starts a new line
// (the reverse of a plain multi-line Entry, as in chat apps), and
// Ctrl+Enter (Cmd+Enter on macOS) announces, for a room's presenter.
type composer struct {
	widget.Entry
	shift      bool
	onSend     func()
	onAnnounce func()
}

func newComposer(onSend, onAnnounce func()) *composer {
	c := &composer{onSend: onSend, onAnnounce: onAnnounce}
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

// wrapLimit is the longest text the composer wraps at word boundaries:
// Fyne lays a wrapped entry out again at every change, in time that grows
// with the text (a 5 000-character paste took 1.5 s wrapped, 60 ms not),
// so a longer text is shown unwrapped, scrolling sideways.
const wrapLimit = 2000

// fitWrapping wraps the composer's text when it is short enough (n bytes).
func (c *composer) fitWrapping(n int) {
	want := fyne.TextWrapWord
	if n > wrapLimit {
		want = fyne.TextWrapOff
	}
	if c.Wrapping != want {
		c.Wrapping = want
		c.Refresh()
	}
}

// TypedShortcut announces on Ctrl+Enter (Cmd+Enter), and unwraps before
// a long paste lands, not after.
func (c *composer) TypedShortcut(s fyne.Shortcut) {
	if isAnnounceKey(s) {
		if c.onAnnounce != nil && !c.Disabled() {
			c.onAnnounce()
		}
		return
	}
	if p, ok := s.(*fyne.ShortcutPaste); ok && p.Clipboard != nil {
		c.fitWrapping(len(c.Text) + len(p.Clipboard.Content()))
	}
	c.Entry.TypedShortcut(s)
	c.fitWrapping(len(c.Text))
}

// isAnnounceKey: s is Ctrl+Enter, or Cmd+Enter (macOS's Ctrl).
func isAnnounceKey(s fyne.Shortcut) bool {
	k, ok := s.(*desktop.CustomShortcut)
	return ok && (k.KeyName == fyne.KeyReturn || k.KeyName == fyne.KeyEnter) &&
		(k.Modifier == fyne.KeyModifierControl || k.Modifier == fyne.KeyModifierSuper)
}

// TypedRune keeps the wrapping fitting the text as it is typed.
func (c *composer) TypedRune(r rune) {
	c.Entry.TypedRune(r)
	c.fitWrapping(len(c.Text))
}

// clear empties the composer (its message was sent).
func (c *composer) clear() {
	c.SetText("")
	c.fitWrapping(0)
}
