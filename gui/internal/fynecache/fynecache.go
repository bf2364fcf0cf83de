// Package fynecache shortens how long Fyne keeps what it rendered and no
// longer shows: text textures, text measurements, renderers of widgets
// that left the screen. Fyne keeps them a minute (FYNE_CACHE, read once
// while its cache package initialises). A log that streams thousands of
// lines a second shows a new set of lines on every frame, and a minute
// of their textures grew the window's C heap by 58 MB in a 19-second,
// 400 000-line stream (docs/PERFORMANCE.md); three seconds bounds that to
// what three seconds of frames drew (Fyne looks for expired entries every
// ten seconds at most). Three instead of ten took the window's resident
// memory a few seconds after a 100 000-line stream from 167.6 to 161.7
// MB. Anything still on screen is used on every frame and never expires;
// what comes back on screen after three seconds is drawn again.
//
// Like localefix, it must run before Fyne's package does: it needs only
// os, so Go's initialisation order (by import path, among packages whose
// imports are ready) runs it long before fyne.io/fyne/v2/internal/cache,
// which waits for much of Fyne and the standard library
// (GODEBUG=inittrace=1 shows the order). An FYNE_CACHE set by the user
// wins.
package fynecache

import "os"

// Duration is how long Fyne keeps what is no longer drawn.
const Duration = "3s"

func init() {
	if _, ok := os.LookupEnv("FYNE_CACHE"); !ok {
		_ = os.Setenv("FYNE_CACHE", Duration)
	}
}
