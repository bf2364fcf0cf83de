package chatlog

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// newTestView shows an empty log of at most max entries in a window the
// size of the log's part of the Groupcast window.
func newTestView(t *testing.T, max int, size fyne.Size) (*Model, *View) {
	t.Helper()
	a := test.NewTempApp(t)
	w := a.NewWindow("log")
	m := NewModel(max)
	v := NewView(m)
	w.SetContent(v.Object())
	w.Resize(size)
	t.Cleanup(w.Close)
	return m, v
}

// add appends messages like the window does with a batch of events:
// asking whether the view is at the bottom before adding them.
func add(m *Model, v *View, texts ...string) {
	follow := v.AtBottom()
	trimmedBefore := m.Trimmed()
	for _, text := range texts {
		m.Add(Entry{At: time.Now(), Kind: Message, From: "Bob", Text: text, Colour: SenderColour("Bob")})
	}
	v.Appended(len(texts)+m.Trimmed()-trimmedBefore, follow, m.Trimmed() != trimmedBefore)
}

func TestViewFollowsUnlessScrolledUp(t *testing.T) {
	m, v := newTestView(t, MaxEntries, fyne.NewSize(470, 320))
	for i := range 60 {
		add(m, v, strings.Repeat("x", i%7+1))
	}
	if n := v.list.Length(); n != m.Len() {
		t.Fatalf("list shows %d of %d lines", n, m.Len())
	}
	if !v.AtBottom() || v.newBtn.Visible() {
		t.Fatalf("log does not follow new messages: offset %v", v.list.GetScrollOffset())
	}
	v.list.ScrollToTop()
	add(m, v, "while you read above")
	if v.AtBottom() || !v.newBtn.Visible() || v.newBtn.Text != "1 new message" {
		t.Fatalf("scrolled up: at bottom %v, button %q visible %v", v.AtBottom(), v.newBtn.Text, v.newBtn.Visible())
	}
	add(m, v, "and another")
	if v.newBtn.Text != "2 new messages" {
		t.Fatalf("button %q", v.newBtn.Text)
	}
	test.Tap(v.newBtn)
	if !v.AtBottom() || v.newBtn.Visible() {
		t.Fatal("the new-messages button did not bring the log to the bottom")
	}
}

func TestCheckScrollHidesButtonAtBottom(t *testing.T) {
	m, v := newTestView(t, MaxEntries, fyne.NewSize(470, 320))
	for i := range 60 {
		add(m, v, fmt.Sprint("line ", i))
	}
	v.list.ScrollToTop()
	add(m, v, "while you read above")
	v.CheckScroll()
	if !v.newBtn.Visible() {
		t.Fatal("the button went away while the user still reads above")
	}
	v.list.ScrollToBottom() // by hand
	v.CheckScroll()
	if v.newBtn.Visible() {
		t.Fatal("the button stays after the user scrolled down to the new lines")
	}
}

// TestStaysBounded: however many entries arrive, the log keeps at most
// MaxEntries, still shows the last, and the list keeps up with the
// entries dropped.
func TestStaysBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("fills the log several times")
	}
	m, v := newTestView(t, MaxEntries, fyne.NewSize(800, 600))
	const n = MaxEntries + MaxEntries/2
	batch := make([]string, 0, 5000)
	for i := range n {
		text := fmt.Sprintf("message %d: the quick brown fox jumps over the lazy dog", i)
		if i%20 == 0 {
			text = strings.Repeat("a longer line that wraps in the log ", 8)
		}
		batch = append(batch, text)
		if len(batch) == cap(batch) || i == n-1 {
			add(m, v, batch...)
			batch = batch[:0]
		}
	}
	if got := m.Len(); got > MaxEntries {
		t.Fatalf("log holds %d entries; max %d", got, MaxEntries)
	}
	if last, _ := m.Last(); last.Text != fmt.Sprintf("message %d: the quick brown fox jumps over the lazy dog", n-1) {
		t.Fatalf("last entry %q", last.Text)
	}
	if v.list.Length() != m.Len() {
		t.Fatalf("list length %d, model %d", v.list.Length(), m.Len())
	}
	if m.Trimmed() == 0 || !v.AtBottom() {
		t.Fatalf("trimmed %d, at bottom %v", m.Trimmed(), v.AtBottom())
	}
}

// TestViewFollowsThroughAResize: a bar appearing above or below the log
// (the pinned announcement, the receipts) makes it shorter; a log that
// was following keeps following, one the user scrolled up in stays.
func TestViewFollowsThroughAResize(t *testing.T) {
	m, v := newTestView(t, MaxEntries, fyne.NewSize(470, 320))
	for i := range 60 {
		add(m, v, fmt.Sprintf("line %d", i))
	}
	v.Object().Resize(fyne.NewSize(470, 220)) // the banner appeared
	add(m, v, "after the banner")
	if !v.AtBottom() || v.newBtn.Visible() {
		t.Fatalf("the log stopped following when it got shorter: offset %v", v.list.GetScrollOffset())
	}

	v.list.ScrollToTop()
	v.Object().Resize(fyne.NewSize(470, 160)) // the receipts appeared
	add(m, v, "while you read above")
	if v.AtBottom() || !v.newBtn.Visible() {
		t.Fatal("a log scrolled up was brought to the bottom by a resize")
	}
}

// TestShiftedKeepsTheView: rows put in front of the log (earlier
// history) or taken from it (forgotten) leave the rows in view where
// they were; a view at the bottom stays there; OnTop says when the first
// row is drawn.
func TestShiftedKeepsTheView(t *testing.T) {
	m, v := newTestView(t, MaxEntries, fyne.NewSize(470, 320))
	tops := 0
	v.OnTop = func() { tops++ }
	for i := range 60 {
		add(m, v, fmt.Sprintf("line %d", i))
	}
	v.Reveal(30)
	v.list.UnselectAll()
	off := v.list.GetScrollOffset()
	if off <= 0 || v.AtTop() || v.AtBottom() {
		t.Fatalf("line 30 shown at offset %v", off)
	}
	var page []Entry
	for i := range 20 {
		text := fmt.Sprintf("earlier %d", i)
		if i == 3 {
			text = strings.Repeat("an earlier line long enough to wrap in the log ", 6)
		}
		page = append(page, Entry{Kind: Message, From: "Ann", Text: text})
	}
	m.Prepend(page)
	v.Shifted(len(page))
	pad := theme.Padding()
	want := off + 20*(v.template+pad) + (v.heights[3] - v.template)
	if v.heights[3] <= v.template || abs32(v.list.GetScrollOffset()-want) > 1 {
		t.Fatalf("after 20 rows in front: offset %v, want %v (wrapped row %v, template %v)", v.list.GetScrollOffset(), want, v.heights[3], v.template)
	}
	m.DropOldest(20)
	v.Shifted(-20)
	if abs32(v.list.GetScrollOffset()-off) > 1 {
		t.Fatalf("after taking them away: offset %v, want %v", v.list.GetScrollOffset(), off)
	}
	v.jumpToBottom()
	m.Prepend(page)
	v.Shifted(len(page))
	if !v.AtBottom() {
		t.Fatal("a log at the bottom left it when earlier rows came")
	}
	before := tops
	v.list.ScrollToTop()
	if tops == before || !v.AtTop() {
		t.Fatalf("scrolled to the top: OnTop called %d times", tops-before)
	}
}
