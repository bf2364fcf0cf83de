package chatlog

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// View shows a Model in a virtualized widget.List: only the visible rows
// exist as widgets, whatever the log's length. Rows whose text wraps get
// their own height; the view follows new lines unless the user has
// scrolled up, and then offers a "new messages" button instead.
type View struct {
	model    *Model
	list     *widget.List
	stack    *fyne.Container
	newBtn   *widget.Button
	heights  map[int]float32 // rows taller than the template
	extra    float32         // sum of (height - template) over heights
	template float32
	unseen   int
	width    float32 // row width the heights were measured for
	resized  int     // heights changed so far: rows measured while scrolling
	// Where the view last scrolled to the bottom, and how tall it was: a
	// view still there that only got shorter or taller (a bar appeared
	// next to it) is still following.
	followOffset, followHeight float32
	// Now is the clock rows compare times with (Stamp): the window's.
	Now func() time.Time
}

// NewView returns a view of m. Tell it about new entries with Appended.
func NewView(m *Model) *View {
	v := &View{model: m, heights: map[int]float32{}, Now: time.Now}
	v.newBtn = widget.NewButtonWithIcon("", theme.MoveDownIcon(), v.jumpToBottom)
	v.newBtn.Importance = widget.HighImportance
	v.newBtn.Hide()
	v.list = v.makeList()
	v.stack = container.NewStack(v.list,
		container.NewVBox(layout.NewSpacer(), container.NewHBox(layout.NewSpacer(), v.newBtn, layout.NewSpacer())))
	return v
}

// Object is what to put in the window: the list with the "new messages"
// button over it.
func (v *View) Object() fyne.CanvasObject { return v.stack }

func (v *View) makeList() *widget.List {
	l := widget.NewList(
		func() int { return v.model.Len() },
		func() fyne.CanvasObject { return newRow() },
		func(id widget.ListItemID, o fyne.CanvasObject) { v.updateRow(id, o.(*row)) },
	)
	l.HideSeparators = true
	v.template = newRow().MinSize().Height
	return l
}

func (v *View) updateRow(id widget.ListItemID, r *row) {
	if id >= v.model.Len() {
		return
	}
	e := v.model.At(id)
	r.set(&e, v.Now())
	w := v.list.Size().Width
	if w <= 0 {
		return
	}
	v.setHeight(id, r.heightFor(w))
}

// setHeight records a row's real height when it differs from the template.
func (v *View) setHeight(id int, h float32) {
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

// AtBottom reports whether the last row is in view (or all rows fit).
func (v *View) AtBottom() bool {
	n := v.model.Len()
	if n == 0 {
		return true
	}
	pad := theme.Padding()
	content := float32(n)*(v.template+pad) - pad + v.extra
	viewport := v.list.Size().Height
	return v.list.GetScrollOffset() >= content-viewport-v.template
}

// Appended shows n new lines; follow says the view was at the bottom
// before they came (AtBottom, asked before adding them), trimmed that
// the model dropped old entries meanwhile.
func (v *View) Appended(n int, follow, trimmed bool) {
	follow = follow || v.resizedWhileFollowing()
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
	v.newBtn.SetText(lang.L("{{if eq .N 1}}1 new message{{else}}{{.N}} new messages{{end}}", map[string]any{"N": v.unseen}))
	v.newBtn.Show()
}

// CheckScroll hides the "new messages" button once the user has scrolled
// down by hand; row heights are remeasured when the width changed. Call
// it now and then (the window does on every status tick).
func (v *View) CheckScroll() {
	if v.resizedWhileFollowing() {
		v.scrollToBottom()
	}
	if w := v.list.Size().Width; w != v.width {
		follow := v.unseen == 0 && v.AtBottom()
		v.width = w
		v.list.Refresh()
		if follow {
			v.scrollToBottom()
		}
	}
	if v.unseen > 0 && v.AtBottom() {
		v.unseen = 0
		v.newBtn.Hide()
	}
}

// resizedWhileFollowing reports whether the view was following and has
// only changed height since: the user has not scrolled (nor a new line
// been left unseen).
func (v *View) resizedWhileFollowing() bool {
	return v.unseen == 0 && v.followHeight != 0 && v.list.GetScrollOffset() == v.followOffset &&
		v.list.Size().Height != v.followHeight
}

// scrollToBottom scrolls until the last row is fully in view: rows that
// come into view are measured then, and a wrapped one grows the content.
func (v *View) scrollToBottom() {
	defer func() { v.followOffset, v.followHeight = v.list.GetScrollOffset(), v.list.Size().Height }()
	for range 4 {
		before := v.resized
		v.list.ScrollToBottom()
		if v.resized == before {
			return
		}
	}
}

// Reveal scrolls entry id into view and marks it (a search's match).
func (v *View) Reveal(id int) {
	if id < 0 || id >= v.model.Len() {
		v.list.UnselectAll()
		return
	}
	v.list.ScrollTo(id)
	v.list.Select(id)
}

func (v *View) jumpToBottom() {
	v.scrollToBottom()
	v.unseen = 0
	v.newBtn.Hide()
}

// rebuild replaces the list after old entries were dropped: row ids have
// shifted, and widget.List cannot forget the heights it was given.
func (v *View) rebuild() {
	clear(v.heights)
	v.extra = 0
	v.list = v.makeList()
	v.stack.Objects[0] = v.list
	v.stack.Refresh()
}
