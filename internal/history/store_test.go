package history

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func msg(group, nick string, seq uint64, text string) Record {
	return Record{Kind: Message, Group: group, Sender: "a1b2c3d4" + nick, Nick: nick, Host: "10.0.0.7", Seq: seq,
		Sent: time.UnixMilli(1_700_000_000_000 + int64(seq)), Received: time.UnixMilli(1_700_000_000_500 + int64(seq)), Text: text, Encoding: "utf-8"}
}

func texts(rs []Record) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Text)
	}
	return out
}

// What is stored comes back, once, in order; a message stored twice (a
// repair, a catch-up) is kept once.
func TestStoreKeepsWhatWasShown(t *testing.T) {
	s := openTemp(t)
	g := "239.255.3.3:3333"
	batch := []Record{msg(g, "Ann", 1, "hello"), msg(g, "Ann", 2, "worksheet on page 4"), msg(g, "Bob", 1, "thanks")}
	batch = append(batch, Record{Kind: Message, Group: g, Nick: "legacy", Host: "10.0.0.9", Text: "bare text", Plain: true, Encoding: "gbk", Received: time.UnixMilli(1_700_000_001_000)})
	if err := s.Add(batch); err != nil {
		t.Fatal(err)
	}
	for _, r := range batch {
		if r.ID == 0 {
			t.Fatalf("no id for %+v", r)
		}
	}
	again := []Record{msg(g, "Ann", 2, "worksheet on page 4"), Record{Kind: Message, Group: g, Nick: "legacy", Text: "bare text", Plain: true}}
	if err := s.Add(again); err != nil {
		t.Fatal(err)
	}
	if again[0].ID != 0 {
		t.Fatal("a message already stored was stored again")
	}
	rs, err := s.Recent(g, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"hello", "worksheet on page 4", "thanks", "bare text", "bare text"}
	if got := texts(rs); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("recent: %q, want %q", got, want)
	}
	r := rs[3]
	if !r.Plain || r.Encoding != "gbk" || r.Host != "10.0.0.9" || r.Seq != 0 || !r.Received.Equal(time.UnixMilli(1_700_000_001_000)) {
		t.Fatalf("bare text row: %+v", r)
	}
	if r := rs[1]; r.Sender != "a1b2c3d4Ann" || r.Seq != 2 || !r.Sent.Equal(time.UnixMilli(1_700_000_000_002)) {
		t.Fatalf("message row: %+v", r)
	}
	// Paging back from the oldest of a page.
	older, err := s.Recent(g, rs[2].ID, 10)
	if err != nil || strings.Join(texts(older), "|") != "hello|worksheet on page 4" {
		t.Fatalf("older page: %q %v", texts(older), err)
	}
	if last, ok, err := s.Last(g); err != nil || !ok || last.Text != "thanks" {
		t.Fatalf("last: %+v %v %v", last, ok, err)
	}
}

