// Package presence is the table of the other members of a membership:
// who each is (sender id, nickname, the socket it sends from), when it was
// last heard, and the receive side of its stream; and the ids that said
// goodbye lately. What each computer may run and hold (members, the pace
// of new ones, bytes waiting for delivery) is charged to the membership's
// ledger, beside everything else a computer costs. It decides who may
// join the table and who gives way (docs/SECURITY.md, "Limits against
// hostile input"), given the time, and never imports the engine.
package presence

import (
	"cmp"
	"iter"
	"maps"
	"net/netip"
	"slices"
	"time"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/ledger"
	"github.com/groupcast/groupcast/netconf/internal/reliable"
	"github.com/groupcast/groupcast/netconf/wire"
)

// Limits bound the table.
type Limits struct {
	MaxPeers        int // members tracked; past it, ones that never spoke make room
	MaxPeersPerHost int // members from one computer; its new ones are refused past it
	HeldPerHost     int // bytes the streams of one computer's members may hold for later delivery
}

// hostAdmitRate is how many new sender ids a second one computer may add
// once its burst (MaxPeersPerHost) is spent: enough for programs started
// and restarted by hand or by a script, too few for a flood of ids that
// join and leave at once to flood the user with join and leave lines.
const hostAdmitRate = 4

// Peer is another member of the group as the table knows it; the
// engine shows it to its user as a netconf.Peer.
type Peer struct {
	ID        wire.SenderID
	Nick      string
	Host      netip.Addr
	Src       netip.AddrPort // the socket its datagrams come from: its id is bound to it
	LastHeard time.Time
	Spoke     bool // a message of it was delivered: never evicted to make room
	Presenter bool // an announcement of it verified with the room's presenter key
	Stream    *reliable.Stream
	Repairs   RepairTimer    // how long its repairs take to come
	seat      ledger.Counter // its place among its computer's members

	// What its stamps tell: the latest send time (µs on its clock), and
	// the least of (taken in − sent), its clock's offset from ours plus
	// the shortest delay. Their sum says when its latest datagram left,
	// on our clock, however long it waited in queues (SentSince).
	lastSent int64
	offset   int64
	timed    bool
}

// Heard notes a datagram of the member, stamped sent (µs on its clock),
// taken in at now.
func (m *Peer) Heard(now time.Time, sent int64) {
	m.LastHeard = now
	const limit = 1 << 62 // an attacker's stamp cannot overflow what follows
	sent = max(min(sent, limit), -limit)
	d := now.UnixMicro() - sent
	if !m.timed {
		m.lastSent, m.offset, m.timed = sent, d, true
		return
	}
	m.lastSent, m.offset = max(m.lastSent, sent), min(m.offset, d)
}

// SentSince reports whether the member sent a datagram after at, on our
// clock, as far as its stamps tell. A clock that drifts or steps back
// only makes it later: lingering then waits until its LingerMax.
func (m *Peer) SentSince(at time.Time) bool {
	return m.timed && m.lastSent+m.offset > at.UnixMicro()
}

// SentAfter reports whether a datagram of the member stamped sent (µs on
// its clock) left after at, on our clock, as far as its stamps tell.
func (m *Peer) SentAfter(sent int64, at time.Time) bool {
	return m.timed && sent+m.offset > at.UnixMicro()
}

// View is the member as the roster shows it.
func (m *Peer) View() event.Peer {
	return event.Peer{ID: m.ID, Nick: m.Nick, Host: m.Host, LastHeard: m.LastHeard, Presenter: m.Presenter}
}

// Label names a member for a sentence: "Alice (198.18.0.2)".
func (m *Peer) Label() string {
	if m.Host.IsValid() {
		return m.Nick + " (" + m.Host.String() + ")"
	}
	return m.Nick
}

// Verdict says whether a new sender id may join.
type Verdict int

// Verdicts of Admit.
const (
	Admitted Verdict = iota
	Crowded          // its computer has as many members as it may, or added them too fast
	Full             // the table is full of members who have spoken
)

