package history

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestFormatFor(t *testing.T) {
	for name, want := range map[string]string{"lesson.txt": FormatText, "a.TEXT": FormatText, "l.html": FormatHTML, "l.HTM": FormatHTML,
		"x.json": FormatJSON, "x.pdf": "", "noext": "", "dir.json/x": ""} {
		got, ok := FormatFor(name)
		if got != want || ok != (want != "") {
			t.Errorf("FormatFor(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
}

// An export reads the same whoever writes it: a line, a table row or a
// JSON object per row, the text escaped where it must be.
func TestWrite(t *testing.T) {
	at := time.Date(2026, 11, 30, 9, 30, 0, 0, time.Local)
	rows := []Record{
		{ID: 1, Kind: Message, Group: "room:Physics 101", Sender: "ab", Nick: "Ms Lee", Host: "10.0.0.7", Seq: 3, Sent: at, Received: at, Text: "two <b>lines</b>\nand 考试", Encoding: "utf-8"},
		{ID: 2, Kind: Announcement, Group: "room:Physics 101", Nick: "Ms Lee", Received: at, Text: "Exam on Tuesday", Earlier: true},
		{ID: 3, Kind: Joined, Group: "room:Physics 101", Nick: "Bob", Host: "10.0.0.9", Received: at},
		{ID: 4, Kind: FileReceived, Group: "room:Physics 101", Nick: "Ms Lee", Received: at, FileName: "w.pdf", FilePath: "/tmp/w.pdf"},
		{ID: 5, Kind: Message, Group: "239.255.3.3:3333", Nick: "Eve", Received: at, Private: true},
	}
	var txt, html, js bytes.Buffer
	for f, b := range map[string]*bytes.Buffer{FormatText: &txt, FormatHTML: &html, FormatJSON: &js} {
		if err := Write(b, rows, f); err != nil {
			t.Fatal(err)
		}
	}
	want := "2026-11-30 09:30:00 [room:Physics 101] Ms Lee: two <b>lines</b>\n    and 考试\n" +
		"2026-11-30 09:30:00 [room:Physics 101] 📢 Ms Lee (earlier): Exam on Tuesday\n" +
		"2026-11-30 09:30:00 [room:Physics 101] * Bob (10.0.0.9) joined\n" +
		"2026-11-30 09:30:00 [room:Physics 101] * file w.pdf from Ms Lee, saved as /tmp/w.pdf\n" +
		"2026-11-30 09:30:00 [239.255.3.3:3333] Eve: (private: not readable without the group's passphrase)\n"
	if txt.String() != want {
		t.Errorf("text:\n%s\nwant\n%s", txt.String(), want)
	}
	if h := html.String(); !strings.HasPrefix(h, "<!DOCTYPE html>") || !strings.Contains(h, "<td>Ms Lee: two &lt;b&gt;lines&lt;/b&gt;\nand 考试</td>") ||
		strings.Count(h, "<tr>") != len(rows) || !strings.HasSuffix(h, "</html>\n") {
		t.Errorf("html:\n%s", h)
	}
	lines := strings.Split(strings.TrimSpace(js.String()), "\n")
	if len(lines) != len(rows) {
		t.Fatalf("json: %d lines", len(lines))
	}
	var first, last map[string]any
	if json.Unmarshal([]byte(lines[0]), &first) != nil || json.Unmarshal([]byte(lines[4]), &last) != nil {
		t.Fatalf("json: %s", js.String())
	}
	if first["event"] != "history" || first["kind"] != "message" || first["text"] != "two <b>lines</b>\nand 考试" || first["seq"] != 3.0 ||
		first["sent"] != at.Format(time.RFC3339Nano) || last["sealed"] != true {
		t.Errorf("json: %v … %v", first, last)
	}
}

// Around is a row with its neighbours in its conversation, oldest first.
func TestAround(t *testing.T) {
	s := openTemp(t)
	var batch []Record
	for i := range 30 {
		g := "239.255.3.3:3333"
		if i%3 == 0 {
			g = "239.255.3.4:3333"
		}
		batch = append(batch, msg(g, "Ann", uint64(i+1), strings.Repeat("x", i+1)))
	}
	if err := s.Add(batch); err != nil {
		t.Fatal(err)
	}
	mid := batch[14] // in 239.255.3.3, with more of it on both sides
	rs, err := s.Around(mid.ID, 3)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, r := range rs {
		if r.Group != mid.Group {
			t.Fatalf("another conversation's row: %+v", r)
		}
		ids = append(ids, r.ID)
	}
	if len(rs) != 7 || rs[3].ID != mid.ID || ids[0] >= ids[3] || ids[6] <= ids[3] {
		t.Fatalf("around %d: %v", mid.ID, ids)
	}
	if rs, _ := s.Around(batch[1].ID, 3); len(rs) != 4 || rs[0].ID != batch[1].ID { // the first of its conversation
		t.Fatalf("around the first: %d rows", len(rs))
	}
	if rs, err := s.Around(9999, 3); err != nil || rs != nil {
		t.Fatalf("around no row: %v %v", rs, err)
	}
}

// Release closes the idle connections (their caches); the store goes on.
func TestRelease(t *testing.T) {
	s := openTemp(t)
	if err := s.Add([]Record{msg("g", "Ann", 1, "before")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Search(Query{Words: "before"}); err != nil || s.db.Stats().Idle == 0 {
		t.Fatalf("no idle connection to release (%v)", err)
	}
	s.Release()
	if idle := s.db.Stats().Idle; idle != 0 {
		t.Fatalf("%d idle connections after Release", idle)
	}
	if err := s.Add([]Record{msg("g", "Ann", 2, "after")}); err != nil {
		t.Fatal(err)
	}
	if rs, err := s.Search(Query{Group: "g"}); err != nil || len(rs) != 2 || s.db.Stats().Idle == 0 {
		t.Fatalf("after Release: %d rows, %v, %d idle", len(rs), err, s.db.Stats().Idle)
	}
}
