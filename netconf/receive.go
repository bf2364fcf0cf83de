package netconf

import (
	"bytes"
	"cmp"
	"errors"
	"github.com/groupcast/groupcast/netconf/internal/seal"
	"github.com/groupcast/groupcast/netconf/wire"
	"net/netip"
	"slices"
	"time"
)

// receiveBatch handles datagrams a reader read together, then gives the
// batch back to it. Nothing of the batch's buffers is kept: what is held
// for later delivery is copied (see onData).
func (e *Engine) receiveBatch(b *rxBatch) {
	defer b.recycle()
	if b.m != e.m || e.m == nil {
		return // from a membership already left
	}
	now := e.now()
	for i := range b.n {
		if e.m != b.m {
			return // a datagram ended the membership
		}
		e.receive(now, b.data[i], b.src[i])
	}
	if b.err != nil && e.m == b.m {
		if e.checkInterface(now, true); e.m.ifaceDown() {
			return // the interface went away: it is watched until it is back
		}
		e.queue.push(Error{Op: "receive", Err: b.err})
		e.finish(b.err, true)
	}
}

func (e *Engine) receive(now time.Time, raw []byte, src netip.AddrPort) {
	m := e.m
	e.stats.bytesIn.Add(uint64(len(raw)))
	data, pn, ok := e.unseal(now, raw)
	if !ok {
		return
	}
	if !wire.IsGroupcast(data) {
		e.onPlain(now, data, src)
		return
	}
	p, err := wire.Decode(data)
	if err != nil {
		e.stats.rejected.Add(1)
		return
	}
	if p.Sender == m.self {
		e.stats.ownEcho.Add(1)
		return
	}
	if m.key != nil && !e.admitSealed(now, &p, pn, src) {
		return
	}
	if _, gone := m.departed[p.Sender]; gone {
		e.stats.ignored.Add(1) // a repeated LEAVE, or a straggler
		return
	}
	switch p.Kind {
	case wire.KindData, wire.KindRepair:
		e.onData(now, &p, src)
	case wire.KindHello, wire.KindHeartbeat, wire.KindLeave:
		e.onControl(now, &p, src)
	case wire.KindNack:
		e.onNack(now, &p, src)
	case wire.KindReceipt:
		e.onReceipt(now, &p, src)
	case wire.KindPinned:
		e.onPinned(now, &p, src)
	default:
		e.stats.ignored.Add(1)
	}
}

// admitSealed decides whether an authentic datagram of a private group
// is new: not seen before, stamped within seal.MaxClockSkew of our clock, and
// not sent before we joined. A recording replayed to a member who joined
// after it was made would otherwise be new to it. "Before we joined" is
// judged on our clock, corrected by how far ahead the sender's clock was
// seen to be (a replay only ever looks older), with Timing.ClockSlack for
// clocks that disagree a little. Repairs of data from before we joined,
// which other members asked for, are dropped without a word; pinned
// announcements are old on purpose.
func (e *Engine) admitSealed(now time.Time, p *wire.Packet, pn uint64, src netip.AddrPort) bool {
	m := e.m
	sent := time.UnixMicro(p.Time)
	ahead, err := m.replay.Admit(p.Sender, pn, sent, now)
	switch {
	case errors.Is(err, seal.ErrClock):
		e.stats.replayed.Add(1)
		e.refuseSkewed(now, UnreadableClock, p.Nick, src.Addr(), sent.Sub(now))
		return false
	case err != nil:
		e.stats.replayed.Add(1)
		e.noteUnreadable(now, UnreadableReplayed)
		return false
	}
	if p.Kind == wire.KindPinned || !sent.Add(-ahead).Before(m.started.Add(-e.timing.ClockSlack)) {
		return true
	}
	e.stats.replayed.Add(1)
	if p.Kind != wire.KindRepair {
		e.refuseSkewed(now, UnreadableBeforeJoin, p.Nick, src.Addr(), sent.Sub(m.started))
	}
	return false
}

// refuseSkewed is refuse for the reasons that concern a clock: skew is
// how far ahead of ours (negative: behind) the datagram's stamp is.
func (e *Engine) refuseSkewed(now time.Time, r UnreadableReason, peer string, host netip.Addr, skew time.Duration) {
	e.refuse(now, r, peer, host)
	if u := e.m.unreadable[r]; u.count == 1 {
		u.skew = skew
	}
}

