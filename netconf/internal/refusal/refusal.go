// Package refusal counts refused datagrams by reason and says when a
// reason is due to be reported: once per membership, ReportAfter after it
// first happened, with the count so far and whom it concerned first. The
// reasons are the engine's own, a fixed set: no datagram adds a key.
package refusal

import (
	"net/netip"
	"time"
)

// ReportAfter is how long after its first refusal a reason is reported,
// so the report carries a count rather than "1".
const ReportAfter = time.Second

// Entry is what is known of one reason.
type Entry struct {
	Count uint64
	First time.Time     // when it first happened
	Peer  string        // the member it first concerned, when known
	Host  netip.Addr    // the computer it first came from, when known
	Skew  time.Duration // for clock reasons: how far ahead of ours the first stamp was

	reported bool
}

// Table holds the reasons refused so far in one membership.
type Table[R comparable] struct {
	byReason map[R]*Entry
	order    []R // first refusal first, so reports come in a stable order
}

// New returns an empty table.
func New[R comparable]() *Table[R] { return &Table[R]{byReason: map[R]*Entry{}} }

// Note counts one refusal for r, and returns its entry; peer and host
// are kept from the first.
func (t *Table[R]) Note(now time.Time, r R, peer string, host netip.Addr) *Entry {
	e := t.byReason[r]
	if e == nil {
		e = &Entry{First: now, Peer: peer, Host: host}
		t.byReason[r] = e
		t.order = append(t.order, r)
	}
	e.Count++
	return e
}

// Due calls report for each reason that is due to be reported, once.
func (t *Table[R]) Due(now time.Time, report func(R, Entry)) {
	for _, r := range t.order {
		if e := t.byReason[r]; !e.reported && now.Sub(e.First) >= ReportAfter {
			e.reported = true
			report(r, *e)
		}
	}
}

// NextDeadline is when the next report is due; zero when none waits.
func (t *Table[R]) NextDeadline() time.Time {
	var next time.Time
	for _, r := range t.order {
		e := t.byReason[r]
		if at := e.First.Add(ReportAfter); !e.reported && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	return next
}
