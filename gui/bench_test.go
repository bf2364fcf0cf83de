package gui

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/groupcast/groupcast/gui/internal/chatlog"
	"github.com/groupcast/groupcast/internal/history"
	"github.com/groupcast/groupcast/netconf"
)

// benchWindow is a window with n messages from a few senders, every 20th
// long enough to wrap, scrolled to the bottom as a user would see it.
func benchWindow(tb testing.TB, n int) (*window, fyne.Window) {
	a := test.NewTempApp(tb)
	w := a.NewWindow("Groupcast")
	opts := options{do: func(f func()) { f() }, now: time.Now}
	ui := newWindow(a, w, newFakeEngine(), fakeInterfaces, defaultCfg(), opts)
	w.Resize(fyne.NewSize(800, 600))
	tb.Cleanup(func() { w.Close(); ui.shutdown() })
	fill(ui, n)
	ui.view.Appended(n, true, false)
	return ui, w
}

var senders = []string{"Alice", "Bob", "Carol", "Dmitri", "Eun-ji", "Farid"}

func benchMessage(i int) netconf.Message {
	text := fmt.Sprintf("message %d: the quick brown fox jumps over the lazy dog", i)
	if i%20 == 0 {
		text = strings.Repeat("a longer line that wraps in the log ", 8)
	}
	return netconf.Message{From: senders[i%len(senders)], Text: text, Seq: uint64(i), Received: time.Now()}
}

func fill(ui *window, n int) {
	for i := range n {
		ui.apply(benchMessage(i))
	}
}

// BenchmarkAppendOne: one message arriving in a log of 100 000, followed
// to the bottom (list refresh and scroll included).
func BenchmarkAppendOne(b *testing.B) {
	ui, _ := benchWindow(b, 100_000)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		ui.apply(benchMessage(i))
		ui.view.Appended(1, true, false)
		i++
	}
}

// BenchmarkBurst10k: 10 000 messages arriving at once are applied in one
// drain, i.e. one list refresh, on top of 90 000.
func BenchmarkBurst10k(b *testing.B) {
	ui, _ := benchWindow(b, 90_000)
	b.ReportAllocs()
	for b.Loop() {
		before := ui.model.Len()
		for i := range 10_000 {
			ui.pending = append(ui.pending, benchMessage(i))
		}
		ui.drain()
		if ui.model.Len() < before {
			b.Fatal("log shrank unexpectedly")
		}
	}
}

// BenchmarkRender100k: drawing a frame of the window with 100 000
// messages in the log (software renderer of the test driver).
func BenchmarkRender100k(b *testing.B) {
	_, w := benchWindow(b, 100_000)
	b.ReportAllocs()
	for b.Loop() {
		_ = w.Canvas().Capture()
	}
}

// BenchmarkMemory100k reports the heap held by a window with 100 000
// messages.
func BenchmarkMemory100k(b *testing.B) {
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		ui, _ := benchWindow(b, 100_000)
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MB-heap")
		runtime.KeepAlive(ui)
	}
}

// TestLogStaysBounded: however many messages arrive, the window's log
// keeps at most chatlog.MaxEntries and still shows the last. (That the
// view keeps up with the dropped entries: chatlog's TestStaysBounded.)
func TestLogStaysBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("fills the log several times")
	}
	ui, _ := benchWindow(t, 0)
	const n = chatlog.MaxEntries + chatlog.MaxEntries/2
	for i := range n {
		ui.pending = append(ui.pending, benchMessage(i))
		if len(ui.pending) == 5000 {
			ui.drain()
		}
	}
	ui.drain()
	if got := ui.model.Len(); got > chatlog.MaxEntries {
		t.Fatalf("log holds %d entries; max %d", got, chatlog.MaxEntries)
	}
	last, _ := ui.model.Last()
	if last.Text != benchMessage(n-1).Text {
		t.Fatalf("last entry %q", last.Text)
	}
}

// BenchmarkJoinWithHistory100k: a window starts with a history of
// 100 000 rows of one group, joins the group and draws its latest page
// above the marker — opening the store, reading the page, showing it
// and drawing a frame. Target: under 300 ms (docs/HISTORY.md).
func BenchmarkJoinWithHistory100k(b *testing.B) {
	dir := b.TempDir()
	s, err := history.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	const n = 100_000
	group := testGroup.String()
	start := time.Now().Add(-n * time.Second)
	for i := 0; i < n; {
		batch := make([]history.Record, 0, 1000)
		for range 1000 {
			i++
			batch = append(batch, history.Record{Kind: history.Message, Group: group, Sender: "b0b0010203040506", Nick: senders[i%len(senders)],
				Host: "192.168.1.9", Seq: uint64(i), Received: start.Add(time.Duration(i) * time.Second), Text: benchMessage(i).Text, Encoding: "utf-8"})
		}
		if err := s.Add(batch); err != nil {
			b.Fatal(err)
		}
	}
	s.Close()
	for b.Loop() {
		a := test.NewTempApp(b)
		w := a.NewWindow("Groupcast")
		e := newFakeEngine()
		ui := make(chan func(), 16)
		opts := options{do: func(f func()) { ui <- f }, now: time.Now, historyDir: func() (string, error) { return dir, nil }}
		win := newWindow(a, w, e, fakeInterfaces, defaultCfg(), opts)
		w.Resize(fyne.NewSize(800, 600))
		win.join()
		j := (<-e.cmds).(netconf.Join)
		e.events <- netconf.Joined{Group: j.Config.Group, Interface: netconf.Choice{Interface: eth}, TTL: 1, Nick: "Alice"}
		(<-ui)()
		_ = w.Canvas().Capture()
		if win.histRows() != pageSize+1 || win.model.At(pageSize).Text != marker() {
			b.Fatalf("%d rows of history shown", win.histRows())
		}
		b.StopTimer()
		w.Close()
		win.shutdown()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/join")
}
