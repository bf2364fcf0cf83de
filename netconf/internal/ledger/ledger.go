// Package ledger is the one account every capability keeps of the
// computers it hears: what each may still cost us (new members, new files
// offered, repairs, answers to asks for earlier messages: purses), what
// each holds now (members, bytes waiting for delivery, files coming in:
// tallies), and the datagrams refused. Parts charge a computer (the
// sender's address, or a bridge's label for one elsewhere, never the
// bridge itself) through one table, so what a "computer" is and when it
// floods is decided in one place, and counts cannot disagree between
// features.
//
// A purse is a token bucket per computer, and optionally one for all of
// them: a charge is taken only when both allow it (the computer's first,
// then everyone's), as quic-go charges a stream's window, then the
// connection's. The table of computers is bounded; past the bound the
// one heard least recently is forgotten, and starts again from a full
// purse when heard again.
package ledger

import (
	"net/netip"
	"time"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/refusal"
)

// MaxHosts bounds the computers accounted for: more than a school's
// network holds, few enough that a flood of forged addresses costs
// little memory (a few hundred bytes each).
const MaxHosts = 4096

// Allowance is a bucket's size and how it refills: with time, and with
// what the purse earns (Earn: repairs are paid from the data we sent).
type Allowance struct {
	Burst     float64 // tokens it holds when full
	PerSecond float64 // tokens earned each second
	PerEarned float64 // tokens per unit the purse earned; a new bucket earns from all earned before it
	Start     float64 // what a new bucket holds (0: Burst)
}

// Purse says what one kind of cost may reach: per computer, and, when
// All.Burst is set, for all computers together.
type Purse struct {
	Host Allowance
	All  Allowance
}

// PurseID names a purse opened in a ledger.
type PurseID int

type bucket struct {
	tokens float64
	at     time.Time
	earned float64 // the purse's earnings when last credited
	gen    uint32  // the opening of the purse it belongs to (a slot is reused after Close)
}

// take refills b to now (and to what the purse has earned) under a, and
// takes cost when it holds that much.
func (b *bucket) take(now time.Time, a Allowance, earned, cost float64, debit bool) bool {
	if b.at.IsZero() {
		b.tokens, b.at = a.Burst, now
		if a.Start > 0 {
			b.tokens = a.Start
		}
	}
	if d := now.Sub(b.at); d > 0 {
		b.tokens += d.Seconds() * a.PerSecond
		b.at = now
	}
	b.tokens = min(b.tokens+(earned-b.earned)*a.PerEarned, a.Burst)
	b.earned = earned
	if b.tokens < cost {
		return false
	}
	if debit {
		b.tokens -= cost
	}
	return true
}

type account struct {
	last    time.Time
	buckets []bucket // by PurseID
	held    []int    // by TallyID
	holding int      // all it holds, of every tally: never forgotten while > 0
}

// Ledger is one membership's accounts. It is the loop's: not safe for
// concurrent use.
type Ledger struct {
	purses  []Purse
	all     []bucket  // the purses' global buckets
	earned  []float64 // what each purse earned (Earn)
	gens    []uint32  // how often each slot was opened
	free    []PurseID // slots of closed purses
	caps    []int     // each tally's cap per computer
	hosts   map[netip.Addr]*account
	via     map[netip.Addr]netip.Addr // labels charged to the bridge that passed them (ChargeTo)
	max     int
	refused *refusal.Table[event.UnreadableReason]
}

// New is an empty ledger that accounts for at most maxHosts computers.
func New(maxHosts int) *Ledger {
	return &Ledger{hosts: map[netip.Addr]*account{}, via: map[netip.Addr]netip.Addr{}, max: max(maxHosts, 1), refused: refusal.New[event.UnreadableReason]()}
}

// Open adds a purse; parts open theirs when they are made, and one for
// what lives shorter than the membership (a file sent) is closed after.
func (l *Ledger) Open(p Purse) PurseID {
	if n := len(l.free); n > 0 {
		id := l.free[n-1]
		l.free = l.free[:n-1]
		l.purses[id], l.all[id], l.earned[id] = p, bucket{}, 0
		l.gens[id]++
		return id
	}
	l.purses = append(l.purses, p)
	l.all = append(l.all, bucket{})
	l.earned = append(l.earned, 0)
	l.gens = append(l.gens, 0)
	return PurseID(len(l.purses) - 1)
}

// Close frees purse id's slot for the next Open: the computers' buckets
// in it start again then.
func (l *Ledger) Close(id PurseID) { l.free = append(l.free, id) }

