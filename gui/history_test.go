package gui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/groupcast/groupcast/gui/internal/chatlog"
	"github.com/groupcast/groupcast/internal/history"
	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/wire"
)

var (
	bobID   = wire.SenderID{0xb0, 0xb0, 1, 2, 3, 4, 5, 6}
	bobAddr = netip.MustParseAddrPort("192.168.1.9:50112")
	bobPeer = netconf.Peer{ID: bobID, Nick: "Bob", Host: bobAddr.Addr()}
)

// historyHarness is a window that keeps its history in dir (never the
// user's own), with the work it puts off collected for runLater.
func historyHarness(t *testing.T, dir string, cfg netconf.Config) *harness {
	t.Helper()
	return newHarnessWith(t, cfg, func(h *harness, o *options) {
		o.historyDir = func() (string, error) { return dir, nil }
		o.soon = func(f func()) { h.later = append(h.later, f) }
	})
}

// runLater runs what the window put off until after its layout.
func (h *harness) runLater() int {
	h.t.Helper()
	n := 0
	for len(h.later) > 0 {
		f := h.later[0]
		h.later = h.later[1:]
		f()
		if n++; n > 1000 {
			h.t.Fatal("the window puts work off for ever")
		}
	}
	return n
}

// bobSays is Bob's message seq.
func bobSays(seq uint64, text string) netconf.Message {
	return netconf.Message{From: "Bob", Sender: bobID, Seq: seq, Source: bobAddr, Text: text, Encoding: "utf-8",
		Sent: testTime.Add(-time.Second), Received: testTime}
}