// onPlain shows a bare datagram from a classic tool (open groups only:
// unseal refused it in a private one).
func (e *Engine) onPlain(now time.Time, b []byte, src netip.AddrPort) {
	m := e.m
	if m.isOwn(src) {
		e.stats.ownEcho.Add(1) // our own plain text, looped back
		return
	}
	if r := m.cfg.Room; r != nil && r.ReadOnly {
		e.stats.readOnlyDropped.Add(1)
		return
	}
	text, enc := wire.DecodePlain(b)
	if text == "" {
		e.stats.ignored.Add(1)
		return
	}
	e.stats.plainIn.Add(1)
	e.queue.push(Message{
		From: src.String(), Sent: now, Received: now, Source: src, Text: text, Plain: true, Encoding: enc,
	})
}

// unseal authenticates and opens a datagram of a keyed group, and keeps
// sealed datagrams out of an open one. Whatever fails is counted and
// dropped here, before any state changes.
func (e *Engine) unseal(now time.Time, b []byte) (inner []byte, pn uint64, ok bool) {
	m := e.m
	sealed := wire.IsSealed(b)
	if m.key == nil {
		if sealed {
			e.stats.needKey.Add(1)
			e.noteUnreadable(now, UnreadableNeedsPassphrase)
			return nil, 0, false
		}
		return b, 0, true
	}
	if !sealed {
		e.stats.unsealed.Add(1)
		if wire.IsGroupcast(b) {
			e.noteUnreadable(now, UnreadableNoPassphrase)
		}
		return nil, 0, false
	}
	pn, inner, err := m.key.Open(b, wire.MaxDatagram)
	switch {
	case errors.Is(err, seal.ErrOtherKey):
		e.stats.otherKey.Add(1)
		e.noteUnreadable(now, UnreadableOtherPassphrase)
		return nil, 0, false
	case err != nil:
		e.stats.forged.Add(1)
		e.noteUnreadable(now, UnreadableForged)
		return nil, 0, false
	}
	return inner, pn, true
}

// noteUnreadable counts a datagram refused before it could be read.
func (e *Engine) noteUnreadable(now time.Time, r UnreadableReason) {
	e.refuse(now, r, "", netip.Addr{})
}

// refuse counts a refused datagram; each reason is reported once per
// membership, a second after it first happened, with the count so far
// and the member (peer) and host it concerns, as first seen.
func (e *Engine) refuse(now time.Time, r UnreadableReason, peer string, host netip.Addr) {
	u := e.m.unreadable[r]
	if u == nil {
		u = &unreadableCount{first: now, peer: peer, host: host}
		e.m.unreadable[r] = u
	}
	u.count++
}

// peerFor returns the state of sender id, creating it (and announcing the
// member) on first contact. It returns nil, having counted why, when the
// datagram is refused: the id belongs to a member heard from another
// socket (a sender id is bound to the source it was first heard from), or
// no more senders can be tracked.
func (e *Engine) peerFor(now time.Time, p *wire.Packet, src netip.AddrPort) *peer {
	m := e.m
	pr := m.peers[p.Sender]
	if pr != nil {
		if pr.src.IsValid() && src.IsValid() && src != pr.src {
			e.stats.impostors.Add(1)
			e.refuse(now, UnreadableImpostor, pr.label(), src.Addr())
			return nil
		}
		if m.lingering && now.Sub(pr.lastHeard) > e.timing.Heartbeat*3/2 {
			// Back from a silence longer than its heartbeats allow (a
			// computer frozen for a moment): give it time to ask for what
			// it missed before we leave.
			m.lastActivity = now
		}
		pr.lastHeard = now
		pr.nick = p.Nick
		return pr
	}
	limit := e.timing.MaxPeersPerHost
	share := m.hostShare(src.Addr(), e.timing.MaxPeers)
	if share != nil && (share.peers >= limit || !share.admit.take(now, 1, hostAdmitRate, float64(limit))) {
		// More senders from one computer, or new ones faster, than anyone
		// runs: a flood of fake members. They take no more than this.
		e.stats.crowded.Add(1)
		e.refuse(now, UnreadableCrowded, p.Nick, src.Addr())
		return nil
	}
	if share == nil || (len(m.peers) >= e.timing.MaxPeers && !e.evictSilent(now)) {
		e.stats.crowded.Add(1)
		e.refuse(now, UnreadableFull, p.Nick, src.Addr())
		return nil
	}
	share.peers++
	pr = newPeer(p.Sender, now, src)
	pr.nick = p.Nick
	pr.budget, pr.share = &m.budget, share
	pr.expected = m.resume.take(p.Sender) // heard before: never deliver anything twice
	m.peers[p.Sender] = pr
	if m.lingering {
		m.lastActivity = now // someone we did not know of may need what we sent
	}
	e.queue.push(PeerJoined{Peer: pr.view()})
	e.rosterChanged()
	if m.cfg.Presenter != nil {
		if len(m.pinned) > 0 && m.pinAt.IsZero() {
			m.pinAt = now.Add(200 * time.Millisecond) // one resend serves everyone joining meanwhile
		}
		e.updateReceipts()
	}
	return pr
}

