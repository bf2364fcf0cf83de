// Package chatlog is the window's message log: the bounded list of lines
// (Model) and the widget that shows it (View), a virtualized list that
// follows new lines unless the user has scrolled up. It also holds the
// sender palette, so a person's colour is the same wherever their name
// is drawn.
package chatlog

import (
	"hash/fnv"
	"strings"
	"time"
)

// MaxEntries bounds the message log; past it the oldest tenth is dropped
// at once (Model.Trimmed counts them), so memory stays bounded however
// long the window stays open.
const MaxEntries = 100_000

// Kind says how a log line is drawn.
type Kind uint8

const (
	Message Kind = iota // someone else's message, in their colour
	Own                 // our own message, tinted
	System              // what happened, muted
	Warning             // something to know, marked ⚠
	Error               // something failed, marked ✖
)

// Entry is one line of the log, kept small: 100 000 of them are a few
// megabytes plus their text.
type Entry struct {
	At     time.Time
	Kind   Kind
	From   string
	Text   string
	Colour uint8 // index into the sender palette (SenderColour)
}

// Model is the log's data, owned by the UI goroutine.
type Model struct {
	entries []Entry
	max     int
	trimmed int // entries dropped so far
}

// NewModel returns an empty log that keeps at most max entries.
func NewModel(max int) *Model { return &Model{max: max} }

// Len is the number of entries in the log.
func (m *Model) Len() int { return len(m.entries) }

// Find is the entry nearest before index from (backwards: older) whose
// text or sender contains query, ignoring case, wrapping round to the
// newest; and how many entries match in all. ok is false when none does.
func (m *Model) Find(query string, from int) (at, matches int, ok bool) {
	q := strings.ToLower(query)
	if q == "" {
		return 0, 0, false
	}
	at = -1
	n := len(m.entries)
	for k := 1; k <= n; k++ {
		i := ((from-k)%n + n) % n
		e := &m.entries[i]
		if strings.Contains(strings.ToLower(e.Text), q) || strings.Contains(strings.ToLower(e.From), q) {
			matches++
			if at < 0 {
				at = i
			}
		}
	}
	return at, matches, at >= 0
}

// At returns entry i, 0 being the oldest kept.
func (m *Model) At(i int) *Entry { return &m.entries[i] }

// Last returns the newest entry, if any.
func (m *Model) Last() (*Entry, bool) { return m.LastN(0) }

// LastN returns the entry back places before the newest, if any.
func (m *Model) LastN(back int) (*Entry, bool) {
	i := len(m.entries) - 1 - back
	if i < 0 {
		return nil, false
	}
	return &m.entries[i], true
}

// Trimmed is how many entries were dropped so far to stay within max.
func (m *Model) Trimmed() int { return m.trimmed }

// Add appends e and reports how many old entries were dropped to make
// room (0 almost always).
func (m *Model) Add(e Entry) (dropped int) {
	if len(m.entries) >= m.max {
		dropped = max(m.max/10, 1)
		n := copy(m.entries, m.entries[dropped:])
		clear(m.entries[n:])
		m.entries = m.entries[:n]
		m.trimmed += dropped
	}
	m.entries = append(m.entries, e)
	return dropped
}

// SenderColour picks a stable palette index for a nickname, so a person
// keeps their colour across messages and rejoins.
func SenderColour(nick string) uint8 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(nick))
	return uint8(h.Sum32() % uint32(len(darkPalette)))
}
