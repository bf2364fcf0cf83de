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
	marked                     int // the entry Reveal marked, -1: none
	// Now is the clock rows compare times with (Stamp): the window's.
	Now func() time.Time
	// OnTop, when set, is called as the log's first row is drawn: the
	// user scrolled to the top, or every row fits. It is called while
	// the list lays itself out, so it must not change the log then and
	// there (the window puts the work off with fyne.Do).
	OnTop func()
}

// NewView returns a view of m. Tell it about new entries with Appended.
func NewView(m *Model) *View {
	v := &View{model: m, heights: map[int]float32{}, Now: time.Now, marked: -1}
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
	if id == 0 && v.OnTop != nil {
		v.OnTop()
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
		v.marked = -1
		v.list.UnselectAll()
		return
	}
	v.marked = id
	v.list.ScrollTo(id)
	v.list.Select(id)
}

// Marked is the entry Reveal marked (-1: none).
func (v *View) Marked() int {
	if v.marked < 0 || v.marked >= v.model.Len() {
		return -1
	}
	return v.marked
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
	v.extra, v.marked = 0, -1
	v.list = v.makeList()
	v.stack.Objects[0] = v.list
	v.stack.Refresh()
}

// AtTop reports whether the log's first row is in view.
func (v *View) AtTop() bool {
	return v.list.GetScrollOffset() < v.template
}

// measureMax bounds how many rows Shifted measures at once: the rest are
// measured as they come into view, as rows always are.
const measureMax = 500

// Shifted tells the view that k entries were put before the oldest (k >
// 0: earlier history) or the oldest -k were taken away (forgotten). Row
// ids have shifted: the heights known move with their rows, and the view
// stays on what it showed (or at the bottom, if it was there).
func (v *View) Shifted(k int) {
	if k == 0 {
		return
	}
	pad := theme.Padding()
	off := v.list.GetScrollOffset()
	before := float32(v.model.Len()-k)*(v.template+pad) - pad + v.extra
	atBottom := off >= before-v.list.Size().Height-v.template
	height := func(hs map[int]float32, id int) float32 {
		if h, ok := hs[id]; ok {
			return h
		}
		return v.template
	}
	var moved float32 // how much the rows in front of the view grew
	for id := 0; id < -k; id++ {
		moved -= height(v.heights, id) + pad
	}
	heights := make(map[int]float32, len(v.heights))
	for id, h := range v.heights {
		if id+k >= 0 {
			heights[id+k] = h
		}
	}
	if w := v.list.Size().Width; k > 0 && w > 0 {
		r := newRow() // the rows put in front, measured now so the view keeps still
		for id := max(0, k-measureMax); id < k; id++ {
			e := v.model.At(id)
			r.set(&e, v.Now())
			if h := r.heightFor(w); h >= v.template+0.5 {
				heights[id] = h
			}
		}
	}
	for id := 0; id < k; id++ {
		moved += height(heights, id) + pad
	}
	v.heights, v.extra, v.marked = heights, 0, -1
	v.list = v.makeList()
	v.stack.Objects[0] = v.list
	v.stack.Refresh()
	for id, h := range heights {
		v.extra += h - v.template
		v.list.SetItemHeight(id, h)
	}
	if atBottom {
		v.scrollToBottom()
		return
	}
	v.list.ScrollToOffset(max(0, off+moved))
}
