package netconf

import (
	"github.com/groupcast/groupcast/netconf/wire"
	"net/netip"
	"slices"
	"time"
	"unicode/utf8"
)

// peer is what a member knows of another sender: presence, and the
// receive side of reliable delivery (in order, exactly once, with gaps
// repaired by NACK or declared lost).
type peer struct {
	id        wire.SenderID
	nick      string
	host      netip.Addr
	src       netip.AddrPort // where its datagrams come from (the sender socket)
	lastHeard time.Time

	synced   bool      // the start point is known
	syncBy   time.Time // deadline to pick a start point without a control datagram
	expected uint64    // next seq to deliver (before sync: where it may start at the earliest)
	highest  uint64    // highest seq known to exist
	held     map[uint64]heldData

	// The seqs a sender's datagrams claim are bounded by what it could
	// have sent: allowance grows at maxSendRate since claimAt.
	claimAt   time.Time
	allowance float64

	nackAt  time.Time // when to ask for what is missing; zero: nothing scheduled
	partial *reassembly

	heldGen    uint64 // changes whenever held does
	low        uint64 // the lowest seq held (0: none), unless lowStale
	lowStale   bool
	missingFor missingKey // missingWas is the gaps as of this
	missingWas []wire.Range

	budget    *heldBudget // the membership's, shared by all its peers (nil: unbounded)
	share     *hostShare  // this peer's computer's part of the membership
	bytes     int         // of the budget, held by this peer
	heldSince uint64      // budget tick when it began to hold memory
	spoke     bool        // a message of it was delivered: never evicted to make room
}

// A datagram's seq is a claim that the sender has sent that many
// datagrams. No sender goes faster than maxSendRate (a bare socket reaches
// about 100 000 datagrams/s on the machines measured), so a claim beyond
// it is a forgery: it would make receivers ask for, and then report lost,
// data that never existed.
const (
	maxSendRate = 200_000 // datagrams/s
	seqBurst    = 1024
)

// claim raises highest to seq when the sender could have reached it: by
// maxSendRate since its last claim (at most timeout's worth, as after that
// silence it is gone), or, on first contact, since it started (uptime in
// seconds on its own clock; negative when unknown: a DATA datagram).
func (p *peer) claim(now time.Time, seq uint64, uptime float64, timeout time.Duration) bool {
	if seq <= p.highest {
		return true
	}
	if p.claimAt.IsZero() {
		if uptime >= 0 && !plausibleStart(seq, uptime) {
			return false
		}
		p.allowance = seqBurst
	} else {
		p.allowance = min(p.allowance+now.Sub(p.claimAt).Seconds()*maxSendRate, seqBurst+timeout.Seconds()*maxSendRate)
		if float64(seq-p.highest) > p.allowance {
			return false
		}
		p.allowance -= float64(seq - p.highest)
	}
	p.claimAt = now
	p.highest = seq
	return true
}

// plausibleStart reports whether a sender that has run for uptime seconds
// could have reached seq.
func plausibleStart(seq uint64, uptime float64) bool {
	return float64(seq) <= seqBurst+uptime*maxSendRate
}

// MaxHeldBytes is the default bound of what a membership holds for later
// delivery (Timing.HeldBytes): data behind a gap and pieces of messages
// being reassembled, over all senders; past it new datagrams are dropped
// (and later repaired), so no flood of senders can grow memory without
// bound.
const MaxHeldBytes = 64 << 20

// hold keeps d for delivery, within the budget.
func (p *peer) hold(seq uint64, d heldData) bool {
	if !p.charge(heldCost(d)) {
		return false
	}
	p.held[seq] = d
	p.heldGen++
	if !p.lowStale && (p.low == 0 || seq < p.low) {
		p.low = seq
	}
	return true
}

// take removes seq from held.
func (p *peer) take(seq uint64) {
	d, ok := p.held[seq]
	if !ok {
		return
	}
	delete(p.held, seq)
	p.heldGen++
	if seq == p.low {
		p.lowStale = true
	}
	p.uncharge(heldCost(d))
}

// release gives back everything held (the peer is gone).
func (p *peer) release() {
	for s := range p.held {
		p.take(s)
	}
	p.dropPartial()
}

// dropPartial forgets the message being reassembled.
func (p *peer) dropPartial() {
	if p.partial != nil {
		p.uncharge(cap(p.partial.text))
		p.partial = nil
	}
}

type heldData struct {
	time   int64
	nick   string
	frag   wire.Frag
	body   []byte
	signed bool // the room's presenter signed it, verified
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
}

func newPeer(id wire.SenderID, now time.Time, src netip.AddrPort) *peer {
	return &peer{id: id, host: src.Addr(), src: src, lastHeard: now, held: map[uint64]heldData{}}
}

// missing lists the gaps between expected and highest (within the
// window), at most MaxNackRanges of them.
func (p *peer) missing(window uint64) []wire.Range {
	if !p.synced || p.highest < p.expected {
		return nil
	}
	// Walking the window costs up to its size in map lookups, and every
	// NACK overheard for this sender asks (a flood of them once cost the
	// loop all its time): the answer is kept until something it depends
	// on changes.
	key := missingKey{expected: p.expected, highest: p.highest, held: p.heldGen, window: window}
	if p.missingFor == key {
		return p.missingWas
	}
	p.missingFor, p.missingWas = key, p.walkMissing(window)
	return p.missingWas
}