// label names a member for a sentence: "Alice (198.18.0.2)".
func (pr *peer) label() string {
	if pr.host.IsValid() {
		return pr.nick + " (" + pr.host.String() + ")"
	}
	return pr.nick
}

func (pr *peer) view() Peer {
	return Peer{ID: pr.id, Nick: pr.nick, Host: pr.host, LastHeard: pr.lastHeard}
}

func (e *Engine) onData(now time.Time, p *wire.Packet, src netip.AddrPort) {
	if p.Seq == 0 {
		e.stats.rejected.Add(1)
		return
	}
	pr := e.peerFor(now, p, src)
	if pr == nil {
		return
	}
	if p.Kind == wire.KindRepair {
		e.stats.repairsIn.Add(1)
	}
	if p.Seq < pr.expected {
		e.stats.duplicates.Add(1) // delivered already (before sync: before we last lost track of it)
		return
	}
	if _, dup := pr.held[p.Seq]; dup {
		e.stats.duplicates.Add(1)
		return
	}
	if !pr.claim(now, p.Seq, -1, e.timing.PeerTimeout) {
		e.stats.implausible.Add(1)
		e.refuse(now, UnreadableImplausible, pr.label(), src.Addr())
		return
	}
	base := pr.expected
	if !pr.synced {
		base = pr.lowestHeld(p.Seq)
	}
	if p.Seq >= base+e.timing.Window {
		e.stats.beyondWindow.Add(1) // asked for again once the window moves
		return
	}
	d := heldData{time: p.Time, nick: p.Nick, frag: p.Frag, body: p.Body, signed: e.verified(p)}
	if pr.synced && p.Seq == pr.expected {
		// The next one expected, the common case: delivered at once,
		// with whatever it unblocks, without being held.
		e.stats.datagramsIn.Add(1)
		if p.Kind == wire.KindRepair {
			e.stats.recovered.Add(1)
		}
		pr.expected++
		e.deliver(pr, pr.deliverReady(now, pr.accept(now, p.Seq, d, e.deliveries[:0])))
		e.scheduleNack(now, pr)
		return
	}
	d.body = bytes.Clone(d.body) // held past this datagram: the receive buffer is reused
	if !pr.hold(p.Seq, d) {
		e.stats.beyondWindow.Add(1) // memory budget full: asked for again later
		return
	}
	e.stats.datagramsIn.Add(1)
	if p.Kind == wire.KindRepair {
		e.stats.recovered.Add(1) // its first copy never arrived
	}
	if !pr.synced {
		if pr.syncBy.IsZero() {
			pr.syncBy = now.Add(e.timing.SyncWait)
			e.m.wakePeers(pr.syncBy)
		}
		return
	}
	e.deliver(pr, pr.deliverReady(now, e.deliveries[:0]))
	e.scheduleNack(now, pr)
}

// deliver emits deliveries made in e.deliveries, the loop's reusable
// slice, and keeps it for the next datagram.
func (e *Engine) deliver(pr *peer, out []delivery) {
	e.emit(pr, out)
	clear(out) // let go of the texts
	e.deliveries = out[:0]
}

// lowestHeld is the smallest seq held, or seq when nothing is. A sender
// not yet synced may hold thousands, and each of its datagrams asks: the
// answer is kept up to date as data is held, and found again by a walk
// only after the lowest was taken.
func (pr *peer) lowestHeld(seq uint64) uint64 {
	if pr.lowStale {
		pr.low, pr.lowStale = 0, false
		for s := range pr.held {
			if pr.low == 0 || s < pr.low {
				pr.low = s
			}
		}
	}
	if pr.low == 0 {
		return seq
	}
	return min(pr.low, seq)
}

