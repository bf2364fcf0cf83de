package chatlog

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
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
