package ledger

import (
	"net/netip"
	"time"
)

// A tally counts what a computer holds now, as a purse counts what it
// spent: the members it runs, the bytes its streams keep waiting for
// delivery, the files it is sending us. Each is held up to a cap per
// computer and given back when let go. A computer that holds anything
// is never forgotten by the table (so what it holds is always given back
// to the account it was taken from); those that hold nothing make room
// for new ones, the one heard least recently first.

// TallyID names a tally opened in a ledger.
type TallyID int

// OpenTally adds a tally of which one computer may hold at most perHost.
// Tallies live as long as the ledger.
func (l *Ledger) OpenTally(perHost int) TallyID {
	l.caps = append(l.caps, perHost)
	return TallyID(len(l.caps) - 1)
}

// Counter is one computer's count in one tally: parts keep it where they
// keep what it counts (a member, its stream) and hold and release
// through it, without looking the computer up again.
type Counter struct {
	a   *account
	cap int
	id  TallyID
}

// Counter is host's count in tally id, its account opened (or kept from
// being forgotten) at now.
func (l *Ledger) Counter(now time.Time, host netip.Addr, id TallyID) Counter {
	a := l.account(now, host)
	if len(a.held) < len(l.caps) {
		a.held = append(a.held, make([]int, len(l.caps)-len(a.held))...)
	}
	return Counter{a: a, cap: l.caps[id], id: id}
}

// Hold takes n more when the computer may hold them, and reports whether
// it did.
func (c Counter) Hold(n int) bool {
	h := &c.a.held[c.id]
	if *h+n > c.cap {
		return false
	}
	*h += n
	c.a.holding += n
	return true
}

// Release gives n back.
func (c Counter) Release(n int) {
	c.a.held[c.id] -= n
	c.a.holding -= n
}

// N is how much the computer holds of the tally.
func (c Counter) N() int { return c.a.held[c.id] }

// Holds is how much host holds of tally id (0 for a computer not in the
// table).
func (l *Ledger) Holds(host netip.Addr, id TallyID) int {
	if a := l.hosts[l.payer(host)]; a != nil && int(id) < len(a.held) {
		return a.held[id]
	}
	return 0
}