// openStore opens the store in dir beside the window's (another
// connection: what it reads was committed).
func openStore(t *testing.T, dir string) *history.Store {
	t.Helper()
	s, err := history.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// keepRows stores n messages of group in dir, the i-th saying text(i),
// oldest first.
func keepRows(t *testing.T, dir, group string, n int, text func(i int) string) {
	t.Helper()
	s := openStore(t, dir)
	var batch []history.Record
	for i := range n {
		batch = append(batch, history.Record{Kind: history.Message, Group: group, Sender: bobID.String(), Nick: "Bob", Host: "192.168.1.9",
			Seq: uint64(1000 + i), Received: testTime.Add(time.Duration(i-n) * time.Minute), Text: text(i), Encoding: "utf-8"})
	}
	if err := s.Add(batch); err != nil {
		t.Fatal(err)
	}
}

// logTexts is the log's lines, "From: text" or the text alone.
func logTexts(ui *window) []string {
	var out []string
	for i := range ui.model.Len() {
		e := ui.model.At(i)
		if e.From != "" {
			out = append(out, e.From+": "+e.Text)
		} else {
			out = append(out, e.Text)
		}
	}
	return out
}

// TestShownIsKeptBeforeItIsShown: a batch's rows are committed before
// the window shows it, and the line knows the row it was kept as.
func TestShownIsKeptBeforeItIsShown(t *testing.T) {
	dir := t.TempDir()
	h := historyHarness(t, dir, defaultCfg())
	cfg := h.joinAs("Alice")
	if cfg.Archive == nil {
		t.Fatal("the Join asks for no catch-up: Config.Archive is nil with history on")
	}
	if _, ok := cfg.Archive.(history.Archive); !ok {
		t.Fatalf("Archive %T", cfg.Archive)
	}
	h.runLater()
	store := openStore(t, dir)
	m := bobSays(1, "明天考试 — the exam is tomorrow")
	m.Wire = [][]byte{[]byte("datagram one")}
	select {
	case h.engine.events <- m:
	case <-time.After(2 * time.Second):
		t.Fatal("the window does not read engine events")
	}
	var show func()
	select {
	case show = <-h.queue:
	case <-time.After(2 * time.Second):
		t.Fatal("the window scheduled nothing")
	}
	rows, err := store.Search(history.Query{Group: "239.255.3.3:3333"})
	if err != nil || len(rows) != 1 || rows[0].Text != m.Text || rows[0].Nick != "Bob" || rows[0].Seq != 1 || rows[0].Host != "192.168.1.9" {
		t.Fatalf("before the message is shown the store has %+v (%v)", rows, err)
	}
	if last, _ := h.ui.model.Last(); last.Text == m.Text {
		t.Fatal("shown before it was kept")
	}
	show()
	last, _ := h.ui.model.Last()
	if last.Text != m.Text || last.ID != rows[0].ID {
		t.Fatalf("shown %+v; kept as row %d", last, rows[0].ID)
	}
	// Its datagrams are kept for another member's catch-up.
	kept, err := store.Archive("239.255.3.3:3333").Kept(time.Time{}, 10)
	if err != nil || len(kept) != 1 || string(kept[0][0]) != "datagram one" {
		t.Fatalf("archive: %q %v", kept, err)
	}
	// What we send, who comes and goes, files received: kept too.
	h.emit(netconf.Sent{Seq: 1, Time: testTime, Nick: "Alice", Text: "mine"})
	h.emit(netconf.PeerJoined{Peer: netconf.Peer{ID: wire.SenderID{7}, Nick: "Carol", Host: netip.MustParseAddr("192.168.1.10")}})
	h.emit(netconf.FileReceived{ID: "f", From: bobPeer, Name: "w.pdf", SHA256: "ab", Path: "/tmp/w.pdf"})
	h.emit(netconf.Lost{Peer: bobPeer, First: 2, Last: 3}) // a warning: not kept
	rows, _ = store.Search(history.Query{Group: "239.255.3.3:3333"})
	var kinds []history.Kind
	for _, r := range rows {
		kinds = append(kinds, r.Kind)
	}
	if fmt.Sprint(kinds) != fmt.Sprint([]history.Kind{history.FileReceived, history.Joined, history.Message, history.Message}) ||
		rows[0].FileSHA256 != "ab" || rows[2].Text != "mine" {
		t.Fatalf("kept %v: %+v", kinds, rows)
	}
}

// TestReopenedShowsHistoryAboveMarker: joining a group again shows what
// was kept of it, as it showed, above "— earlier —".
func TestReopenedShowsHistoryAboveMarker(t *testing.T) {
	dir := t.TempDir()
	h := historyHarness(t, dir, defaultCfg())
	h.joinAs("Alice")
	h.emit(bobSays(1, "hello 世界"))
	h.emit(netconf.Sent{Seq: 1, Time: testTime, Nick: "Alice", Text: "hi Bob"})
	h.emit(netconf.PeerLeft{Peer: bobPeer})
	h.ui.shutdown()

	h = historyHarness(t, dir, defaultCfg())
	if h.ui.model.At(0).Text == marker() {
		t.Fatal("history shown before joining")
	}
	h.joinAs("Alice")
	want := []string{"Bob: hello 世界", "Alice: hi Bob", "Bob (192.168.1.9) left.", "— earlier —", "Joined 239.255.3.3:3333 on eth0 · 192.168.1.7 as Alice."}
	if got := logTexts(h.ui); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("log after joining again:\n%q\nwant\n%q", got, want)
	}
	kinds := []chatlog.Kind{chatlog.Message, chatlog.Own, chatlog.System, chatlog.System, chatlog.System}
	for i, k := range kinds {
		if e := h.ui.model.At(i); e.Kind != k {
			t.Errorf("line %d %q is of kind %d, want %d", i, e.Text, e.Kind, k)
		}
	}
	if h.ui.hist.more {
		t.Fatal("three rows kept, yet more to load")
	}
	// Another group has its own history: none.
	test.Tap(h.ui.bar.join)
	h.command()
	h.emit(netconf.Left{Group: testGroup})
	h.ui.bar.port.SetText("4444")
	h.joinAs("Alice")
	if got := logTexts(h.ui); len(got) != 1 || !strings.HasPrefix(got[0], "Joined 239.255.3.3:4444") {
		t.Fatalf("another group's log: %q", got)
	}
}

