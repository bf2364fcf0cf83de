package reliable

import (
	"slices"
	"unicode/utf8"

	"github.com/groupcast/groupcast/netconf/wire"
)

// hold keeps d for delivery, within the budget.
func (s *Stream) hold(seq uint64, d Held) bool {
	if !s.charge(heldCost(d)) {
		return false
	}
	s.held[seq] = d
	s.heldGen++
	if !s.lowStale && (s.low == 0 || seq < s.low) {
		s.low = seq
	}
	return true
}

// take removes seq from held.
func (s *Stream) take(seq uint64) {
	d, ok := s.held[seq]
	if !ok {
		return
	}
	delete(s.held, seq)
	s.heldGen++
	if seq == s.low {
		s.lowStale = true
	}
	s.uncharge(heldCost(d))
}

// Release gives back everything held (the sender is gone).
func (s *Stream) Release() {
	for seq := range s.held {
		s.take(seq)
	}
	s.dropPartial()
}

// lowestHeld is the smallest seq held, or seq when nothing is. A sender
// not yet synced may hold thousands, and each of its datagrams asks: the
// answer is kept up to date as data is held, and found again by a walk
// only after the lowest was taken.
func (s *Stream) lowestHeld(seq uint64) uint64 {
	if s.lowStale {
		s.low, s.lowStale = 0, false
		for h := range s.held {
			if s.low == 0 || h < s.low {
				s.low = h
			}
		}
	}
	if s.low == 0 {
		return seq
	}
	return min(s.low, seq)
}

// deliverReady moves contiguous data from held to out, reassembling
// fragments.
func (s *Stream) deliverReady(out []Delivery) []Delivery {
	for {
		d, ok := s.held[s.expected]
		if !ok {
			return out
		}
		s.take(s.expected)
		seq := s.expected
		s.expected++
		out = s.accept(seq, d, out)
	}
}

// giveUpBefore stops waiting for anything below to: what is held there is
// delivered, each gap is declared lost, and delivery goes on from to. Its
// cost follows what is held, never the distance to to, which a datagram
// may claim.
func (s *Stream) giveUpBefore(to uint64, out []Delivery) []Delivery {
	if !s.synced {
		// Where the stream began was never learnt (its control datagrams
		// were lost): it begins with what is held, and nothing before that
		// is called lost.
		out = s.sync(s.lowestHeld(to), out)
	}
	if to <= s.expected {
		return out
	}
	below := make([]uint64, 0, len(s.held))
	for seq := range s.held {
		if seq >= s.expected && seq < to {
			below = append(below, seq)
		}
	}
	slices.Sort(below)
	for _, seq := range below {
		if seq > s.expected {
			out = s.lose(wire.Range{First: s.expected, Last: seq - 1}, out)
		}
		d := s.held[seq]
		s.take(seq)
		s.expected = seq + 1
		out = s.accept(seq, d, out)
	}
	if to > s.expected {
		out = s.lose(wire.Range{First: s.expected, Last: to - 1}, out)
	}
	return s.deliverReady(out)
}

// lose reports a gap; a message with a piece in it cannot be shown.
func (s *Stream) lose(r wire.Range, out []Delivery) []Delivery {
	s.dropPartial()
	s.expected = r.Last + 1
	return append(out, Delivery{Lost: &r})
}

// reassembly collects the fragments of one message, which arrive in order.
type reassembly struct {
	firstSeq uint64
	count    uint16
	next     uint16
	time     int64
	nick     string
	text     []byte
	signed   bool
	message  bool
	refused  bool
	wire     [][]byte // the pieces' datagrams, when kept (Held.Wire)
}

// dropPartial forgets the message being reassembled.
func (s *Stream) dropPartial() {
	if s.partial != nil {
		s.uncharge(cap(s.partial.text) + wireCost(s.partial.wire))
		s.partial = nil
	}
}

// accept hands on the datagram seq, whole or as a piece of a message.
func (s *Stream) accept(seq uint64, d Held, out []Delivery) []Delivery {
	if d.Frag.Count == 0 {
		s.dropPartial()
		if !utf8.Valid(d.Body) { // Decode refuses these; never show one anyway
			return append(out, Delivery{Lost: &wire.Range{First: seq, Last: seq}})
		}
		dl := Delivery{Seq: seq, Time: d.Time, Nick: d.Nick, Text: string(d.Body), Signed: d.Signed, Message: d.Message, Refused: d.Refused}
		if d.Wire != nil {
			dl.Wire = [][]byte{d.Wire}
		}
		return append(out, dl)
	}
	if d.Frag.Index == 0 {
		s.dropPartial()
		s.partial = &reassembly{firstSeq: seq, count: d.Frag.Count, time: d.Time, nick: d.Nick, signed: true}
	}
	r := s.partial
	if r == nil || r.count != d.Frag.Count || r.next != d.Frag.Index || len(r.text)+len(d.Body) > wire.MaxMessage {
		// A piece of a message whose start was lost (and reported), or a
		// sender that breaks the rules: nothing to show.
		s.dropPartial()
		return out
	}
	if need := len(r.text) + len(d.Body); need > cap(r.text) {
		// The buffer grows by doubling (at most to MaxMessage), and what
		// it takes counts against the budget.
		had := cap(r.text)
		r.text = slices.Grow(r.text, min(max(need, 2*had, 4096), wire.MaxMessage)-len(r.text))
		if !s.charge(cap(r.text) - had) {
			// Over budget (a flood of senders holds it): this message is
			// lost, and its remaining pieces are dropped as they come.
			r.text = r.text[:len(r.text):had]
			s.dropPartial()
			return append(out, Delivery{Lost: &wire.Range{First: r.firstSeq, Last: seq}})
		}
	}
	r.text = append(r.text, d.Body...)
	if d.Wire != nil {
		if !s.charge(len(d.Wire)) {
			s.dropPartial()
			return append(out, Delivery{Lost: &wire.Range{First: r.firstSeq, Last: seq}})
		}
		r.wire = append(r.wire, d.Wire)
	}
	r.signed, r.message = r.signed && d.Signed, r.message || d.Message // Delivery.Message
	r.refused = r.refused || d.Refused
	r.next++
	if r.next < r.count {
		return out
	}
	s.dropPartial()
	if !utf8.Valid(r.text) {
		return append(out, Delivery{Lost: &wire.Range{First: r.firstSeq, Last: seq}})
	}
	var w [][]byte
	if len(r.wire) == int(r.count) {
		w = r.wire
	}
	return append(out, Delivery{Seq: r.firstSeq, Time: r.time, Nick: r.nick, Text: string(r.text), Signed: r.signed, Message: r.message, Refused: r.refused, Wire: w})
}

// wireCost is what a message's kept datagrams count against the budget.
func wireCost(w [][]byte) int {
	n := 0
	for _, b := range w {
		n += len(b)
	}
	return n
}