func (e *Engine) onControl(now time.Time, p *wire.Packet, src netip.AddrPort) {
	c, err := wire.ParseControl(p.Body)
	if err != nil {
		e.stats.rejected.Add(1)
		return
	}
	uptime := senderUptime(p, c)
	if e.m.peers[p.Sender] == nil && !plausibleStart(p.Seq, uptime) {
		e.stats.implausible.Add(1) // before it becomes a member: no roster entry for a forgery
		e.refuse(now, UnreadableImplausible, p.Nick, src.Addr())
		return
	}
	pr := e.peerFor(now, p, src)
	if pr == nil {
		return
	}
	if !pr.claim(now, p.Seq, uptime, e.timing.PeerTimeout) {
		e.stats.implausible.Add(1)
		e.refuse(now, UnreadableImplausible, pr.label(), src.Addr())
		return
	}
	e.stats.controlIn.Add(1)
	var out []delivery
	if !pr.synced {
		out = e.sync(now, pr, startFromControl(pr, p, c.Trail, uptime, now.Sub(e.m.started)))
	} else if c.Trail > pr.expected {
		out = pr.giveUpBefore(now, c.Trail, out) // aged out of the sender's buffer
	}
	if p.Kind == wire.KindLeave {
		// It will answer no more NACKs: what is still missing is lost.
		out = pr.giveUpBefore(now, pr.highest+1, out)
		e.emit(pr, out)
		e.removePeer(now, pr, departLeave)
		return
	}
	e.emit(pr, out)
	e.scheduleNack(now, pr)
}

// senderUptime is how long the sender of a control datagram has been
// running, on its own clock, in seconds (never negative; computed in
// floating point so no claimed value overflows).
func senderUptime(p *wire.Packet, c wire.Control) float64 {
	return max(float64(p.Time)-float64(c.Started), 0) / 1e6
}

// startFromControl picks where delivery of a sender starts. A sender that
// began after we joined (judged by its own uptime against ours, so clocks
// need not agree) is delivered from its first message; an older one from
// what we hold, or from its next message.
func startFromControl(pr *peer, p *wire.Packet, trail uint64, uptime float64, ourUptime time.Duration) uint64 {
	if uptime <= (ourUptime + time.Second).Seconds() {
		return max(trail, 1)
	}
	return pr.lowestHeld(p.Seq + 1)
}

// sync fixes a new sender's start point and delivers what it can.
func (e *Engine) sync(now time.Time, pr *peer, start uint64) []delivery {
	pr.synced = true
	pr.syncBy = time.Time{}
	pr.expected = max(start, pr.expected, 1) // never before where we stopped last time
	for s := range pr.held {
		if s < pr.expected {
			pr.take(s)
		}
	}
	return pr.deliverReady(now, nil)
}

func (e *Engine) onNack(now time.Time, p *wire.Packet, src netip.AddrPort) {
	n, err := wire.ParseNack(p.Body)
	if err != nil {
		e.stats.rejected.Add(1)
		return
	}
	if e.peerFor(now, p, src) == nil {
		return
	}
	e.stats.nacksIn.Add(1)
	m := e.m
	if n.Target == m.self {
		if !m.cfg.Plain && e.repair(now, n, src.Addr()) {
			// Only a NACK the repair budget answered may slow us down: a
			// computer flooding NACKs is not a receiver that fell behind.
			if first, ok := overrunSign(n.Ranges); ok {
				if d := m.buf.get(first); d != nil && now.Sub(d.at) < paceRecent {
					m.pace.overrun(now, first, m.seq) // a receiver misses a run of what we just sent
				}
			}
		}
		return
	}
	if pr := m.peers[n.Target]; pr != nil && !pr.nackAt.IsZero() && covers(n.Ranges, pr.missing(e.timing.Window)) {
		// Someone asked for exactly what we miss: the repair will be
		// multicast to us too, so we stay quiet for a retry interval.
		pr.nackAt = now.Add(e.retryDelay())
		e.stats.nacksSuppressed.Add(1)
	}
}

func (e *Engine) retryDelay() time.Duration {
	t := e.timing.NackRetry
	return t + time.Duration(e.rng.Int64N(int64(t/4)+1))
}