// Search: words in any case, two-character Chinese words (under the
// trigram index's three), by person, by conversation, by date.
func TestSearch(t *testing.T) {
	s := openTemp(t)
	a, b := "239.255.3.3:3333", "room:Physics 101"
	err := s.Add([]Record{
		msg(a, "Ann", 1, "The Worksheet is due Friday"),
		msg(a, "Bob", 1, "明天考试 please revise"),
		msg(b, "Ms Lee", 1, "作业在第四页"),
		msg(b, "Ms Lee", 2, "worksheets collected"),
		msg(b, "PC07", 1, "50% done_ok"),
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		q    Query
		want string
	}{
		{Query{Words: "worksheet"}, "worksheets collected|The Worksheet is due Friday"},
		{Query{Words: "WORKSHEET friday"}, "The Worksheet is due Friday"},
		{Query{Words: "考试"}, "明天考试 please revise"},
		{Query{Words: "作业"}, "作业在第四页"},
		{Query{Words: "第四页"}, "作业在第四页"},
		{Query{Words: "考试 revise"}, "明天考试 please revise"},
		{Query{Words: "天考"}, "明天考试 please revise"},
		{Query{Words: "考 试"}, "明天考试 please revise"},
		{Query{Words: "试p"}, ""},
		{Query{Words: "worksheet", Group: b}, "worksheets collected"},
		{Query{Words: "worksheet", From: "Ann"}, "The Worksheet is due Friday"},
		{Query{Group: b, Since: time.UnixMilli(1_700_000_000_502)}, "worksheets collected"},
		{Query{Words: "50%"}, "50% done_ok"},
		{Query{Words: "0%"}, "50% done_ok"},
		{Query{Words: "e_o"}, "50% done_ok"},
		{Query{Words: `"quoted`}, ""},
		{Query{Words: "nowhere"}, ""},
	}
	for _, c := range cases {
		rs, err := s.Search(c.q)
		if err != nil {
			t.Fatalf("%+v: %v", c.q, err)
		}
		if got := strings.Join(texts(rs), "|"); got != c.want {
			t.Errorf("%+v: %q, want %q", c.q, got, c.want)
		}
	}
}

// A private group's text is sealed at rest: not in the file, not found
// without the key, found and read with it.
func TestPrivateGroupSealedAtRest(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	g := "239.255.9.9:4444"
	r := msg(g, "Ann", 1, "the exam answers are secretword")
	r.Private = true
	if err := s.Add([]Record{r}); err != ErrNoKey {
		t.Fatalf("stored without a key: %v", err)
	}
	if err := s.SetKey(g, []byte("group secret from the passphrase")); err != nil {
		t.Fatal(err)
	}
	if err := s.Add([]Record{r}); err != nil {
		t.Fatal(err)
	}
	if rs, _ := s.Search(Query{Words: "secretword"}); len(rs) != 1 || rs[0].Text != r.Text {
		t.Fatalf("with the key: %+v", rs)
	}
	s.Close()
	for _, f := range []string{"history.db", "history.db-wal"} {
		if b, err := os.ReadFile(filepath.Join(dir, f)); err == nil && bytes.Contains(b, []byte("secretword")) {
			t.Fatalf("%s holds the private text in clear", f)
		}
	}
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if rs, _ := s.Search(Query{Words: "secretword"}); len(rs) != 0 {
		t.Fatalf("found without the key: %+v", rs)
	}
	if rs, _ := s.Recent(g, 0, 10); len(rs) != 1 || rs[0].Text != "" || rs[0].Nick != "Ann" {
		t.Fatalf("read without the key: %+v", rs)
	}
	if err := s.SetKey(g, []byte("another passphrase")); err != nil {
		t.Fatal(err)
	}
	if rs, _ := s.Recent(g, 0, 10); len(rs) != 1 || rs[0].Text != "" {
		t.Fatalf("read with a wrong key: %+v", rs)
	}
}

// The schema is versioned: reopening is fine, a newer store is refused
// and left as it is.
func TestSchemaVersion(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Add([]Record{msg("g", "Ann", 1, "kept")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(dir); err != ErrNewer {
		t.Fatalf("a newer store: %v", err)
	}
}

// Forget and Prune delete what they say, and the index with it.
func TestForgetAndPrune(t *testing.T) {
	s := openTemp(t)
	old := msg("a", "Ann", 1, "old lesson")
	old.Received = time.Unix(1000, 0)
	if err := s.Add([]Record{old, msg("a", "Ann", 2, "new lesson"), msg("b", "Bob", 1, "other lesson")}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Prune(time.Unix(2000, 0)); err != nil || n != 1 {
		t.Fatalf("prune: %d %v", n, err)
	}
	if n, err := s.Forget("b"); err != nil || n != 1 {
		t.Fatalf("forget: %d %v", n, err)
	}
	if rs, _ := s.Search(Query{Words: "lesson"}); strings.Join(texts(rs), "|") != "new lesson" {
		t.Fatalf("after: %q", texts(rs))
	}
}

// A text longer than a row may hold is cut on a character boundary.
func TestClip(t *testing.T) {
	long := strings.Repeat("考", MaxText) // 3 bytes each
	c := clip(long)
	if len(c) > MaxText || len(c)%3 != 0 || !strings.HasPrefix(long, c) {
		t.Fatalf("clipped to %d bytes", len(c))
	}
}

// kill -9 in the middle of a stream: every batch the writer said was
// committed (and so was shown) is there after, and the store opens.
func TestKilledWriterLosesNothingShown(t *testing.T) {
	if os.Getenv("HISTORY_WRITER") != "" {
		writeForever(os.Getenv("HISTORY_WRITER"))
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledWriterLosesNothingShown$")
	cmd.Env = append(os.Environ(), "HISTORY_WRITER="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Read "shown N" lines until enough, then kill it mid-stream.
	sc := bufio.NewScanner(out)
	shown := 0
	for sc.Scan() {
		if n, err := strconv.Atoi(strings.TrimPrefix(sc.Text(), "shown ")); err == nil {
			shown = n
		}
		if shown >= 3000 {
			break
		}
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	if shown < 3000 {
		t.Fatalf("the writer showed %d messages", shown)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatalf("the store after kill -9: %v", err)
	}
	defer s.Close()
	var n int
	if err := s.db.QueryRow("SELECT count(*) FROM rows").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n < shown {
		t.Fatalf("%d rows after kill -9; %d were shown", n, shown)
	}
	var ok string
	if err := s.db.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity: %q %v", ok, err)
	}
	t.Logf("shown %d, stored %d", shown, n)
}

// writeForever stores batches of messages and says each was shown once
// committed, as the window and the commands do.
func writeForever(dir string) {
	s, err := Open(dir)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	seq := uint64(0)
	for {
		batch := make([]Record, 0, 16)
		for range 1 + seq%16 {
			seq++
			batch = append(batch, msg("g", "Ann", seq, fmt.Sprintf("message %d", seq)))
		}
		if err := s.Add(batch); err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		fmt.Printf("shown %d\n", seq)
	}
}

// All pages through everything found, oldest first; with a bound, the
// latest that many.
func TestAllPages(t *testing.T) {
	s := openTemp(t)
	var batch []Record
	for i := range 2500 {
		batch = append(batch, msg("g", "Ann", uint64(i+1), fmt.Sprintf("line %d", i+1)))
	}
	if err := s.Add(batch); err != nil {
		t.Fatal(err)
	}
	all, err := s.All(Query{Group: "g"}, 0)
	if err != nil || len(all) != 2500 || all[0].Text != "line 1" || all[2499].Text != "line 2500" {
		t.Fatalf("all: %d rows, %v", len(all), err)
	}
	last, err := s.All(Query{Group: "g"}, 10)
	if err != nil || len(last) != 10 || last[0].Text != "line 2491" || last[9].Text != "line 2500" {
		t.Fatalf("the latest 10: %q %v", texts(last), err)
	}
}
