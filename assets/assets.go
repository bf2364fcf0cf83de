// Package assets holds Groupcast's icon: icon.svg is the source, icon.png
// (512 px, made with `rsvg-convert -w 512 -h 512 icon.svg -o icon.png`) is
// what the app and the packages use.
package assets

import _ "embed"

//go:embed icon.png
var iconPNG []byte

// IconPNG returns the 512-pixel application icon.
func IconPNG() []byte { return iconPNG }