// scheduleNack plans a NACK after a random delay when data is missing.
func (e *Engine) scheduleNack(now time.Time, pr *peer) {
	if !pr.nackAt.IsZero() || !pr.synced || pr.highest < pr.expected {
		return
	}
	if _, ok := pr.held[pr.expected]; ok && len(pr.held) == int(pr.highest-pr.expected+1) {
		return
	}
	pr.nackAt = now.Add(time.Duration(e.rng.Int64N(int64(e.timing.NackDelay) + 1)))
	e.m.wakePeers(pr.nackAt)
}

// emit turns deliveries into events.
func (e *Engine) emit(pr *peer, out []delivery) {
	for _, d := range out {
		switch {
		case d.lost == nil:
			msg := d.msg
			m := e.m
			if r := m.cfg.Room; r != nil && r.ReadOnly && !msg.Announcement {
				e.stats.readOnlyDropped.Add(1) // only the presenter may post here
				continue
			}
			msg.Received = e.now()
			msg.Source = pr.src
			if msg.Announcement {
				m.markAnnounced(pr.id, msg.Seq)
				m.receiptTo = pr.id
				m.receiptSeq = max(m.receiptSeq, msg.Seq)
				if m.receiptAt.IsZero() {
					// Delayed and jittered so thirty PCs do not answer at once,
					// and aggregated: one receipt covers all received so far.
					m.receiptAt = msg.Received.Add(20*time.Millisecond + time.Duration(e.rng.Int64N(int64(230*time.Millisecond))))
					m.receiptsLeft = 2
				}
			}
			pr.spoke = true
			e.queue.push(msg)
			e.stats.messagesIn.Add(1)
		default:
			e.stats.lost.Add(d.lost.Len())
			e.queue.push(Lost{Peer: pr.view(), First: d.lost.First, Last: d.lost.Last})
		}
	}
}

// departure is why a peer is forgotten.
type departure int

const (
	departLeave   departure = iota // it said so
	departTimeout                  // silent for the peer timeout
	departEvicted                  // the table was full and it never spoke
)

// removePeer forgets a member.
func (e *Engine) removePeer(now time.Time, pr *peer, why departure) {
	m := e.m
	pr.release()
	delete(m.peers, pr.id)
	delete(m.acks, pr.id)
	if pr.share != nil {
		pr.share.peers--
	}
	if pr.synced {
		m.resume.put(pr.id, pr.expected)
	}
	if why == departLeave {
		// It said goodbye: its repeated LEAVEs and stragglers are not a
		// new member. A member that timed out may come back at once.
		m.departed[pr.id] = now
	}
	e.queue.push(PeerLeft{Peer: pr.view(), Timeout: why == departTimeout, Evicted: why == departEvicted})
	e.rosterChanged()
	e.updateReceipts()
}

// relieveBudget frees room in a full held-data budget by evicting the
// senders that never spoke and have held memory longest: a fake sender
// whose messages never complete holds its pieces until it is evicted,
// while a real member's message completes within moments. It frees an
// eighth of the budget at once, so it runs rarely even under a flood.
func (e *Engine) relieveBudget(need int, except *peer) bool {
	m := e.m
	var idle []*peer
	for _, pr := range m.peers {
		if !pr.spoke && pr.bytes > 0 && pr != except {
			idle = append(idle, pr)
		}
	}
	slices.SortFunc(idle, func(a, b *peer) int { return cmp.Compare(a.heldSince, b.heldSince) })
	goal := m.budget.used - m.budget.limit + max(need, m.budget.limit/8)
	freed := 0
	now := e.now()
	for _, pr := range idle {
		if freed >= goal {
			break
		}
		freed += pr.bytes
		e.refuse(now, UnreadableEvicted, pr.nick, pr.host)
		e.removePeer(now, pr, departEvicted)
	}
	return freed > 0
}

// evictSilent makes room in a full table by forgetting the sender that
// never had a message delivered and was heard from least recently; a
// member who has spoken is never evicted. It reports whether it made room.
func (e *Engine) evictSilent(now time.Time) bool {
	var victim *peer
	for _, pr := range e.m.peers {
		if !pr.spoke && (victim == nil || pr.lastHeard.Before(victim.lastHeard)) {
			victim = pr
		}
	}
	if victim == nil {
		return false
	}
	e.refuse(now, UnreadableEvicted, victim.nick, victim.host)
	e.removePeer(now, victim, departEvicted)
	return true
}
