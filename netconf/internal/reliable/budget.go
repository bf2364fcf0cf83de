package reliable

// Budget bounds the memory a membership gives to what its streams hold
// for later delivery — datagrams waiting behind a gap, and the pieces of
// a message being put back together — over all senders; each stream is
// also charged to its computer's Share, so that neither fake senders nor
// one computer's flood can take it all. Past it, a datagram is not held and is asked for again later,
// or the message a piece belongs to is reported lost.
type Budget struct {
	used  int
	limit int // over all senders
	ticks uint64

	// Relieve, when set, is asked to free room when the budget is full:
	// it forgets senders that never spoke and have held memory longest
	// (a flood of fake senders whose messages never complete), never
	// except, and reports whether it freed any.
	Relieve func(need int, except *Stream) bool
}

// NewBudget makes a budget of limit bytes.
func NewBudget(limit int) *Budget { return &Budget{limit: limit} }

// Used is how much of the budget is held now.
func (b *Budget) Used() int { return b.used }

// Limit is the budget over all senders.
func (b *Budget) Limit() int { return b.limit }

// Share is what the streams of one computer hold, kept with what else
// the computer costs (the membership's ledger): Hold takes n more bytes
// when the computer may hold them, Release gives them back.
type Share interface {
	Hold(n int) bool
	Release(n int)
}

// heldCost is what holding d counts against the budget: its text and
// nickname, and about what the map entry and its header take.
func heldCost(d Held) int { return len(d.Body) + len(d.Nick) + len(d.Wire) + 64 }

// Bytes is how much of the budget the stream holds, and HeldSince when it
// began to (a budget tick: smaller is longer ago).
func (s *Stream) Bytes() int { return s.bytes }

// HeldSince is the budget tick at which the stream began to hold memory.
func (s *Stream) HeldSince() uint64 { return s.heldSince }

// charge takes n bytes of the budget, or reports false when that would
// exceed the computer's share, or the budget even after relieving it.
func (s *Stream) charge(n int) bool {
	b := s.budget
	if b == nil {
		return true
	}
	if s.share != nil && !s.share.Hold(n) {
		return false
	}
	if b.used+n > b.limit && (b.Relieve == nil || !b.Relieve(n, s) || b.used+n > b.limit) {
		if s.share != nil {
			s.share.Release(n)
		}
		return false
	}
	if s.bytes == 0 {
		b.ticks++
		s.heldSince = b.ticks
	}
	b.used += n
	s.bytes += n
	return true
}

// uncharge gives n bytes back.
func (s *Stream) uncharge(n int) {
	if s.budget == nil {
		return
	}
	s.budget.used -= n
	s.bytes -= n
	if s.share != nil {
		s.share.Release(n)
	}
}