// Take charges host cost from purse id: only when the computer's bucket
// and the global one (if any) both hold it, and then from both.
func (l *Ledger) Take(now time.Time, host netip.Addr, id PurseID, cost float64) bool {
	p, e := l.purses[id], l.earned[id]
	b := &l.account(now, host).buckets[id]
	if b.gen != l.gens[id] {
		*b = bucket{gen: l.gens[id]} // a bucket of the slot's earlier purse
	}
	if !b.take(now, p.Host, e, cost, false) {
		return false // the computer's share first: one refused does not drain the others'
	}
	if p.All.Burst > 0 && !l.all[id].take(now, p.All, e, cost, true) {
		return false
	}
	return b.take(now, p.Host, e, cost, true)
}

// Give returns cost to host's bucket of purse id, and to the global one
// if any, as far as each holds: a charge taken for what did not happen
// after all (an answer not sent).
func (l *Ledger) Give(now time.Time, host netip.Addr, id PurseID, cost float64) {
	p, e := l.purses[id], l.earned[id]
	b := &l.account(now, host).buckets[id]
	if b.gen != l.gens[id] {
		*b = bucket{gen: l.gens[id]}
	}
	b.take(now, p.Host, e, 0, false) // refilled to now
	b.tokens = min(b.tokens+cost, p.Host.Burst)
	if p.All.Burst > 0 {
		g := &l.all[id]
		g.take(now, p.All, e, 0, false)
		g.tokens = min(g.tokens+cost, p.All.Burst)
	}
}

// Left is what the global bucket of purse id holds now (the whole burst
// for a purse without one).
func (l *Ledger) Left(now time.Time, id PurseID) float64 {
	p := l.purses[id]
	if p.All.Burst == 0 {
		return p.Host.Burst
	}
	b := &l.all[id]
	b.take(now, p.All, l.earned[id], 0, false)
	return b.tokens
}

// Earn adds n to what purse id has earned: its buckets gain PerEarned
// tokens for each.
func (l *Ledger) Earn(id PurseID, n float64) { l.earned[id] += n }

// Spend takes cost from the global bucket of purse id, as far as it
// goes (what was sent is spent, asked or not).
func (l *Ledger) Spend(now time.Time, id PurseID, cost float64) {
	b := &l.all[id]
	b.take(now, l.purses[id].All, l.earned[id], 0, false)
	b.tokens = max(b.tokens-cost, 0)
}

// account is host's account, opened (forgetting the computer heard least
// recently when the table is full) on first use.
func (l *Ledger) account(now time.Time, host netip.Addr) *account {
	host = l.payer(host)
	a := l.hosts[host]
	if a == nil {
		if len(l.hosts) >= l.max {
			l.forgetOldest()
		}
		a = &account{}
		l.hosts[host] = a
	}
	if len(a.buckets) < len(l.purses) {
		a.buckets = append(a.buckets, make([]bucket, len(l.purses)-len(a.buckets))...)
	}
	a.last = now
	return a
}

// forgetOldest forgets the computer heard least recently of those that
// hold nothing. It walks the table: it is full only under a flood. A
// table full of computers that hold something grows past its bound
// rather than lose what they hold: what they hold is bounded already
// (members by the member table, files coming in by their part), so the
// table is too.
func (l *Ledger) forgetOldest() {
	var oldest *account
	var addr netip.Addr
	for h, a := range l.hosts {
		if a.holding == 0 && (oldest == nil || a.last.Before(oldest.last)) {
			oldest, addr = a, h
		}
	}
	if oldest != nil {
		delete(l.hosts, addr)
	}
}

// Hosts is how many computers are accounted for.
func (l *Ledger) Hosts() int { return len(l.hosts) }

// Refuse counts a refused datagram; each reason is reported once per
// membership, a second after it first happened (Due), with the count so
// far and the member and computer it first concerned.
func (l *Ledger) Refuse(now time.Time, r event.UnreadableReason, peer string, host netip.Addr) *refusal.Entry {
	return l.refused.Note(now, r, peer, l.payer(host))
}

// RefuseSkewed is Refuse for the reasons that concern a clock: skew is
// how far ahead of ours (negative: behind) the datagram's stamp is.
func (l *Ledger) RefuseSkewed(now time.Time, r event.UnreadableReason, peer string, host netip.Addr, skew time.Duration) {
	if u := l.Refuse(now, r, peer, host); u.Count == 1 {
		u.Skew = skew
	}
}

// Due reports the refusals due, as Unreadable events.
func (l *Ledger) Due(now time.Time, emit func(event.Event)) {
	l.refused.Due(now, func(r event.UnreadableReason, u refusal.Entry) {
		emit(event.Unreadable{Reason: r, Count: u.Count, Peer: u.Peer, Host: u.Host, Skew: u.Skew})
	})
}

// NextDeadline is when the next refusal report is due (zero: none).
func (l *Ledger) NextDeadline() time.Time { return l.refused.NextDeadline() }
