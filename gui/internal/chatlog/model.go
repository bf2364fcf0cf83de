// Package chatlog is the window's message log: the bounded list of lines
// (Model) and the widget that shows it (View), a virtualized list that
// follows new lines unless the user has scrolled up. It also holds the
// sender palette, so a person's colour is the same wherever their name
// is drawn.
package chatlog

import (
	"hash/fnv"
	"math"
	"strings"
	"time"
)

// MaxEntries bounds the message log; past it the oldest tenth is dropped
// at once (Model.Trimmed counts them), so memory stays bounded however
// long the window stays open.
const MaxEntries = 100_000

// MaxEntriesKept bounds the log when its conversation is kept in a
// history: what the log drops is in the store, and comes back as the
// user scrolls up (or by searching); 100 000 lines of a flood cost some
// 11 MB more than 20 000.
const MaxEntriesKept = 20_000

// Kind says how a log line is drawn.
type Kind uint8

const (
	Message Kind = iota // someone else's message, in their colour
	Own                 // our own message, tinted
	System              // what happened, muted
	Warning             // something to know, marked ⚠
	Error               // something failed, marked ✖
)

// Entry is one line of the log.
type Entry struct {
	At     time.Time
	Kind   Kind
	From   string
	Text   string
	Colour uint8 // index into the sender palette (SenderColour)
	// ID is the history row the line was kept as (internal/history), 0
	// when none: a search of the history finds the line by it.
	ID int64
}

// stored is an Entry as the log keeps it: 48 bytes instead of 80 (the
// time as Unix nanoseconds, the history row's id in 32 bits), so 100 000
// lines take 4.8 MB plus their texts.
type stored struct {
	at     int64
	from   string
	text   string
	id     uint32 // 0 also for a row past 4 294 967 295: Model.IndexOf does not find it
	kind   Kind
	colour uint8
}

// chunk is how many entries one block of the log holds. The log grows a
// block at a time, never by doubling one slice (which left up to a third
// of it empty, and held the old and the new copy at once while growing),
// and trimming drops whole blocks from the front.
const chunk = 4096

// Model is the log's data, owned by the UI goroutine.
type Model struct {
	chunks  [][]stored // each of capacity chunk; the last one may be partly filled
	head    int        // entries of chunks[0] already dropped
	n       int        // entries kept
	max     int
	trimmed int // entries dropped so far
	names   [64]string
}

// NewModel returns an empty log that keeps at most max entries.
func NewModel(max int) *Model { return &Model{max: max} }

// SetMax changes the bound, dropping the oldest entries beyond it
// (counted in Trimmed).
func (m *Model) SetMax(max int) {
	m.max = max
	if over := m.n - max; over > 0 {
		m.drop(over)
	}
}

// Len is the number of entries in the log.
func (m *Model) Len() int { return m.n }

func (m *Model) slot(i int) *stored {
	j := m.head + i
	return &m.chunks[j/chunk][j%chunk]
}

// Find is the entry nearest before index from (backwards: older) whose
// text or sender contains query, ignoring case, wrapping round to the
// newest; and how many entries match in all. ok is false when none does.
func (m *Model) Find(query string, from int) (at, matches int, ok bool) {
	q := strings.ToLower(query)
	if q == "" {
		return 0, 0, false
	}
	at = -1
	n := m.n
	for k := 1; k <= n; k++ {
		i := ((from-k)%n + n) % n
		e := m.slot(i)
		if strings.Contains(strings.ToLower(e.text), q) || strings.Contains(strings.ToLower(e.from), q) {
			matches++
			if at < 0 {
				at = i
			}
		}
	}
	return at, matches, at >= 0
}

// At returns entry i, 0 being the oldest kept.
func (m *Model) At(i int) Entry {
	s := m.slot(i)
	return Entry{At: time.Unix(0, s.at), Kind: s.kind, From: s.from, Text: s.text, Colour: s.colour, ID: int64(s.id)}
}