// TestScrollingUpBringsOlderHistory: joining shows the latest page;
// scrolling to the top of the log brings the page before it, above,
// with the view kept where it was; until there is no more.
func TestScrollingUpBringsOlderHistory(t *testing.T) {
	dir := t.TempDir()
	keepRows(t, dir, "239.255.3.3:3333", 130, func(i int) string { return fmt.Sprintf("line %d", i) })
	h := historyHarness(t, dir, defaultCfg())
	h.joinAs("Alice")
	h.runLater() // the list drew its first row while it filled: not the user at the top
	ui := h.ui
	if ui.model.Len() != pageSize+2 || ui.model.At(0).Text != "line 80" || ui.model.At(pageSize).Text != marker() || !ui.hist.more {
		t.Fatalf("on joining: %d lines from %q, more %v", ui.model.Len(), ui.model.At(0).Text, ui.hist.more)
	}
	if ui.view.AtTop() || !ui.view.AtBottom() {
		t.Fatal("the log does not show the latest on joining")
	}
	ui.view.Reveal(0) // the user scrolls up to the top
	ui.view.Reveal(-1)
	if h.runLater() == 0 {
		t.Fatal("the top of the log asked for nothing")
	}
	if ui.model.Len() != 2*pageSize+2 || ui.model.At(0).Text != "line 30" || ui.model.At(pageSize).Text != "line 80" {
		t.Fatalf("after scrolling up: %d lines from %q", ui.model.Len(), ui.model.At(0).Text)
	}
	if ui.view.AtTop() {
		t.Fatal("the view jumped to the page brought in, instead of staying on line 80")
	}
	ui.view.Reveal(0)
	ui.view.Reveal(-1)
	h.runLater()
	if ui.model.Len() != 130+2 || ui.model.At(0).Text != "line 0" || ui.hist.more {
		t.Fatalf("after scrolling up again: %d lines from %q, more %v", ui.model.Len(), ui.model.At(0).Text, ui.hist.more)
	}
	ui.view.Reveal(0)
	ui.view.Reveal(-1)
	if h.runLater() != 0 {
		t.Fatal("asked for more when all is there")
	}
	// A message now comes below, at the bottom as ever.
	h.emit(bobSays(1, "new"))
	if last, _ := ui.model.Last(); last.Text != "new" {
		t.Fatalf("last %q", last.Text)
	}
}

// TestKeptLogIsBoundedAndScrollsBackFromTheStore: with history on, the
// log keeps fewer lines (what it drops is in the store); scrolling to
// the top after it dropped some brings them back from the store, in
// order, none twice.
func TestKeptLogIsBoundedAndScrollsBackFromTheStore(t *testing.T) {
	dir := t.TempDir()
	h := historyHarness(t, dir, defaultCfg())
	h.joinAs("Alice")
	ui := h.ui
	ui.model.SetMax(60) // chatlog.MaxEntriesKept, smaller
	for i := range 100 {
		h.emit(bobSays(uint64(i+1), fmt.Sprintf("live %d", i)))
	}
	h.runLater()
	if ui.model.Trimmed() == 0 || ui.model.Len() > 60 {
		t.Fatalf("%d lines, %d dropped", ui.model.Len(), ui.model.Trimmed())
	}
	first := ui.model.At(0).Text
	ui.view.Reveal(0) // the user scrolls up to the top
	ui.view.Reveal(-1)
	if h.runLater() == 0 {
		t.Fatal("the top of the log asked for nothing")
	}
	if ui.model.At(0).Text == first {
		t.Fatalf("nothing came back from the store above %q", first)
	}
	seen := map[string]bool{}
	prev := -1
	for i := range ui.model.Len() {
		text := ui.model.At(i).Text
		var n int
		if _, err := fmt.Sscanf(text, "live %d", &n); err != nil {
			continue
		}
		if seen[text] || n <= prev {
			t.Fatalf("line %d %q after live %d (twice or out of order)", i, text, prev)
		}
		seen[text], prev = true, n
	}
	if prev != 99 {
		t.Fatalf("the newest line is live %d", prev)
	}
}

