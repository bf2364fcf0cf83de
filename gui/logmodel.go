package gui

import (
	"hash/fnv"
	"time"
)

// MaxLogEntries bounds the message log; past it the oldest tenth is
// dropped at once (a system line says so), so memory stays bounded however
// long the window stays open.
const MaxLogEntries = 100_000

// entryKind says how a log line is drawn.
type entryKind uint8

const (
	kindMessage entryKind = iota
	kindOwn
	kindSystem
	kindWarning
	kindError
)

// logEntry is one line of the log, kept small: 100 000 of them are a few
// megabytes plus their text.
type logEntry struct {
	at     time.Time
	kind   entryKind
	from   string
	text   string
	colour uint8 // index into the sender palette
}

// logModel is the log's data, owned by the UI goroutine.
type logModel struct {
	entries []logEntry
	max     int
	trimmed int // entries dropped so far
}

func newLogModel(max int) *logModel { return &logModel{max: max} }

func (m *logModel) len() int                { return len(m.entries) }
func (m *logModel) at(i int) *logEntry      { return &m.entries[i] }
func (m *logModel) last() (*logEntry, bool) { return m.lastN(0) }

func (m *logModel) lastN(back int) (*logEntry, bool) {
	i := len(m.entries) - 1 - back
	if i < 0 {
		return nil, false
	}
	return &m.entries[i], true
}

// add appends e and reports how many old entries were dropped to make
// room (0 almost always).
func (m *logModel) add(e logEntry) (dropped int) {
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

// senderColour picks a stable palette index for a nickname, so a person
// keeps their colour across messages and rejoins.
func senderColour(nick string) uint8 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(nick))
	return uint8(h.Sum32() % uint32(len(darkPalette)))
}
