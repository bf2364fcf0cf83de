package netconf

import (
	"github.com/groupcast/groupcast/netconf/internal/catchup"
)

// Catch-up (docs/PROTOCOL.md, "Catch-up") is a part of its own
// (netconf/internal/catchup): a member that keeps history asks the group,
// when it joins, for what was said since; members that keep history
// answer from it.

// CatchUpSpan is how far back a member asks, at most (and how far back
// an answer reaches, whatever the ask says): a school day.
const CatchUpSpan = catchup.Span

// keepsHistory: the membership keeps what it receives and sends, to
// answer others' catch-up (messages then carry their datagrams).
func (m *session) keepsHistory() bool {
	return m.cfg.Archive != nil && !m.cfg.Plain && !m.cfg.SendOnly
}

// addCatchUp adds m's catch-up part: with an archive, it asks and
// answers; without, it reads what comes and ignores it.
func (e *Engine) addCatchUp(m *session) {
	var a Archive
	if m.keepsHistory() {
		a = m.cfg.Archive
	}
	m.parts.Add(catchup.New(m.env(e), catchup.Config{Archive: a, Judge: m.judge, Shown: m.class.Shown, Timing: catchup.DefaultTiming()}))
}