// TestSearchAllHistory: Ctrl+Shift+F searches everything kept, Chinese
// words of two characters and Latin words alike; a result of the
// conversation shown is marked in the log (older pages brought in until
// it is there), one of another is shown in its context.
func TestSearchAllHistory(t *testing.T) {
	dir := t.TempDir()
	keepRows(t, dir, "room:Physics 101", 20, func(i int) string {
		switch i {
		case 5:
			return "明天考试, bring the worksheet"
		case 6:
			return "page 4 of the WORKSHEET"
		}
		return fmt.Sprintf("physics %d", i)
	})
	keepRows(t, dir, "239.255.3.3:3333", 300, func(i int) string {
		switch i {
		case 2:
			return "an ancient zebra"
		case 290:
			return "下午考试 in room 4"
		}
		return fmt.Sprintf("chat %d", i)
	})
	h := historyHarness(t, dir, defaultCfg())
	h.joinAs("Alice")
	h.runLater()
	ui := h.ui
	item := searchAllItem(ui.openSearchAll)
	if sc, ok := item.Shortcut.(*desktop.CustomShortcut); !ok || sc.KeyName != fyne.KeyF || sc.Modifier&fyne.KeyModifierShift == 0 {
		t.Fatalf("shortcut %v", item.Shortcut)
	}
	item.Action()
	s := ui.search
	if !s.box.Visible() || !s.all.Checked || h.w.Canvas().Focused() != s.entry {
		t.Fatal("the search of all history is not open with the cursor in it")
	}
	found := func() []string {
		var out []string
		for _, r := range s.found {
			out = append(out, conversationName(r.Group)+" "+r.Text)
		}
		return out
	}
	test.Type(s.entry, "考试")
	if got := found(); strings.Join(got, "|") != "239.255.3.3:3333 下午考试 in room 4|Physics 101 明天考试, bring the worksheet" ||
		s.info.Text != "2 found" || !s.results.Visible() {
		t.Fatalf("考试: %q (%s)", got, s.info.Text)
	}
	s.entry.SetText("worksheet")
	if got := found(); strings.Join(got, "|") != "Physics 101 page 4 of the WORKSHEET|Physics 101 明天考试, bring the worksheet" {
		t.Fatalf("worksheet: %q", got)
	}
	s.entry.SetText("nowhere 考试")
	if len(s.found) != 0 || s.info.Text != "no match" {
		t.Fatalf("nowhere: %q %s", found(), s.info.Text)
	}

	// In the conversation shown, in the log already: marked there.
	s.entry.SetText("下午考试")
	s.list.Select(0)
	if i := ui.view.Marked(); i < 0 || ui.model.At(i).Text != "下午考试 in room 4" || s.results.Visible() {
		t.Fatalf("marked %d; results still over the log: %v", i, s.results.Visible())
	}
	s.entry.OnSubmitted(s.entry.Text) // Enter: the results again
	if !s.results.Visible() || len(s.found) != 1 {
		t.Fatal("Enter did not list the results again")
	}
	// Older than what is shown: brought in, then marked.
	s.entry.SetText("zebra")
	s.list.Select(0)
	if i := ui.view.Marked(); i != 2 || ui.model.At(i).Text != "an ancient zebra" || ui.model.At(0).Text != "chat 0" {
		t.Fatalf("zebra: marked %d, log from %q", i, ui.model.At(0).Text)
	}
	if len(h.w.Canvas().Overlays().List()) != 0 {
		t.Fatal("a dialog for a line in the log")
	}
	// Another conversation: a dialog with the rows around it.
	s.entry.SetText("worksheet")
	s.list.Select(1)
	var lines []string
	for _, o := range h.w.Canvas().Overlays().List() {
		walk(o, func(c fyne.CanvasObject) {
			if l, ok := c.(*widget.Label); ok && strings.Contains(l.Text, ":") {
				lines = append(lines, l.Text)
			}
		})
	}
	ctx := strings.Join(lines, "\n")
	if !strings.Contains(ctx, "Bob: 明天考试, bring the worksheet") || !strings.Contains(ctx, "Bob: physics 0") || !strings.Contains(ctx, "Bob: physics 11") ||
		strings.Contains(ctx, "physics 12") || strings.Contains(ctx, "chat") {
		t.Fatalf("in context:\n%s", ctx)
	}
	// Escape closes the bar; the log's search is back next time.
	s.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if s.box.Visible() || s.results.Visible() {
		t.Fatal("Escape left the search open")
	}
}