// Table is the members of one membership.
type Table struct {
	members  map[wire.SenderID]*Peer
	departed map[wire.SenderID]time.Time // said LEAVE lately: ignored for a while
	resume   *reliable.ResumePoints      // where delivery stopped for ids no longer tracked
	budget   *reliable.Budget
	params   *reliable.Params
	limits   Limits

	ledger *ledger.Ledger
	seats  ledger.TallyID // members per computer
	held   ledger.TallyID // bytes its members' streams hold
	admits ledger.PurseID // new members per computer, at once and each second
}

// New makes an empty table whose streams share params and budget, and
// whose computers are charged to led.
func New(limits Limits, params *reliable.Params, budget *reliable.Budget, led *ledger.Ledger) *Table {
	return &Table{
		members: map[wire.SenderID]*Peer{}, departed: map[wire.SenderID]time.Time{},
		resume: reliable.NewResumePoints(limits.MaxPeers), budget: budget, params: params, limits: limits,
		ledger: led, seats: led.OpenTally(limits.MaxPeersPerHost), held: led.OpenTally(limits.HeldPerHost),
		admits: led.Open(ledger.Purse{Host: ledger.Allowance{Burst: float64(limits.MaxPeersPerHost), PerSecond: hostAdmitRate}}),
	}
}

// Get returns the member with id, or nil.
func (t *Table) Get(id wire.SenderID) *Peer { return t.members[id] }

// Len is how many members are tracked.
func (t *Table) Len() int { return len(t.members) }

// All is every member, in no order.
func (t *Table) All() iter.Seq[*Peer] { return maps.Values(t.members) }

// Departed reports whether id said LEAVE lately: its repeated LEAVEs and
// stragglers are not a new member.
func (t *Table) Departed(id wire.SenderID) bool {
	_, ok := t.departed[id]
	return ok
}

// Admit adds id, first heard at now from src, when its computer and the
// table have room. A full table makes room by evicting the member that
// never had a message delivered and was heard least recently (returned,
// already removed, for the caller to announce); a member who has spoken is
// never evicted.
func (t *Table) Admit(now time.Time, id wire.SenderID, nick string, src netip.AddrPort) (m, evicted *Peer, v Verdict) {
	host := src.Addr()
	seat := t.ledger.Counter(now, host, t.seats)
	if seat.N() >= t.limits.MaxPeersPerHost || !t.ledger.Take(now, host, t.admits, 1) {
		return nil, nil, Crowded
	}
	if len(t.members) >= t.limits.MaxPeers {
		if evicted = t.silentLongest(); evicted != nil {
			t.Remove(now, evicted, false)
		}
	}
	if len(t.members) >= t.limits.MaxPeers || !seat.Hold(1) {
		return nil, evicted, Full
	}
	m = &Peer{ID: id, Nick: nick, Host: host, Src: src, LastHeard: now, seat: seat,
		Stream: reliable.NewStream(t.params, t.budget, t.ledger.Counter(now, host, t.held), t.resume.Take(id))}
	t.members[id] = m
	return m, evicted, Admitted
}

// Remove forgets m: what its stream holds is given back, and where its
// delivery stopped is remembered, so it is never delivered twice if heard
// again. left says it said goodbye.
func (t *Table) Remove(now time.Time, m *Peer, left bool) {
	m.Stream.Release()
	delete(t.members, m.ID)
	m.seat.Release(1)
	if m.Stream.Synced() {
		t.resume.Put(m.ID, m.Stream.Expected())
	}
	if left {
		t.departed[m.ID] = now
	}
}

// Tidy forgets the ids that said LEAVE longer ago than twice the peer
// timeout.
func (t *Table) Tidy(now time.Time) {
	for id, at := range t.departed {
		if now.Sub(at) > 2*t.params.PeerTimeout {
			delete(t.departed, id)
		}
	}
}

// silentLongest is the member that never spoke and was heard least
// recently, or nil.
func (t *Table) silentLongest() *Peer {
	var victim *Peer
	for _, m := range t.members {
		if !m.Spoke && (victim == nil || m.LastHeard.Before(victim.LastHeard)) {
			victim = m
		}
	}
	return victim
}