// missingKey is what the gaps of a peer depend on.
type missingKey struct {
	expected, highest, held, window uint64
}

func (p *peer) walkMissing(window uint64) []wire.Range {
	last := min(p.highest, p.expected+window-1)
	var out []wire.Range
	for s := p.expected; s <= last && len(out) < wire.MaxNackRanges; s++ {
		if _, ok := p.held[s]; ok {
			continue
		}
		r := wire.Range{First: s, Last: s}
		for r.Last < last {
			if _, ok := p.held[r.Last+1]; ok {
				break
			}
			r.Last++
		}
		out = append(out, r)
		s = r.Last
	}
	return out
}

// covers reports whether the ranges of an overheard NACK include every
// range we are missing, so our own NACK would add nothing.
func covers(asked, want []wire.Range) bool {
	if len(want) == 0 {
		return false
	}
	for _, w := range want {
		ok := false
		for _, a := range asked {
			if a.First <= w.First && a.Last >= w.Last {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// delivery is what the peer hands the engine, in order: a message, or
// (lost set) a gap that cannot be repaired.
type delivery struct {
	msg  Message
	lost *wire.Range
}

// deliverReady moves contiguous data from held to out, reassembling
// fragments.
func (p *peer) deliverReady(now time.Time, out []delivery) []delivery {
	for {
		d, ok := p.held[p.expected]
		if !ok {
			return out
		}
		p.take(p.expected)
		seq := p.expected
		p.expected++
		out = p.accept(now, seq, d, out)
	}
}

// giveUpBefore stops waiting for anything below to: what is held there is
// delivered, each gap is declared lost, and delivery goes on from to. Its
// cost follows what is held, never the distance to to, which a datagram
// may claim.
func (p *peer) giveUpBefore(now time.Time, to uint64, out []delivery) []delivery {
	if to <= p.expected {
		return out
	}
	below := make([]uint64, 0, len(p.held))
	for s := range p.held {
		if s >= p.expected && s < to {
			below = append(below, s)
		}
	}
	slices.Sort(below)
	for _, s := range below {
		if s > p.expected {
			out = p.lose(wire.Range{First: p.expected, Last: s - 1}, out)
		}
		d := p.held[s]
		p.take(s)
		p.expected = s + 1
		out = p.accept(now, s, d, out)
	}
	if to > p.expected {
		out = p.lose(wire.Range{First: p.expected, Last: to - 1}, out)
	}
	return p.deliverReady(now, out)
}

// lose reports a gap; a message with a piece in it cannot be shown.
func (p *peer) lose(r wire.Range, out []delivery) []delivery {
	p.dropPartial()
	p.expected = r.Last + 1
	return append(out, delivery{lost: &r})
}

func (p *peer) accept(now time.Time, seq uint64, d heldData, out []delivery) []delivery {
	if d.frag.Count == 0 {
		p.dropPartial()
		if !utf8.Valid(d.body) { // Decode refuses these; never show one anyway
			return append(out, delivery{lost: &wire.Range{First: seq, Last: seq}})
		}
		m := p.message(seq, d.time, d.nick, d.body)
		m.Announcement = d.signed
		return append(out, delivery{msg: m})
	}
	if d.frag.Index == 0 {
		p.dropPartial()
		p.partial = &reassembly{firstSeq: seq, count: d.frag.Count, time: d.time, nick: d.nick, signed: true}
	}
	r := p.partial
	if r == nil || r.count != d.frag.Count || r.next != d.frag.Index || len(r.text)+len(d.body) > wire.MaxMessage {
		// A piece of a message whose start was lost (and reported), or a
		// sender that breaks the rules: nothing to show.
		p.dropPartial()
		return out
	}
	if need := len(r.text) + len(d.body); need > cap(r.text) {
		// The buffer grows by doubling (at most to MaxMessage), and what
		// it takes counts against the budget.
		had := cap(r.text)
		r.text = slices.Grow(r.text, min(max(need, 2*had, 4096), wire.MaxMessage)-len(r.text))
		if !p.charge(cap(r.text) - had) {
			// Over budget (a flood of senders holds it): this message is
			// lost, and its remaining pieces are dropped as they come.
			r.text = r.text[:len(r.text):had]
			p.dropPartial()
			return append(out, delivery{lost: &wire.Range{First: r.firstSeq, Last: seq}})
		}
	}
	r.text = append(r.text, d.body...)
	r.signed = r.signed && d.signed
	r.next++
	if r.next < r.count {
		return out
	}
	p.dropPartial()
	if !utf8.Valid(r.text) {
		rg := wire.Range{First: r.firstSeq, Last: seq}
		return append(out, delivery{lost: &rg})
	}
	m := p.message(r.firstSeq, r.time, r.nick, r.text)
	m.Announcement = r.signed
	return append(out, delivery{msg: m})
}

func (p *peer) message(seq uint64, t int64, nick string, body []byte) Message {
	return Message{From: nick, Sender: p.id, Seq: seq, Sent: time.UnixMicro(t), Text: string(body)}
}
