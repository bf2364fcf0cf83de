// Package classroom is the bookkeeping of rooms with a presenter
// (docs/CLASSROOM.md): the presenter's recent announcements, who has
// acknowledged which, when to report it, and which announcements to pin
// for newcomers; and a member's side, which announcements it has shown and
// the receipts it owes. Given the time; it never imports the engine.
package classroom

import (
	"bytes"
	"cmp"
	"net/netip"
	"slices"
	"time"

	"github.com/groupcast/groupcast/netconf/internal/presence"
	"github.com/groupcast/groupcast/netconf/wire"
)

// Receipt reports are coalesced: members come, go and acknowledge in
// bursts (thirty PCs answer one announcement within 250 ms; a flood of
// fake members comes thousands at a time), and each report walks every
// member, so at most one report per announcement per ReportEvery is made,
// naming at most MaxMissing of those who have not received it and
// MaxHave of the computers that have.
const (
	ReportEvery = 250 * time.Millisecond
	MaxMissing  = 8
	MaxHave     = 64
)

// Bounds of the bookkeeping.
const (
	maxPinned        = 3
	maxAnnouncements = 16
	pinAfter         = 200 * time.Millisecond // one resend serves everyone joining meanwhile
)

// While a member present has not acknowledged an announcement (it was cut
// off when it went out, or its receipts were lost), the pinned
// announcements are sent again RepinFirst after the count showed it, then
// twice as long after each try, at most RepinMax apart.
const (
	RepinFirst = 2 * time.Second
	RepinMax   = 30 * time.Second
)

// Presenter is the presenter's side of a room.
type Presenter struct {
	announcements []announced // our recent announcements
	numbered      int         // announcements made so far
	pinned        [][]byte    // our recent single-datagram announcements, for newcomers
	pinAt         time.Time
	acks          map[wire.SenderID]uint64
	reported      map[uint64][2]int // per announcement: received, members, as last reported
	due, made     time.Time         // when to report (zero: nothing changed), when last done
	incomplete    bool              // the last count found a member without an announcement
	repinEvery    time.Duration     // the wait before the next try to reach it (RepinFirst, doubling)
}

// NewPresenter starts a presenter's bookkeeping.
func NewPresenter() *Presenter {
	return &Presenter{acks: map[wire.SenderID]uint64{}, reported: map[uint64][2]int{}}
}

// Announced notes an announcement sent at now whose first seq is first;
// dgram is its one datagram, kept for newcomers, or nil (in pieces: not
// pinned). A report follows at once: none of the members has it yet.
func (p *Presenter) Announced(now time.Time, first uint64, dgram []byte) {
	p.Changed(now)
	p.numbered++
	p.announcements = append(p.announcements, announced{seq: first, number: p.numbered})
	if len(p.announcements) > maxAnnouncements {
		p.announcements = p.announcements[1:]
	}
	if dgram != nil {
		p.pinned = append(p.pinned, dgram)
		if len(p.pinned) > maxPinned {
			p.pinned = p.pinned[1:]
		}
	}
}

// Newcomer notes that a member joined at now: the pinned announcements go
// out to it (and whoever else joins meanwhile) shortly.
func (p *Presenter) Newcomer(now time.Time) {
	if len(p.pinned) > 0 && p.pinAt.IsZero() {
		p.pinAt = now.Add(pinAfter)
	}
	p.Changed(now)
}

// PinnedDue returns the announcements to re-send, when due: for
// newcomers, or for members that have not acknowledged one.
func (p *Presenter) PinnedDue(now time.Time) [][]byte {
	if p.pinAt.IsZero() || now.Before(p.pinAt) {
		return nil
	}
	p.pinAt = time.Time{}
	if p.incomplete {
		p.repinEvery = min(2*p.repinEvery, RepinMax)
		p.pinAt = now.Add(p.repinEvery)
	}
	return p.pinned
}

// repinIfIncomplete starts (or, when everyone has everything, stops) the
// tries to reach members without an announcement, after a count.
func (p *Presenter) repinIfIncomplete(now time.Time, incomplete bool) {
	p.incomplete = incomplete && len(p.pinned) > 0
	switch {
	case !p.incomplete:
		if p.repinEvery != 0 { // a try was planned: nobody needs it now (a newcomer would)
			p.pinAt = time.Time{}
		}
		p.repinEvery = 0
	case p.repinEvery == 0:
		p.repinEvery = RepinFirst
		if p.pinAt.IsZero() {
			p.pinAt = now.Add(RepinFirst)
		}
	}
}

// Ack takes a receipt of from for our announcements up to seq.
func (p *Presenter) Ack(now time.Time, from wire.SenderID, seq uint64) {
	if seq > p.acks[from] {
		p.acks[from] = seq
		p.Changed(now)
	}
}

// Left forgets what a member that left acknowledged.
func (p *Presenter) Left(now time.Time, id wire.SenderID) {
	delete(p.acks, id)
	p.Changed(now)
}

// Changed notes that who has received what may have changed: a report
// follows at once or, after one, ReportEvery later.
func (p *Presenter) Changed(now time.Time) {
	if !p.due.IsZero() {
		return
	}
	p.due = p.made.Add(ReportEvery)
	if p.due.Before(now) {
		p.due = now
	}
}