// IndexOf is the index of the newest entry kept as history row id (-1:
// none).
func (m *Model) IndexOf(id int64) int {
	if id <= 0 || id > math.MaxUint32 {
		return -1
	}
	for i := m.n - 1; i >= 0; i-- {
		if m.slot(i).id == uint32(id) {
			return i
		}
	}
	return -1
}

// Last returns the newest entry, if any.
func (m *Model) Last() (Entry, bool) { return m.LastN(0) }

// LastN returns the entry back places before the newest, if any.
func (m *Model) LastN(back int) (Entry, bool) {
	i := m.n - 1 - back
	if i < 0 {
		return Entry{}, false
	}
	return m.At(i), true
}

// Trimmed is how many entries were dropped so far to stay within max.
func (m *Model) Trimmed() int { return m.trimmed }

// Add appends e and reports how many old entries were dropped to make
// room (0 almost always).
func (m *Model) Add(e Entry) (dropped int) {
	if m.n >= m.max {
		dropped = max(m.max/10, 1)
		m.drop(dropped)
	}
	last := len(m.chunks) - 1
	if last < 0 || len(m.chunks[last]) == chunk {
		m.chunks = append(m.chunks, make([]stored, 0, chunk))
		last++
	}
	m.chunks[last] = append(m.chunks[last], m.store(e))
	m.n++
	return dropped
}

func (m *Model) store(e Entry) stored {
	id := uint32(0)
	if e.ID > 0 && e.ID <= math.MaxUint32 {
		id = uint32(e.ID)
	}
	return stored{at: e.At.UnixNano(), id: id, from: m.intern(e.From), text: e.Text, kind: e.Kind, colour: e.Colour}
}

// Prepend puts es (oldest first) before the oldest entry: earlier
// history, as the user scrolls up to it. It takes only what fits under
// the log's bound, the newest of es first, and returns how many it took.
func (m *Model) Prepend(es []Entry) int {
	k := min(len(es), m.max-m.n)
	if k <= 0 {
		return 0
	}
	es = es[len(es)-k:]
	for m.head < k { // a block more in front
		m.chunks = append([][]stored{make([]stored, chunk)}, m.chunks...)
		m.head += chunk
	}
	m.head -= k
	m.n += k
	for i, e := range es {
		*m.slot(i) = m.store(e)
	}
	return k
}

// DropOldest forgets the oldest k entries (forgotten history); unlike
// the bound's trimming it is not counted in Trimmed.
func (m *Model) DropOldest(k int) {
	k = min(max(k, 0), m.n)
	m.drop(k)
	m.trimmed -= k
}

// Clear empties the log (another conversation is shown).
func (m *Model) Clear() {
	m.chunks, m.head, m.n = nil, 0, 0
}

// drop forgets the oldest k entries, and the blocks that held only them.
func (m *Model) drop(k int) {
	for i := range k {
		*m.slot(i) = stored{} // the texts can go before their block does
	}
	m.head += k
	m.n -= k
	m.trimmed += k
	full := m.head / chunk
	clear(m.chunks[:full])
	m.chunks = m.chunks[full:]
	m.head %= chunk
}

// intern gives the same name the same string, so a sender's thousand
// messages keep one copy of their name, not a thousand. It remembers
// at most 64 names; a name that is not there is stored as it is.
func (m *Model) intern(name string) string {
	h := uint32(2166136261) // FNV-1a, without an allocation
	for i := 0; i < len(name); i++ {
		h = (h ^ uint32(name[i])) * 16777619
	}
	k := h % uint32(len(m.names))
	if m.names[k] == name {
		return m.names[k]
	}
	m.names[k] = name
	return name
}

// SenderColour picks a stable palette index for a nickname, so a person
// keeps their colour across messages and rejoins.
func SenderColour(nick string) uint8 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(nick))
	return uint8(h.Sum32() % uint32(len(darkPalette)))
}
