package look

import (
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/groupcast/groupcast/gui/internal/chatlog"
)

// luminance is WCAG 2's relative luminance of c (opaque).
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// Contrast is WCAG 2's contrast ratio of two opaque colours.
func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// TestEveryTextColourIsReadable: every colour the window draws text in,
// on every background it draws it on, in both variants, has a contrast
// of at least 4.5:1 (WCAG AA), the log's senders' hues included.
func TestEveryTextColourIsReadable(t *testing.T) {
	test.NewTempApp(t)
	th := Theme()
	backgrounds := []fyne.ThemeColorName{theme.ColorNameBackground, theme.ColorNameInputBackground,
		theme.ColorNameOverlayBackground, theme.ColorNameMenuBackground, theme.ColorNameHeaderBackground}
	texts := []fyne.ThemeColorName{theme.ColorNameForeground, theme.ColorNameDisabled, theme.ColorNamePlaceHolder,
		theme.ColorNamePrimary, theme.ColorNameHyperlink, theme.ColorNameError, theme.ColorNameWarning, theme.ColorNameSuccess}
	onColour := map[fyne.ThemeColorName]fyne.ThemeColorName{ // text on a coloured button or banner
		theme.ColorNameForegroundOnPrimary: theme.ColorNamePrimary, theme.ColorNameForegroundOnError: theme.ColorNameError,
		theme.ColorNameForegroundOnWarning: theme.ColorNameWarning, theme.ColorNameForegroundOnSuccess: theme.ColorNameSuccess,
	}
	for _, v := range []fyne.ThemeVariant{theme.VariantDark, theme.VariantLight} {
		check := func(what string, fg color.Color, bg fyne.ThemeColorName) {
			if c := contrast(fg, th.Color(bg, v)); c < 4.5 {
				t.Errorf("variant %d: %s on %s: %.2f:1", v, what, bg, c)
			}
		}
		for _, fg := range texts {
			for _, bg := range backgrounds {
				check(string(fg), th.Color(fg, v), bg)
			}
		}
		for fg, bg := range onColour {
			check(string(fg), th.Color(fg, v), bg)
		}
		for i := range uint8(12) {
			check("sender hue", chatlog.PaletteFor(i, v == theme.VariantDark), theme.ColorNameBackground)
		}
	}
}

// TestFynesOwnFails keeps the reason for the overrides on record: the
// default theme's low-importance text fails.
func TestFynesOwnFails(t *testing.T) {
	test.NewTempApp(t)
	d := theme.DefaultTheme()
	if c := contrast(d.Color(theme.ColorNameDisabled, theme.VariantDark), d.Color(theme.ColorNameBackground, theme.VariantDark)); c > 2 {
		t.Fatalf("Fyne's dim text now has %.2f:1 on dark: the override may be unneeded", c)
	}
}
