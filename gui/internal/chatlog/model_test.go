package chatlog

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
	"unsafe"
)

func TestModelDropsOldestTenth(t *testing.T) {
	m := NewModel(20)
	if _, ok := m.Last(); ok {
		t.Fatal("an empty log has a last entry")
	}
	for i := range 20 {
		if dropped := m.Add(Entry{Text: strconv.Itoa(i)}); dropped != 0 {
			t.Fatalf("entry %d dropped %d", i, dropped)
		}
	}
	if dropped := m.Add(Entry{Text: "20"}); dropped != 2 || m.Trimmed() != 2 || m.Len() != 19 {
		t.Fatalf("past max: dropped %d, trimmed %d, len %d", dropped, m.Trimmed(), m.Len())
	}
	last, _ := m.Last()
	before, _ := m.LastN(1)
	if m.At(0).Text != "2" || last.Text != "20" || before.Text != "19" {
		t.Fatalf("kept %q … %q, %q", m.At(0).Text, before.Text, last.Text)
	}
	if _, ok := m.LastN(19); ok {
		t.Fatal("LastN reaches before the oldest entry")
	}

	small := NewModel(5) // a tenth of 5 is 0: still drop one
	for i := range 6 {
		small.Add(Entry{Text: strconv.Itoa(i)})
	}
	if small.Len() != 5 || small.Trimmed() != 1 || small.At(0).Text != "1" {
		t.Fatalf("small log: len %d, trimmed %d, oldest %q", small.Len(), small.Trimmed(), small.At(0).Text)
	}
}

func TestSenderColourIsStable(t *testing.T) {
	seen := map[uint8]bool{}
	for _, nick := range []string{"Alice", "Bob", "Carol", "Dmitri", "Eun-ji", "Farid", "世界"} {
		c := SenderColour(nick)
		if c != SenderColour(nick) || int(c) >= len(darkPalette) {
			t.Fatalf("%s: colour %d", nick, c)
		}
		seen[c] = true
	}
	if len(seen) < 3 {
		t.Fatalf("seven names share %d colours", len(seen))
	}
}

// TestStampSaysTheDayWhenItIsAnother: messages from another day carry
// their date (history, a window left open overnight).
func TestStampSaysTheDayWhenItIsAnother(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.Local)
	for at, want := range map[time.Time]string{
		now.Add(-time.Hour):         "08:00:00",
		now.Add(-10 * time.Hour):    "29 Nov 23:00",
		now.AddDate(-1, 0, 0):       "30 Nov 2025 09:00",
		now.Add(-9*time.Hour + 1e9): "00:00:01",
	} {
		if got := Stamp(at, now); got != want {
			t.Errorf("Stamp(%v) = %q; want %q", at, got, want)
		}
	}
}

// TestShownCutsLongMessages: a row shows a long message's start, cut
// between characters, and says how much more there is.
func TestShownCutsLongMessages(t *testing.T) {
	if s := Shown("short"); s != "short" {
		t.Fatal(s)
	}
	long := strings.Repeat("é世", 1000) // 5 000 bytes
	s := Shown(long)
	head, tail, _ := strings.Cut(s, "… [")
	if !utf8.ValidString(s) || len(head) > ShownMax || !strings.HasPrefix(long, head) ||
		!strings.HasPrefix(tail, fmt.Sprint(utf8.RuneCountInString(long[len(head):]))+" more characters") {
		t.Fatalf("shown: %q…%q", head[:10], tail)
	}
}

// TestModelBlocks: the log keeps its entries in blocks; trimming drops
// the oldest tenth and frees the blocks only they used, and every index
// still finds its entry, in order.
func TestModelBlocks(t *testing.T) {
	const max = 3*chunk + 100
	m := NewModel(max)
	at := time.Date(2026, 11, 30, 9, 0, 0, 123, time.Local)
	total := 5*max + 7
	for i := range total {
		m.Add(Entry{At: at.Add(time.Duration(i) * time.Second), Kind: Message, From: fmt.Sprintf("user%d", i%3), Text: fmt.Sprint(i), Colour: uint8(i % 7)})
		if m.Len() > max {
			t.Fatalf("after %d: %d entries kept, max %d", i+1, m.Len(), max)
		}
		if len(m.chunks) > max/chunk+2 {
			t.Fatalf("after %d: %d blocks held for %d entries", i+1, len(m.chunks), m.Len())
		}
	}
	if m.Len()+m.Trimmed() != total {
		t.Fatalf("kept %d + trimmed %d != %d", m.Len(), m.Trimmed(), total)
	}
	for i := 0; i < m.Len(); i++ {
		n := m.Trimmed() + i
		e := m.At(i)
		if e.Text != fmt.Sprint(n) || e.From != fmt.Sprintf("user%d", n%3) || e.Colour != uint8(n%7) || e.Kind != Message ||
			!e.At.Equal(at.Add(time.Duration(n)*time.Second)) {
			t.Fatalf("entry %d is %+v, want message %d", i, e, n)
		}
	}
	if last, ok := m.Last(); !ok || last.Text != fmt.Sprint(total-1) {
		t.Fatalf("last %+v", last)
	}
	if i, matches, ok := m.Find(fmt.Sprint(total-2), m.Len()); !ok || matches != 1 || m.At(i).Text != fmt.Sprint(total-2) {
		t.Fatalf("find: %d %d %v", i, matches, ok)
	}
	// The entries before the kept ones were cleared, so their texts can go.
	if m.head == 0 {
		t.Fatal("the test should leave dropped entries in the first block")
	}
	if s := m.chunks[0][m.head-1]; s.text != "" || s.from != "" {
		t.Fatalf("a dropped entry still holds %q from %q", s.text, s.from)
	}
}