// SilentHolders lists the members that never spoke and hold memory, but
// except, those that began to hold it first first: who gives way when the
// held-data budget is full (a fake sender whose messages never complete
// holds its pieces until it is evicted; a real member's message completes
// within moments).
func (t *Table) SilentHolders(except *reliable.Stream) []*Peer {
	var idle []*Peer
	for _, m := range t.members {
		if !m.Spoke && m.Stream.Bytes() > 0 && m.Stream != except {
			idle = append(idle, m)
		}
	}
	slices.SortFunc(idle, func(a, b *Peer) int { return cmp.Compare(a.Stream.HeldSince(), b.Stream.HeldSince()) })
	return idle
}

// Relieve frees room in a full held-data budget by evicting (evict) the
// members that never spoke and have held memory longest. It frees an
// eighth of the budget at once, so it runs rarely even under a flood.
func (t *Table) Relieve(need int, except *reliable.Stream, evict func(*Peer)) bool {
	goal := t.budget.Used() - t.budget.Limit() + max(need, t.budget.Limit()/8)
	freed := 0
	for _, pr := range t.SilentHolders(except) {
		if freed >= goal {
			break
		}
		freed += pr.Stream.Bytes()
		evict(pr)
	}
	return freed > 0
}

// AllHeardSince reports whether every member has sent something since
// at (SentSince: each has had the chance to hear what we sent until then).
// It goes by send times: a datagram that waited in our queues while we
// were busy says nothing about when it left.
func (t *Table) AllHeardSince(at time.Time) bool {
	for _, m := range t.members {
		if !m.SentSince(at) {
			return false
		}
	}
	return true
}

// RepairTimer estimates how long a repair takes to come from the member
// after we ask for it (a NACK out, its REPAIR in), as TCP estimates its
// round trip (RFC 6298): a smoothed time and its variation. Only a
// repair of what the latest ask named is timed, from that ask: after
// asking again it may answer the first ask, and so be timed short, but
// the wait never goes under its least (more than a sender's
// RepairLinger). Each ask again for the same waits half the estimate
// longer, until a repair of it comes: a path slower than the estimate is
// timed after a few asks, while a repair lost at random (most of them,
// on a LAN) is asked for again soon.
type RepairTimer struct {
	asked        time.Time // the latest ask, zero once answered
	lo, hi       uint64    // the seqs it named, first to last
	backoff      uint8
	srtt, rttvar time.Duration
}

// maxBackoff bounds the backing off (the wait is bounded anyway).
const maxBackoff = 16

// Asked notes a NACK sent at now for seqs lo to hi (and maybe fewer
// between).
func (r *RepairTimer) Asked(now time.Time, lo, hi uint64) {
	if !r.asked.IsZero() && lo <= r.hi && hi >= r.lo {
		r.backoff = min(r.backoff+1, maxBackoff) // asked again: unanswered
	} else {
		r.backoff = 0
	}
	r.asked, r.lo, r.hi = now, lo, hi
}

// Repaired notes a repair of seq taken in at now.
func (r *RepairTimer) Repaired(now time.Time, seq uint64) {
	if r.asked.IsZero() || seq < r.lo || seq > r.hi {
		return // repaired for another member's ask
	}
	sample := max(now.Sub(r.asked), 0)
	if r.srtt == 0 {
		r.srtt, r.rttvar = sample, sample/2
	} else {
		d := r.srtt - sample
		r.rttvar += (max(d, -d) - r.rttvar) / 4
		r.srtt += (sample - r.srtt) / 8
	}
	r.asked, r.backoff = time.Time{}, 0
}

// Wait is how long to wait for a repair before asking again: the
// estimate plus four times its variation (least until a repair was
// timed), at least least, and half of it more for each ask again for
// the same, at most most.
func (r *RepairTimer) Wait(least, most time.Duration) time.Duration {
	base := least
	if r.srtt != 0 {
		base = max(r.srtt+4*r.rttvar, least)
	}
	return min(base*time.Duration(2+r.backoff)/2, most)
}

// Departure is why a member is forgotten.
type Departure int

const (
	Left    Departure = iota // it said so
	Timeout                  // silent for the peer timeout
	Evicted                  // the table was full and it never spoke
)