// TestForgetThisGroup: after a confirmation, a group's history is gone
// from the store and from the log; others' stays.
func TestForgetThisGroup(t *testing.T) {
	dir := t.TempDir()
	keepRows(t, dir, "239.255.3.3:3333", 10, func(i int) string { return fmt.Sprint("kept ", i) })
	keepRows(t, dir, "room:Physics 101", 3, func(i int) string { return fmt.Sprint("physics ", i) })
	h := historyHarness(t, dir, defaultCfg())
	h.joinAs("Alice")
	h.runLater()
	h.emit(bobSays(1, "said now"))
	ui := h.ui
	if ui.model.Len() != 13 || ui.histRows() != 11 {
		t.Fatalf("%d lines, %d of history", ui.model.Len(), ui.histRows())
	}
	ui.showHistorySettings()
	var forget *widget.Button
	for _, o := range h.w.Canvas().Overlays().List() {
		walk(o, func(c fyne.CanvasObject) {
			if b, ok := c.(*widget.Button); ok && strings.HasPrefix(b.Text, "Forget this group (239.255.3.3:3333)") {
				forget = b
			}
		})
	}
	if forget == nil {
		t.Fatal("History… has no Forget this group")
	}
	test.Tap(forget)
	var yes *widget.Button
	walk(h.w.Canvas().Overlays().Top(), func(c fyne.CanvasObject) {
		if b, ok := c.(*widget.Button); ok && b.Text == "Forget" {
			yes = b
		}
	})
	if yes == nil {
		t.Fatal("no confirmation")
	}
	if n, _ := openStore(t, dir).Search(history.Query{Group: "239.255.3.3:3333"}); len(n) != 11 {
		t.Fatalf("forgotten before it was confirmed: %d rows", len(n))
	}
	test.Tap(yes)
	select {
	case f := <-h.queue:
		f()
	case <-time.After(5 * time.Second):
		t.Fatal("forgetting never ended")
	}
	s := openStore(t, dir)
	if rs, _ := s.Search(history.Query{Group: "239.255.3.3:3333"}); len(rs) != 0 {
		t.Fatalf("%d rows left", len(rs))
	}
	if rs, _ := s.Search(history.Query{Group: "room:Physics 101"}); len(rs) != 3 {
		t.Fatalf("another conversation lost rows: %d left", len(rs))
	}
	if got := logTexts(ui); len(got) != 2 || !strings.HasPrefix(got[0], "Joined") || got[1] != "Bob: said now" {
		t.Fatalf("log after forgetting: %q", got)
	}
	if !strings.Contains(ui.status.Text, "11 rows deleted") {
		t.Fatalf("status %q", ui.status.Text)
	}
	// What is said next is kept again.
	h.emit(bobSays(2, "after"))
	if rs, _ := s.Search(history.Query{Group: "239.255.3.3:3333"}); len(rs) != 1 {
		t.Fatalf("after forgetting, %d rows kept", len(rs))
	}
}

// TestExportConversation: the conversation is written as text, HTML or
// JSON by the file's name, with the one implementation the command
// line uses.
func TestExportConversation(t *testing.T) {
	dir := t.TempDir()
	h := historyHarness(t, dir, defaultCfg())
	h.joinAs("Alice")
	h.emit(bobSays(1, "<b>exam</b> 考试"))
	h.emit(netconf.Sent{Seq: 1, Time: testTime, Nick: "Alice", Text: "ok"})
	var txt, html, js bytes.Buffer
	for name, b := range map[string]*bytes.Buffer{"lesson.txt": &txt, "lesson.HTML": &html, "lesson.json": &js} {
		n, err := h.ui.exportTo(b, name, h.ui.conversation())
		if err != nil || n != 2 {
			t.Fatalf("%s: %d rows, %v", name, n, err)
		}
	}
	if want := "2026-11-23 09:30:00 [239.255.3.3:3333] Bob: <b>exam</b> 考试\n2026-11-23 09:30:00 [239.255.3.3:3333] Alice: ok\n"; txt.String() != want {
		t.Errorf("text:\n%s", txt.String())
	}
	if !strings.Contains(html.String(), "<td>Bob: &lt;b&gt;exam&lt;/b&gt; 考试</td>") {
		t.Errorf("html:\n%s", html.String())
	}
	var first map[string]any
	if err := json.Unmarshal(bytes.SplitN(js.Bytes(), []byte("\n"), 2)[0], &first); err != nil || first["text"] != "<b>exam</b> 考试" || first["group"] != "239.255.3.3:3333" {
		t.Errorf("json: %v %s", err, js.String())
	}
	if _, err := h.ui.exportTo(&txt, "lesson.pdf", h.ui.conversation()); err == nil {
		t.Error("exported to a .pdf")
	}
	if got := exportName("room:Physics 101"); got != "Groupcast Physics 101" {
		t.Errorf("export name %q", got)
	}
	if got := exportName("239.255.3.3:3333"); got != "Groupcast 239.255.3.3-3333" {
		t.Errorf("export name %q", got)
	}
}

