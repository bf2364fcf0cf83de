package files

import (
	"time"

	"github.com/groupcast/groupcast/netconf/wire"
)

// Sender is what a sender owes of one file: the first pass sends every
// block in order; after that, receivers' NACKs say how many blocks each
// group still needs, and the sender owes that many new parity blocks of
// the group (the most any receiver needs, not the sum: one parity block
// repairs a different lost block at each receiver). Parity goes first.
type Sender struct {
	offer wire.FileOffer
	start time.Time
	next  uint64  // the first pass's next block
	owed  []uint8 // repair blocks owed, per group
	// nextRepair is, per group, where its repairs go on: its parity
	// blocks in turn, then, once all were sent (a receiver that had
	// nothing of the group, or lost some of them), its blocks again,
	// then the parity again. A receiver never waits for a block it lacks
	// behind ones it has.
	nextRepair []uint16
	// When each group was last repaired (ms since start, +1; 0: never),
	// and with how many parity blocks, so a NACK sent before they arrived
	// does not make them owed twice.
	repairedAt []uint32
	repaired   []uint8
	sentAt     []uint32 // when the first pass sent a group's last block
	owing      uint64   // groups with parity owed
	scan       uint64   // where the search for owed groups resumes
	pass       uint16
	asked      uint64 // parity blocks owed since the pass began
}

// Sender timing (docs/FILES.md, "The sender").
const (
	// RepairInterval: a NACK within this time of a group's repair is
	// taken to have crossed it.
	RepairInterval = 15 * time.Millisecond
	// OverrunNeed is how many blocks of a group sent within OverrunWindow
	// a NACK must need to mean a receive buffer overflowed: 1% random
	// loss leaves a group of 128 short by 16 about once in 10^14.
	OverrunNeed   = 16
	OverrunWindow = 500 * time.Millisecond
)

// NewSender starts the first pass over the file o describes at now.
func NewSender(o wire.FileOffer, now time.Time) *Sender {
	g := o.Groups()
	return &Sender{offer: o, start: now, owed: make([]uint8, g), nextRepair: make([]uint16, g),
		repairedAt: make([]uint32, g), repaired: make([]uint8, g), sentAt: make([]uint32, g), pass: 1}
}

// Offer is the offer for the current pass (end marks its end).
func (s *Sender) Offer(end bool) wire.FileOffer {
	o := s.offer
	o.Pass, o.Flags = s.pass, 0
	if end {
		o.Flags = wire.FileEndOfPass
	}
	return o
}

// Pass is the current pass (from 1).
func (s *Sender) Pass() uint16 { return s.pass }

// SentGroups is how many groups the first pass has sent whole.
func (s *Sender) SentGroups() uint64 {
	if s.next >= s.offer.Blocks() {
		return s.offer.Groups()
	}
	return s.next / uint64(s.offer.Group)
}

// PassSent reports whether every block went once and nothing is owed.
func (s *Sender) PassSent() bool { return s.next >= s.offer.Blocks() && s.owing == 0 }

// NextPass starts another pass: in it only what NACKs ask for is sent.
func (s *Sender) NextPass() {
	if s.pass < 1<<16-1 {
		s.pass++
	}
	s.asked = 0
}

// AskedThisPass is how many parity blocks NACKs made owed in this pass.
func (s *Sender) AskedThisPass() uint64 { return s.asked }

func (s *Sender) ms(now time.Time) uint32 {
	d := now.Sub(s.start) / time.Millisecond
	return uint32(min(max(d, 0), 1<<32-2)) + 1
}

// Next is what to send now: an owed parity block first, else the first
// pass's next block. ok is false when nothing is owed and the first pass
// is over.
func (s *Sender) Next(now time.Time) (sh wire.FileShard, ok bool) {
	t := s.ms(now)
	groups := s.offer.Groups()
	for s.owing > 0 {
		if s.scan >= groups {
			s.scan = 0
		}
		g := s.scan
		if s.owed[g] == 0 {
			s.scan++
			continue
		}
		n, p := s.offer.GroupLen(g), s.offer.MaxParity(g)
		r := int(s.nextRepair[g])
		s.nextRepair[g] = uint16((r + 1) % (p + n))
		shard := n + r // a parity block
		if r >= p {
			shard = r - p // all parity sent: a block again
		}
		s.owed[g]--
		if s.repairedAt[g] != t {
			s.repairedAt[g], s.repaired[g] = t, 0
		}
		s.repaired[g]++
		if s.owed[g] == 0 {
			s.owing--
			s.scan++
		}
		return wire.FileShard{Group: g, Shard: shard, Parity: shard >= n}, true
	}
	if s.next < s.offer.Blocks() {
		i := s.next
		s.next++
		g := i / uint64(s.offer.Group)
		s.sentAt[g] = t
		return wire.FileShard{Group: g, Shard: int(i % uint64(s.offer.Group))}, true
	}
	return wire.FileShard{}, false
}

// Asked takes a FILE_NACK for this file: each group it speaks of is owed
// as many new parity blocks as the NACK needs (less what was repaired in
// the last RepairInterval, on its way). allow, when set, is asked before
// each group's parity is owed, with its count, and may refuse (a budget
// spent: the rest of the NACK is not taken either). It reports how many
// parity blocks became owed, and whether the NACK is the sign of an
// overrun: a group sent within OverrunWindow that needs OverrunNeed
// blocks or more.
func (s *Sender) Asked(n wire.FileNack, now time.Time, allow func(blocks int) bool) (owed int, overrun bool) {
	t := s.ms(now)
	groups := s.offer.Groups()
	sent := s.SentGroups()
	for k, need := range n.Needs[:min(len(n.Needs), wire.MaxFileNackGroups)] {
		g := n.Base + uint64(k)
		if g >= groups || g < n.Base { // beyond the file (or wrapped)
			break
		}
		if need == 0 || g >= sent && s.pass == 1 {
			continue // whole there, or not sent yet: the pass sends it
		}
		want := min(int(need), s.offer.GroupLen(g))
		if s.repairedAt[g] != 0 && t-s.repairedAt[g] < uint32(RepairInterval/time.Millisecond) {
			want -= int(s.repaired[g]) // crossed the repair on its way
		}
		if want > int(s.owed[g]) {
			if allow != nil && !allow(want-int(s.owed[g])) {
				break
			}
			if s.owed[g] == 0 {
				s.owing++
			}
			owed += want - int(s.owed[g])
			s.owed[g] = uint8(want)
		}
		if int(need) >= OverrunNeed && s.sentAt[g] != 0 && t-s.sentAt[g] <= uint32(OverrunWindow/time.Millisecond) {
			overrun = true
		}
	}
	s.asked += uint64(owed)
	return owed, overrun
}
