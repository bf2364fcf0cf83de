// Package look is the window's theme: Fyne's default, with every colour
// that text is drawn in made readable on the backgrounds it is drawn on,
// in the dark and the light variant (WCAG AA: a contrast of at least
// 4.5:1). Fyne's own dims low-importance text (the log's system lines)
// to 1.55:1 on dark and 1.28:1 on light, and its warning, error and
// success colours fail on white.
package look

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Theme is the window's theme.
func Theme() fyne.Theme { return readable{theme.DefaultTheme()} }

type readable struct{ fyne.Theme }

// overrides holds, per variant, the colours that differ from Fyne's.
var overrides = map[fyne.ThemeVariant]map[fyne.ThemeColorName]color.Color{
	theme.VariantDark: {
		theme.ColorNameDisabled:            rgb(0x93, 0x93, 0x96), // was #39393a
		theme.ColorNamePrimary:             rgb(0x5b, 0x9c, 0xff), // was #296ff6: 4.3:1 as text
		theme.ColorNameHyperlink:           rgb(0x5b, 0x9c, 0xff),
		theme.ColorNameForegroundOnPrimary: rgb(0x0b, 0x12, 0x20), // on the lighter blue
		theme.ColorNameError:               rgb(0xff, 0x6b, 0x6b), // was #f44336: 3.9:1 on menus
	},
	theme.VariantLight: {
		theme.ColorNameForeground:  rgb(0x24, 0x24, 0x24), // was #565656: dim text must stay apart from it
		theme.ColorNameDisabled:    rgb(0x6e, 0x6e, 0x6e), // was #e3e3e3
		theme.ColorNamePlaceHolder: rgb(0x6b, 0x6b, 0x6b), // was #888888
		theme.ColorNamePrimary:     rgb(0x1f, 0x5f, 0xd6), // was #296ff6
		theme.ColorNameHyperlink:   rgb(0x1f, 0x5f, 0xd6),
		theme.ColorNameError:       rgb(0xc6, 0x28, 0x28), // was #f44336
		theme.ColorNameWarning:     rgb(0x9a, 0x5b, 0x00), // was #ff9800
		theme.ColorNameSuccess:     rgb(0x1e, 0x7b, 0x34), // was #43f436
	},
}

func (t readable) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if c, ok := overrides[v][n]; ok {
		return c
	}
	return t.Theme.Color(n, v)
}

func rgb(r, g, b uint8) color.Color { return color.NRGBA{R: r, G: g, B: b, A: 0xff} }