// TestCaughtUpShownEarlier: a message another member's history sent us
// is marked earlier, at the time it was sent, and kept like any other.
func TestCaughtUpShownEarlier(t *testing.T) {
	dir := t.TempDir()
	h := historyHarness(t, dir, defaultCfg())
	h.joinAs("Alice")
	m := bobSays(9, "the homework is on page 4")
	m.Sent, m.CaughtUp, m.Earlier = testTime.Add(-2*time.Hour), true, true
	h.emit(m)
	last, _ := h.ui.model.Last()
	if last.From != "Bob (earlier)" || !last.At.Equal(m.Sent) || last.Colour != chatlog.SenderColour("Bob") || last.ID == 0 {
		t.Fatalf("caught up: %+v", last)
	}
	a := m
	a.Announcement, a.Seq = true, 10
	h.emit(a)
	if !strings.HasPrefix(h.ui.banner.Text, "📢 Bob (earlier, 07:30)") {
		t.Fatalf("banner %q", h.ui.banner.Text)
	}
	rows, _ := openStore(t, dir).Search(history.Query{Group: "239.255.3.3:3333"})
	if len(rows) != 2 || rows[0].Kind != history.Announcement || rows[1].Text != m.Text {
		t.Fatalf("kept %+v", rows)
	}
	// Caught up again (another member answered too, or we rejoined): it
	// was shown, and is not shown twice.
	n := h.ui.model.Len()
	again := m
	again.Received = testTime.Add(time.Minute)
	h.engine.events <- again
	h.emit(bobSays(11, "live"))
	if got := logTexts(h.ui)[n:]; len(got) != 1 || got[0] != "Bob: live" {
		t.Fatalf("after the same message caught up again: %q", got)
	}
	if !rows[1].Earlier || !rows[0].Earlier {
		t.Fatalf("kept without the earlier mark: %+v", rows)
	}
	// Reopened later, it reads as it was shown: earlier, at its time.
	e := h.ui.entryOf(rows[1])
	if e.From != "Bob (earlier)" || !e.At.Equal(m.Sent) {
		t.Fatalf("reopened: %+v", e)
	}
}

// TestPrivateGroupHistory: a private group's history is sealed at rest
// with its passphrase, and read back with it.
func TestPrivateGroupHistory(t *testing.T) {
	dir := t.TempDir()
	cfg := defaultCfg()
	cfg.Passphrase = "violet umbrella seventeen harbour"
	h := historyHarness(t, dir, cfg)
	h.joinAs("Alice")
	h.emit(bobSays(1, "the answers are zanzibar"))
	h.ui.shutdown()
	for _, f := range []string{"history.db", "history.db-wal"} {
		if b, err := os.ReadFile(filepath.Join(dir, f)); err == nil && bytes.Contains(b, []byte("zanzibar")) {
			t.Fatalf("%s holds the private line in clear", f)
		}
	}
	h = historyHarness(t, dir, cfg)
	h.joinAs("Alice")
	if got := logTexts(h.ui); len(got) != 3 || got[0] != "Bob: the answers are zanzibar" {
		t.Fatalf("with the passphrase: %q", got)
	}
	h.ui.shutdown()
	cfg.Passphrase = "another passphrase entirely"
	h = historyHarness(t, dir, cfg)
	h.joinAs("Alice")
	if got := logTexts(h.ui); len(got) != 3 || got[0] != "Bob: (private: not readable without the group's passphrase)" {
		t.Fatalf("with another passphrase: %q", got)
	}
}

