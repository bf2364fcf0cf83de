package gui

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"

	"github.com/groupcast/groupcast/gui/internal/chime"
)

// prefSound is whether a new message makes a sound (off unless asked).
const prefSound = "sound"

// Player plays the chime; chime.Player, or a test's.
type Player interface{ Play() error }

// soundItem is the menu's "Sound for new messages", ticked when on.
func (ui *window) soundItem() *fyne.MenuItem {
	ui.soundMenu = fyne.NewMenuItem(lang.L("Sound for new messages"), ui.toggleSound)
	return ui.soundMenu
}

// restoreSound turns the sound on if it was on when the window last ran
// (and this computer can play it).
func (ui *window) restoreSound(p fyne.Preferences) {
	if p.Bool(prefSound) {
		ui.setSound(true, false)
	}
}

func (ui *window) toggleSound() {
	ui.setSound(!ui.sound, true)
	ui.app.Preferences().SetBool(prefSound, ui.sound)
}

// setSound turns the sound on or off; turning it on by hand plays it
// once, so the user hears what it will be. A computer that cannot play
// one says why, and the sound stays off.
func (ui *window) setSound(on, byHand bool) {
	if on && ui.player == nil {
		if ui.opts.chime == nil {
			return
		}
		p, err := ui.opts.chime()
		if err != nil {
			if byHand {
				why := err.Error()
				if errors.Is(err, chime.ErrNoPlayer) {
					why = lang.L("no sound player found (paplay, pw-play or aplay)")
				}
				d := dialog.NewInformation(lang.L("No sound"), lang.L("This computer cannot play the sound: {{.Why}}.", map[string]any{"Why": why}), ui.w)
				hideOnEscape(ui.w, d)
				d.Show()
			}
			return
		}
		ui.player = p
	}
	ui.sound = on
	if ui.soundMenu != nil {
		ui.soundMenu.Checked = on
		if m := ui.w.MainMenu(); m != nil {
			m.Refresh()
		}
	}
	if on && byHand {
		_ = ui.player.Play()
	}
}

// chimeFor sounds for a message the user is notified of, when asked to.
func (ui *window) chimeFor() {
	if ui.sound && ui.player != nil {
		_ = ui.player.Play()
	}
}

func newChime() (Player, error) { return chime.New() }
