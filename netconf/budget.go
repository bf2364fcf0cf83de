package netconf

import (
	"net/netip"
	"time"
)

// heldBudget bounds the memory a membership gives to what it holds for
// later delivery — datagrams waiting behind a gap, and the pieces of a
// message being put back together — over all senders, and per computer,
// so that neither fake senders nor one computer's flood can take it all.
// Past it, a datagram is dropped and asked for again later (held data) or
// its message is reported lost (pieces).
type heldBudget struct {
	used      int
	limit     int // over all senders
	hostLimit int // over the senders of one computer
	ticks     uint64

	// relieve, when set, is asked to free room when the budget is full:
	// it forgets senders that never spoke and have held memory longest
	// (a flood of fake senders whose messages never complete), never
	// except, and reports whether it freed any.
	relieve func(need int, except *peer) bool
}

// hostShare is what the senders of one computer use of a membership:
// entries in its table of peers, bytes of its budget, and the pace at
// which it may add new senders. It outlives the computer's last sender
// (so leaving and coming back does not reset the pace), and is forgotten
// when the table of computers is full and it holds nothing.
type hostShare struct {
	addr  netip.Addr
	peers int
	bytes int
	admit tokenBucket // new senders: a burst of MaxPeersPerHost, then hostAdmitRate a second
}

// hostAdmitRate is how many new sender ids a second one computer may add
// once its burst is spent: enough for programs started and restarted by
// hand or by a script, too few for a flood of ids that join and leave at
// once to flood the user with join and leave lines.
const hostAdmitRate = 4

// hostShare returns the share of the computer at addr, making it when
// there is room (nil when the table of computers is full of ones that
// still hold something).
func (m *member) hostShare(addr netip.Addr, limit int) *hostShare {
	if h := m.hosts[addr]; h != nil {
		return h
	}
	if len(m.hosts) >= limit {
		var idle *hostShare
		for _, h := range m.hosts {
			if h.peers == 0 && h.bytes == 0 && (idle == nil || h.admit.at.Before(idle.admit.at)) {
				idle = h
			}
		}
		if idle == nil {
			return nil
		}
		delete(m.hosts, idle.addr)
	}
	h := &hostShare{addr: addr}
	m.hosts[addr] = h
	return h
}

// heldCost is what holding d counts against the budget: its text and
// nickname, and about what the map entry and its header take.
func heldCost(d heldData) int { return len(d.body) + len(d.nick) + 64 }

// charge takes n bytes of the budget for p, or reports false when that
// would exceed p's computer's share, or the membership's budget even
// after relieving it.
func (p *peer) charge(n int) bool {
	b := p.budget
	if b == nil {
		return true
	}
	if p.share != nil && p.share.bytes+n > b.hostLimit {
		return false
	}
	if b.used+n > b.limit && (b.relieve == nil || !b.relieve(n, p) || b.used+n > b.limit) {
		return false
	}
	if p.bytes == 0 {
		b.ticks++
		p.heldSince = b.ticks
	}
	b.used += n
	p.bytes += n
	if p.share != nil {
		p.share.bytes += n
	}
	return true
}

// uncharge gives n bytes back.
func (p *peer) uncharge(n int) {
	if p.budget == nil {
		return
	}
	p.budget.used -= n
	p.bytes -= n
	if p.share != nil {
		p.share.bytes -= n
	}
}

// tokenBucket lets something happen at rate a second, burst at once.
type tokenBucket struct {
	tokens float64
	at     time.Time
}

// take spends cost when the bucket, refilled at rate up to burst, holds it.
func (b *tokenBucket) take(now time.Time, cost, rate, burst float64) bool {
	if b.at.IsZero() {
		b.tokens = burst
	} else {
		b.tokens = min(b.tokens+now.Sub(b.at).Seconds()*rate, burst)
	}
	b.at = now
	if b.tokens < cost {
		return false
	}
	b.tokens -= cost
	return true
}