func TestModelSharesNames(t *testing.T) {
	m := NewModel(10)
	a, b := strings.Clone("Streamer"), strings.Clone("Streamer")
	m.Add(Entry{From: a})
	m.Add(Entry{From: b})
	if unsafe.StringData(m.At(0).From) != unsafe.StringData(m.At(1).From) {
		t.Fatal("two messages from one sender keep two copies of the name")
	}
}

// TestModelPrepend: earlier history goes in front of the oldest entry,
// a block more when the first is full, never past the bound; and an
// entry is found by the history row it was kept as.
func TestModelPrepend(t *testing.T) {
	m := NewModel(3*chunk + 10)
	for i := range chunk + 5 {
		m.Add(Entry{Text: fmt.Sprint("live ", i), ID: int64(100_000 + i)})
	}
	var page []Entry
	for i := range chunk + 7 { // more than a block: two blocks more in front
		page = append(page, Entry{Text: fmt.Sprint("old ", i), ID: int64(1 + i), Kind: System, Colour: 3})
	}
	if n := m.Prepend(page); n != len(page) {
		t.Fatalf("took %d of %d", n, len(page))
	}
	if m.Len() != 2*chunk+12 || m.At(0).Text != "old 0" || m.At(chunk+6).Text != fmt.Sprint("old ", chunk+6) ||
		m.At(chunk+7).Text != "live 0" || m.At(0).Kind != System || m.At(0).Colour != 3 {
		t.Fatalf("after prepend: len %d, %q … %q, %q", m.Len(), m.At(0).Text, m.At(chunk+6).Text, m.At(chunk+7).Text)
	}
	m.Add(Entry{Text: "after"})
	if last, _ := m.Last(); last.Text != "after" {
		t.Fatalf("last %q", last.Text)
	}
	if unsafe.Sizeof(stored{}) != 48 {
		t.Fatalf("an entry takes %d bytes", unsafe.Sizeof(stored{}))
	}
	if i := m.IndexOf(5); i != 4 || m.At(i).Text != "old 4" {
		t.Fatalf("IndexOf(5) = %d", i)
	}
	if i := m.IndexOf(100_003); m.At(i).Text != "live 3" {
		t.Fatalf("IndexOf(100003) = %d", i)
	}
	if m.IndexOf(0) != -1 || m.IndexOf(77_777) != -1 {
		t.Fatal("IndexOf finds what is not there")
	}
	m.Add(Entry{Text: "far", ID: 1<<32 + 5}) // past 32 bits: kept without its id
	if m.IndexOf(1<<32+5) != -1 || m.IndexOf(5) != 4 {
		t.Fatal("a row id past 32 bits is taken for another")
	}
	if last, _ := m.Last(); last.ID != 0 || last.Text != "far" {
		t.Fatalf("last %+v", last)
	}
	// The bound: only the newest of a page that does not fit.
	room := 3*chunk + 10 - m.Len()
	page = page[:0]
	for i := range room + 5 {
		page = append(page, Entry{Text: fmt.Sprint("older ", i)})
	}
	if n := m.Prepend(page); n != room || m.At(0).Text != "older 5" || m.Len() != 3*chunk+10 {
		t.Fatalf("at the bound: took %d of %d (room %d), first %q", n, len(page), room, m.At(0).Text)
	}
	if m.Prepend(page) != 0 {
		t.Fatal("a full log took more")
	}
	// Forgetting the oldest: not a trim.
	m.DropOldest(room + chunk + 7)
	if m.Trimmed() != 0 || m.At(0).Text != "live 0" {
		t.Fatalf("after DropOldest: trimmed %d, first %q", m.Trimmed(), m.At(0).Text)
	}
	m.Clear()
	if m.Len() != 0 || m.IndexOf(100_003) != -1 {
		t.Fatal("Clear kept entries")
	}
	m.Prepend([]Entry{{Text: "a"}, {Text: "b"}}) // into an empty log, then appended to
	m.Add(Entry{Text: "c"})
	if m.Len() != 3 || m.At(0).Text != "a" || m.At(1).Text != "b" || m.At(2).Text != "c" {
		t.Fatalf("prepend to an empty log: %q %q %q", m.At(0).Text, m.At(1).Text, m.At(2).Text)
	}
}