// TestHistoryOff: with history off nothing is kept nor shown on
// joining, and no catch-up is asked; keep-for prunes what is older.
func TestHistoryOff(t *testing.T) {
	dir := t.TempDir()
	keepRows(t, dir, "239.255.3.3:3333", 3, func(i int) string { return fmt.Sprint("kept ", i) })
	h := historyHarness(t, dir, defaultCfg())
	h.ui.showHistorySettings()
	var keepIt *widget.Check
	var keepFor *widget.Select
	for _, o := range h.w.Canvas().Overlays().List() {
		walk(o, func(c fyne.CanvasObject) {
			switch c := c.(type) {
			case *widget.Check:
				keepIt = c
			case *widget.Select:
				keepFor = c
			}
		})
	}
	if keepIt == nil || !keepIt.Checked || keepFor == nil || keepFor.Selected != "for ever" {
		t.Fatal("History… does not show history kept for ever")
	}
	keepIt.SetChecked(false)
	if h.ui.app.Preferences().BoolWithFallback(prefHistory, true) {
		t.Fatal("the setting is not remembered")
	}
	cfg := h.joinAs("Alice")
	if cfg.Archive != nil {
		t.Fatal("catch-up asked with history off")
	}
	h.emit(bobSays(1, "not kept"))
	if got := logTexts(h.ui); got[0] == "Bob: kept 0" || got[len(got)-1] != "Bob: not kept" {
		t.Fatalf("log with history off: %q", got)
	}
	s := openStore(t, dir)
	if rs, _ := s.Search(history.Query{}); len(rs) != 3 {
		t.Fatalf("%d rows with history off", len(rs))
	}
	// Kept for a week: the rows of a month ago go.
	if err := s.Add([]history.Record{{Kind: history.Message, Group: "239.255.3.3:3333", Nick: "Old", Received: testTime.AddDate(0, -1, 0), Text: "a month ago"}}); err != nil {
		t.Fatal(err)
	}
	keepFor.SetSelected("a week")
	if rs, _ := s.Search(history.Query{}); len(rs) != 3 || !strings.Contains(h.ui.status.Text, "1 older rows deleted") {
		t.Fatalf("kept for a week: %d rows; status %q", len(rs), h.ui.status.Text)
	}
	if h.ui.app.Preferences().String(prefKeepFor) != keepWeek {
		t.Fatal("keep-for not remembered")
	}
	keepIt.SetChecked(true)
	h.emit(bobSays(2, "kept again"))
	if rs, _ := s.Search(history.Query{Words: "again"}); len(rs) != 1 {
		t.Fatal("turned on again, nothing kept")
	}
}

// TestRoomConversation: a room's history is its name's, whatever group
// it is on.
func TestRoomConversation(t *testing.T) {
	h := historyHarness(t, t.TempDir(), defaultCfg())
	h.ui.joinRoom(netconf.Room{Name: "Physics 101", Group: netip.MustParseAddrPort("239.255.9.9:4000"), Origin: netip.MustParseAddr("192.168.1.2")}, false)
	j, ok := h.command().(netconf.Join)
	if !ok || h.ui.conversation() != "room:Physics 101" || j.Config.Archive == nil {
		t.Fatalf("conversation %q, archive %v", h.ui.conversation(), j.Config.Archive)
	}
}

// Closed while joined, the window leaves and waits until everything the
// engine received before leaving is kept (the engine drops its queue on
// Close), but no longer than closeKeep.
func TestCloseKeepsWhatCame(t *testing.T) {
	h := newHarnessWith(t, defaultCfg(), func(_ *harness, o *options) { o.closeKeep = 3 * time.Second })
	h.emit(netconf.Joined{Group: testGroup, Nick: "Alice", Sender: wire.SenderID{1}})
	done := make(chan time.Duration, 1)
	go func() {
		start := time.Now()
		h.ui.keepWhatCame()
		done <- time.Since(start)
	}()
	if c, ok := h.command().(netconf.Leave); !ok || c.Linger {
		t.Fatalf("closing sent %#v; want a Leave without linger", c)
	}
	select {
	case <-done:
		t.Fatal("closing did not wait for what the engine still had")
	case <-time.After(100 * time.Millisecond):
	}
	h.engine.events <- netconf.Left{Group: testGroup}
	select {
	case took := <-done:
		if took > 2*time.Second {
			t.Fatalf("closing waited %v after the Left", took)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("closing waited past the Left")
	}
}
