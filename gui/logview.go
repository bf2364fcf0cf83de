package gui

import (
	"fmt"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// logView shows a logModel in a virtualized widget.List: only the visible
// rows exist as widgets, whatever the log's length. Rows whose text wraps
// get their own height; the view follows new lines unless the user has
// scrolled up, and then offers a "new messages" button instead.
type logView struct {
	model    *logModel
	list     *widget.List
	stack    *fyne.Container
	newBtn   *widget.Button
	heights  map[int]float32 // rows taller than the template
	extra    float32         // sum of (height - template) over heights
	template float32
	unseen   int
	width    float32 // row width the heights were measured for
	resized  int     // heights changed so far: rows measured while scrolling
}

func newLogView(m *logModel) *logView {
	v := &logView{model: m, heights: map[int]float32{}}
	v.newBtn = widget.NewButtonWithIcon("", theme.MoveDownIcon(), v.jumpToBottom)
	v.newBtn.Importance = widget.HighImportance
	v.newBtn.Hide()
	v.list = v.makeList()
	v.stack = container.NewStack(v.list,
		container.NewVBox(layout.NewSpacer(), container.NewHBox(layout.NewSpacer(), v.newBtn, layout.NewSpacer())))
	return v
}

func (v *logView) makeList() *widget.List {
	l := widget.NewList(
		func() int { return v.model.len() },
		func() fyne.CanvasObject { return newLogRow() },
		func(id widget.ListItemID, o fyne.CanvasObject) { v.updateRow(id, o.(*logRow)) },
	)
	l.HideSeparators = true
	v.template = newLogRow().MinSize().Height
	return l
}

func (v *logView) updateRow(id widget.ListItemID, r *logRow) {
	if id >= v.model.len() {
		return
	}
	r.set(v.model.at(id))
	w := v.list.Size().Width
	if w <= 0 {
		return
	}
	v.setHeight(id, r.heightFor(w))
}

// setHeight records a row's real height when it differs from the template.
func (v *logView) setHeight(id int, h float32) {
	old, had := v.heights[id]
	if !had {
		old = v.template
	}
	if h < v.template+0.5 {
		h = v.template
	}
	if abs32(h-old) < 0.5 {
		return
	}
	v.extra += h - old
	v.resized++
	v.heights[id] = h
	v.list.SetItemHeight(id, h)
}

func abs32(f float32) float32 {
	if f < 0 {
		return -f
	}
	return f
}

// atBottom reports whether the last row is in view (or all rows fit).
func (v *logView) atBottom() bool {
	n := v.model.len()
	if n == 0 {
		return true
	}
	pad := theme.Padding()
	content := float32(n)*(v.template+pad) - pad + v.extra
	viewport := v.list.Size().Height
	return v.list.GetScrollOffset() >= content-viewport-v.template
}

// appended shows n new lines; follow says the view was at the bottom
// before they came.
func (v *logView) appended(n int, follow, trimmed bool) {
	if trimmed {
		v.rebuild()
	}
	v.list.Refresh()
	if follow {
		v.scrollToBottom()
		v.unseen = 0
		v.newBtn.Hide()
		return
	}
	v.unseen += n
	v.newBtn.SetText(fmt.Sprintf("%d new messages", v.unseen))
	if v.unseen == 1 {
		v.newBtn.SetText("1 new message")
	}
	v.newBtn.Show()
}

// checkScroll hides the "new messages" button once the user has scrolled
// down by hand; row heights are remeasured when the width changed.
func (v *logView) checkScroll() {
	if w := v.list.Size().Width; w != v.width {
		follow := v.unseen == 0 && v.atBottom()
		v.width = w
		v.list.Refresh()
		if follow {
			v.scrollToBottom()
		}
	}
	if v.unseen > 0 && v.atBottom() {
		v.unseen = 0
		v.newBtn.Hide()
	}
}

// scrollToBottom scrolls until the last row is fully in view: rows that
// come into view are measured then, and a wrapped one grows the content.
func (v *logView) scrollToBottom() {
	for range 4 {
		before := v.resized
		v.list.ScrollToBottom()
		if v.resized == before {
			return
		}
	}
}

func (v *logView) jumpToBottom() {
	v.scrollToBottom()
	v.unseen = 0
	v.newBtn.Hide()
}

// rebuild replaces the list after old entries were dropped: row ids have
// shifted, and widget.List cannot forget the heights it was given.
func (v *logView) rebuild() {
	clear(v.heights)
	v.extra = 0
	v.list = v.makeList()
	v.stack.Objects[0] = v.list
	v.stack.Refresh()
}

// logRow draws one log line: time, sender and wrapped, selectable text.
type logRow struct {
	widget.BaseWidget
	bg   *canvas.Rectangle
	time *canvas.Text
	from *canvas.Text
	body *widget.Label
}

func newLogRow() *logRow {
	r := &logRow{
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

func (r *logRow) set(e *logEntry) {
	r.time.Text = e.at.Local().Format("15:04:05")
	r.time.Color = themeColour(theme.ColorNamePlaceHolder)
	r.bg.FillColor = color.Transparent
	r.from.TextStyle = fyne.TextStyle{Bold: true}
	r.body.TextStyle = fyne.TextStyle{}
	r.body.Importance = widget.MediumImportance
	switch e.kind {
	case kindMessage:
		r.from.Text = e.from
		r.from.Color = paletteColour(e.colour)
	case kindOwn:
		r.from.Text = e.from
		r.from.Color = themeColour(theme.ColorNamePrimary)
		r.bg.FillColor = ownBackground()
	case kindSystem:
		r.from.Text = "•"
		r.from.Color = themeColour(theme.ColorNamePlaceHolder)
		// Muted, not italic: each text style costs the window its own
		// copy of three parsed fonts (~10 MB; docs/PERFORMANCE.md).
		r.body.Importance = widget.LowImportance
	case kindWarning:
		r.from.Text = "⚠"
		r.from.Color = themeColour(theme.ColorNameWarning)
		r.body.Importance = widget.WarningImportance
	case kindError:
		r.from.Text = "✖"
		r.from.Color = themeColour(theme.ColorNameError)
		r.body.Importance = widget.DangerImportance
	}
	r.body.Text = e.text
	r.time.Refresh()
	r.from.Refresh()
	r.bg.Refresh()
	r.body.Refresh()
	r.Refresh()
}

// header is the width of the time and sender columns.
func (r *logRow) header() float32 {
	pad := theme.InnerPadding()
	return pad + r.time.MinSize().Width + pad + r.from.MinSize().Width
}

// heightFor measures the row at width w: the wrapped body decides.
func (r *logRow) heightFor(w float32) float32 {
	bw := w - r.header()
	if bw < 40 {
		bw = 40
	}
	r.body.Resize(fyne.NewSize(bw, r.body.MinSize().Height))
	return fyne.Max(r.body.MinSize().Height, r.time.MinSize().Height+2*theme.InnerPadding())
}

func (r *logRow) CreateRenderer() fyne.WidgetRenderer {
	return &logRowRenderer{r: r}
}

type logRowRenderer struct{ r *logRow }

func (lr *logRowRenderer) Layout(s fyne.Size) {
	r := lr.r
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

func (lr *logRowRenderer) MinSize() fyne.Size {
	r := lr.r
	h := fyne.Max(r.body.MinSize().Height, r.time.MinSize().Height+2*theme.InnerPadding())
	return fyne.NewSize(r.header()+40, h)
}

func (lr *logRowRenderer) Refresh() {
	lr.Layout(lr.r.Size())
	canvas.Refresh(lr.r)
}

func (lr *logRowRenderer) Objects() []fyne.CanvasObject {
	r := lr.r
	return []fyne.CanvasObject{r.bg, r.time, r.from, r.body}
}

func (lr *logRowRenderer) Destroy() {}
