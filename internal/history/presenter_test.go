package history

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestPresentersMessageRoundTrips: the room's presenter's message is
// kept as a message (not an announcement) marked as the presenter's, and
// comes back so, in a search and in an export; its datagrams are what
// catch-up answers with (they carry its class, signed); and the same
// message caught up later is recognised as kept.
func TestPresentersMessageRoundTrips(t *testing.T) {
	s := openTemp(t)
	g := "room:Physics 101"
	ann := msg(g, "Ms Lee", 1, "Open chapter 3")
	ann.Kind, ann.Presenter = Announcement, true
	said := msg(g, "Ms Lee", 2, "Yes, chapter 3 only.")
	said.Presenter, said.Wire = true, [][]byte{[]byte("its DATA, signed as the presenter's message")}
	student := msg(g, "Bob", 1, "Chapter 3 only?")
	if err := s.Add([]Record{ann, student, said}); err != nil {
		t.Fatal(err)
	}
	again := said // caught up from another member's history
	again.Earlier = true
	if err := s.Add([]Record{again}); err != nil || again.ID != 0 {
		t.Fatalf("the caught-up copy was kept again (id %d): %v", again.ID, err)
	}
	rs, err := s.Recent(g, 0, 10)
	if err != nil || len(rs) != 3 {
		t.Fatalf("recent %+v, %v", rs, err)
	}
	got := rs[2]
	if got.Kind != Message || !got.Presenter || got.Text != "Yes, chapter 3 only." || rs[0].Kind != Announcement || !rs[0].Presenter || rs[1].Presenter {
		t.Fatalf("kept as %+v (announcement %+v, student %+v)", got, rs[0], rs[1])
	}
	if found, err := s.Search(Query{Group: g, Words: "chapter 3 only"}); err != nil || len(found) != 2 || !found[0].Presenter || found[1].Presenter {
		t.Fatalf("search %+v, %v", found, err)
	}
	kept, err := s.Archive(g).Kept(time.UnixMilli(0), 10)
	if err != nil || !reflect.DeepEqual(kept, [][][]byte{said.Wire}) {
		t.Fatalf("catch-up answers with %q, %v", kept, err)
	}
	var txt, js bytes.Buffer
	if err := Write(&txt, rs, FormatText); err != nil {
		t.Fatal(err)
	}
	if err := Write(&js, rs[2:], FormatJSON); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(txt.String(), "📢 Ms Lee: Open chapter 3") || !strings.Contains(txt.String(), "Ms Lee (presenter): Yes, chapter 3 only.") ||
		!strings.Contains(txt.String(), "Bob: Chapter 3 only?") {
		t.Fatalf("text export:\n%s", txt.String())
	}
	var row map[string]any
	if err := json.Unmarshal(js.Bytes(), &row); err != nil || row["kind"] != "message" || row["presenter"] != true {
		t.Fatalf("json export %s: %v", js.String(), err)
	}
}
