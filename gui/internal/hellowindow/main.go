// Command hellowindow is the smallest Fyne window, a label in a window of
// Groupcast's size and theme: scripts/gui-load.sh measures it beside
// Groupcast's window, so what the toolkit and the renderer cost by
// themselves is known, and what Groupcast adds to it.
package main

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"

	_ "github.com/groupcast/groupcast/gui/internal/localefix" // as Groupcast: no locale error under C
)

func main() {
	a := app.NewWithID("io.github.groupcast.hello")
	w := a.NewWindow("Hello")
	w.SetContent(widget.NewLabel("Hello, world"))
	w.Resize(fyne.NewSize(880, 600))
	w.ShowAndRun()
}