// announced is one of our announcements: its first seq, and its place
// among our announcements (the presenter's messages in between are not
// counted).
type announced struct {
	seq    uint64
	number int
}

// Count is, for one announcement, how many of the members have it, and
// the first few of those who do not (by name). Number is its place
// among our announcements: 1 for the first.
type Count struct {
	Seq               uint64
	Number            int
	Received, Members int // computers
	People            int // members on them
	Missing, Have     []*presence.Peer
}

// byName is the first most of peers in the order of their names.
func byName(peers []*presence.Peer, most int) []*presence.Peer {
	slices.SortFunc(peers, func(a, b *presence.Peer) int {
		return cmp.Or(cmp.Compare(a.Nick, b.Nick), a.Host.Compare(b.Host), bytes.Compare(a.ID[:], b.ID[:]))
	})
	return slices.Clip(peers[:min(len(peers), most)])
}

// Report counts, when due, for each recent announcement how many of the
// members have received it, returning those whose count changed.
func (p *Presenter) Report(now time.Time, members *presence.Table) []Count {
	if p.due.IsZero() || now.Before(p.due) {
		return nil
	}
	p.due, p.made = time.Time{}, now
	var out []Count
	live := map[uint64][2]int{}
	incomplete := false
	for _, a := range p.announcements {
		seq := a.seq
		c := p.count(seq, members)
		c.Number = a.number
		incomplete = incomplete || c.Received < c.Members
		counts := [2]int{c.Received, c.Members}
		live[seq] = counts
		if p.reported[seq] == counts {
			continue
		}
		c.Missing = byName(c.Missing, MaxMissing)
		c.Have = byName(c.Have, MaxHave)
		out = append(out, c)
	}
	p.reported = live // announcements no longer tracked are forgotten
	p.repinIfIncomplete(now, incomplete)
	return out
}

// count is, for one announcement, how many computers have it: a computer
// counts once, however many members it runs, and has it when every member
// on it acknowledged it. So ids a student's PC makes up, acknowledging
// everything, count as that one PC, never as a class of their own; a
// receipt with a member's id from another computer was refused already
// (presence binds an id to its socket). Missing names the first member
// without it on each computer that lacks it, Have one member of each
// computer that has it; People is how many members the computers run.
func (p *Presenter) count(seq uint64, members *presence.Table) Count {
	type host struct {
		members, acked int
		first          *presence.Peer
	}
	hosts := map[netip.Addr]*host{}
	c := Count{Seq: seq}
	for m := range members.All() {
		h := hosts[m.Host]
		if h == nil {
			h = &host{first: m}
			hosts[m.Host] = h
		}
		h.members++
		c.People++
		if p.acks[m.ID] >= seq {
			h.acked++
		} else if h.members-h.acked == 1 { // the first of this computer's missing
			c.Missing = append(c.Missing, m)
		}
	}
	c.Members = len(hosts)
	for _, h := range hosts {
		if h.acked == h.members {
			c.Received++
			c.Have = append(c.Have, h.first)
		}
	}
	return c
}

// NextDeadline is when something is next due (zero: never).
func (p *Presenter) NextDeadline() time.Time {
	switch {
	case p.due.IsZero():
		return p.pinAt
	case p.pinAt.IsZero() || p.due.Before(p.pinAt):
		return p.due
	}
	return p.pinAt
}

// Student is a member's side of a room: the announcements it has shown
// and the receipt it owes.
type Student struct {
	shown map[wire.SenderID]map[uint64]bool
	to    wire.SenderID // the presenter the receipt is for
	seq   uint64        // the highest of its announcements shown
	at    time.Time     // when to send it
	left  int           // how many times more
}

// NewStudent starts a member's bookkeeping.
func NewStudent() *Student { return &Student{shown: map[wire.SenderID]map[uint64]bool{}} }

// Shown notes an announcement of presenter shown at now: a receipt goes
// out after delay (random, so thirty PCs do not answer at once) and once
// more a second later, one covering all shown so far.
func (s *Student) Shown(presenter wire.SenderID, seq uint64, now time.Time, delay time.Duration) {
	set := s.shown[presenter]
	if set == nil || len(set) > 256 {
		set = map[uint64]bool{}
		s.shown[presenter] = set
	}
	set[seq] = true
	s.to, s.seq = presenter, max(s.seq, seq)
	if s.at.IsZero() {
		s.at, s.left = now.Add(delay), 2
	}
}

// Seen reports whether the announcement was shown already.
func (s *Student) Seen(presenter wire.SenderID, seq uint64) bool { return s.shown[presenter][seq] }

// ReceiptDue returns the receipt to send now, if one is due.
func (s *Student) ReceiptDue(now time.Time) (to wire.SenderID, seq uint64, ok bool) {
	if s.at.IsZero() || now.Before(s.at) {
		return to, 0, false
	}
	s.at = time.Time{}
	if s.left--; s.left > 0 {
		s.at = now.Add(time.Second) // once more, in case the first is lost
	}
	return s.to, s.seq, true
}

// NextDeadline is when the next receipt is due (zero: none).
func (s *Student) NextDeadline() time.Time { return s.at }
