package chatlog

import (
	"image/color"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// row draws one log line: time, sender and wrapped, selectable text.
type row struct {
	widget.BaseWidget
	bg   *canvas.Rectangle
	time *canvas.Text
	from *canvas.Text
	body *widget.Label
}

func newRow() *row {
	r := &row{
		bg:   canvas.NewRectangle(color.Transparent),
		time: canvas.NewText("00:00:00", theme.Color(theme.ColorNamePlaceHolder)),
		from: canvas.NewText("", theme.Color(theme.ColorNameForeground)),
		body: widget.NewLabel(""),
	}
	r.from.TextStyle = fyne.TextStyle{Bold: true}
	r.body.Wrapping = fyne.TextWrapWord
	r.body.Selectable = true
	r.ExtendBaseWidget(r)
	return r
}

func (r *row) set(e *Entry, now time.Time) {
	r.time.Text = Stamp(e.At, now)
	r.time.Color = ThemeColour(theme.ColorNamePlaceHolder)
	r.bg.FillColor = color.Transparent
	r.from.TextStyle = fyne.TextStyle{Bold: true}
	r.body.TextStyle = fyne.TextStyle{}
	r.body.Importance = widget.MediumImportance
	switch e.Kind {
	case Message:
		r.from.Text = e.From
		r.from.Color = Palette(e.Colour)
	case Own:
		r.from.Text = e.From
		r.from.Color = ThemeColour(theme.ColorNamePrimary)
		r.bg.FillColor = OwnBackground()
	case System:
		r.from.Text = "•"
		r.from.Color = ThemeColour(theme.ColorNamePlaceHolder)
		// Muted, not italic: each text style costs the window its own
		// copy of three parsed fonts (~10 MB; docs/PERFORMANCE.md).
		r.body.Importance = widget.LowImportance
	case Warning:
		r.from.Text = "⚠"
		r.from.Color = ThemeColour(theme.ColorNameWarning)
		r.body.Importance = widget.WarningImportance
	case Error:
		r.from.Text = "✖"
		r.from.Color = ThemeColour(theme.ColorNameError)
		r.body.Importance = widget.DangerImportance
	}
	r.body.Text = Shown(e.Text)
	r.time.Refresh()
	r.from.Refresh()
	r.bg.Refresh()
	r.body.Refresh()
	r.Refresh()
}

// Stamp is how the log shows when something happened: the time of day
// today, with the date for another day ("2 Jan 15:04", and the year when
// it is another year).
func Stamp(at, now time.Time) string {
	at, now = at.Local(), now.Local()
	switch {
	case at.YearDay() == now.YearDay() && at.Year() == now.Year():
		return at.Format("15:04:05")
	case at.Year() == now.Year():
		return at.Format("2 Jan 15:04")
	}
	return at.Format("2 Jan 2006 15:04")
}

// ShownMax is the most of a message a log row shows. Fyne wraps a label
// in time that grows faster than its text (a 5 000-character message held
// the window 3.9 s), and a window that freezes is worse than a long
// message shown in part: the rest is a search or a copy away.
const ShownMax = 1500

// Shown is what a row shows of text: all of it up to ShownMax bytes, else
// its start, cut between characters, and how much more there is.
func Shown(text string) string {
	if len(text) <= ShownMax {
		return text
	}
	cut := ShownMax
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return text[:cut] + lang.L("… [{{.N}} more characters: Groupcast → Copy the conversation has it all]",
		map[string]any{"N": utf8.RuneCountInString(text[cut:])})
}

// header is the width of the time and sender columns.
func (r *row) header() float32 {
	pad := theme.InnerPadding()
	return pad + r.time.MinSize().Width + pad + r.from.MinSize().Width
}

// heightFor measures the row at width w: the wrapped body decides.
func (r *row) heightFor(w float32) float32 {
	bw := w - r.header()
	if bw < 40 {
		bw = 40
	}
	r.body.Resize(fyne.NewSize(bw, r.body.MinSize().Height))
	return fyne.Max(r.body.MinSize().Height, r.time.MinSize().Height+2*theme.InnerPadding())
}

func (r *row) CreateRenderer() fyne.WidgetRenderer {
	return &rowRenderer{r: r}
}

type rowRenderer struct{ r *row }

func (rr *rowRenderer) Layout(s fyne.Size) {
	r := rr.r
	pad := theme.InnerPadding()
	r.bg.Resize(s)
	r.time.Move(fyne.NewPos(pad, pad))
	r.time.Resize(r.time.MinSize())
	r.from.Move(fyne.NewPos(pad+r.time.MinSize().Width+pad, pad))
	r.from.Resize(r.from.MinSize())
	x := r.header()
	r.body.Move(fyne.NewPos(x, 0))
	r.body.Resize(fyne.NewSize(s.Width-x, s.Height))
}

func (rr *rowRenderer) MinSize() fyne.Size {
	r := rr.r
	h := fyne.Max(r.body.MinSize().Height, r.time.MinSize().Height+2*theme.InnerPadding())
	return fyne.NewSize(r.header()+40, h)
}

func (rr *rowRenderer) Refresh() {
	rr.Layout(rr.r.Size())
	canvas.Refresh(rr.r)
}

func (rr *rowRenderer) Objects() []fyne.CanvasObject {
	r := rr.r
	return []fyne.CanvasObject{r.bg, r.time, r.from, r.body}
}

func (rr *rowRenderer) Destroy() {}
