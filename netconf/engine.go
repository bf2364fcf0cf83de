package netconf

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultQueuedMessages is how many undelivered message events the engine
// holds before it stops reading the network until the consumer catches up.
const DefaultQueuedMessages = 8192

// Engine runs at most one membership at a time. Its user sends commands on
// Commands and reads events from Events until Events is closed, which
// happens after Close. One goroutine (the loop) owns all protocol state; a
// reader goroutine per membership feeds it datagrams.
type Engine struct {
	cmds   chan Command
	events chan Event
	rx     chan datagram
	done   chan struct{}

	closeOnce sync.Once
	wg        sync.WaitGroup
	stats     counters
	roster    atomic.Pointer[[]Peer]

	timing    Timing
	transport TransportFunc
	now       func() time.Time

	// Owned by the loop.
	m     *member
	queue eventQueue
	rng   *mrand.Rand
	timer *time.Timer
}

// datagram is what a reader hands the loop.
type datagram struct {
	m    *member
	data []byte
	src  netip.AddrPort
	err  error
}

// Option adjusts a new Engine.
type Option func(*Engine)

// WithQueuedMessages sets how many undelivered messages are held for a
// slow consumer before the engine pauses reading.
func WithQueuedMessages(n int) Option {
	return func(e *Engine) { e.queue.maxMessages = max(n, 1) }
}

// WithTiming replaces the protocol's timers and limits.
func WithTiming(t Timing) Option { return func(e *Engine) { e.timing = t } }

// WithTransport makes memberships use f instead of multicast sockets (for
// tests: an in-memory bus, fault injection). The interface is not resolved.
func WithTransport(f TransportFunc) Option { return func(e *Engine) { e.transport = f } }

// New starts an engine with no membership.
func New(opts ...Option) *Engine {
	var seed [16]byte
	_, _ = rand.Read(seed[:])
	e := &Engine{
		cmds:   make(chan Command),
		events: make(chan Event, 64),
		rx:     make(chan datagram, 256),
		done:   make(chan struct{}),
		timing: DefaultTiming(),
		now:    time.Now,
		rng:    mrand.New(mrand.NewPCG(leUint64(seed[:8]), leUint64(seed[8:]))),
		timer:  time.NewTimer(time.Hour),
	}
	e.timer.Stop()
	e.queue.maxMessages = DefaultQueuedMessages
	for _, o := range opts {
		o(e)
	}
	e.roster.Store(&[]Peer{})
	e.wg.Add(1)
	go e.loop()
	return e
}

func leUint64(b []byte) uint64 {
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// Commands is where the user sends Join, Send and Leave.
func (e *Engine) Commands() chan<- Command { return e.cmds }

// Events delivers what happens, in order. It is closed after Close.
func (e *Engine) Events() <-chan Event { return e.events }

// Do sends a command, and reports false if the engine is closed.
func (e *Engine) Do(c Command) bool {
	select {
	case e.cmds <- c:
		return true
	case <-e.done:
		return false
	}
}

// Roster returns the members heard recently, ourselves first; safe from
// any goroutine.
func (e *Engine) Roster() []Peer { return *e.roster.Load() }

// Close announces that we leave (once, without lingering), closes the
// sockets, stops every goroutine and closes Events. Events not yet taken
// are discarded. It is safe to call more than once and from any goroutine.
func (e *Engine) Close() error {
	e.closeOnce.Do(func() { close(e.done) })
	e.wg.Wait()
	return nil
}

func (e *Engine) loop() {
	defer e.wg.Done()
	defer close(e.events)
	defer e.timer.Stop()
	defer e.leaveNow(nil, false)
	for {
		var out chan<- Event
		next, ok := e.queue.peek()
		if ok {
			out = e.events
		}
		rx := e.rx
		if e.queue.full() {
			rx = nil // back-pressure: the kernel buffers, repair covers its drops
		}
		select {
		case <-e.done:
			return
		case c := <-e.cmds:
			e.handle(c)
		case d := <-rx:
			e.receive(d)
		case out <- next:
			e.queue.pop()
		case <-e.timer.C:
		}
		e.runTimers(e.now())
		e.armTimer()
	}
}

func (e *Engine) handle(c Command) {
	switch c := c.(type) {
	case Join:
		e.join(c.Config)
	case Send:
		e.send(c.Text)
	case Leave:
		if c.Linger {
			e.startLinger()
		} else {
			e.leaveNow(nil, true)
		}
	default:
		e.queue.push(Error{Op: "command", Err: fmt.Errorf("unknown command %T", c)})
	}
}

func (e *Engine) join(cfg Config) {
	e.leaveNow(nil, true)
	var (
		choice   Choice
		warnings []string
		err      error
		tr       Transport
	)
	if e.transport != nil {
		err = cfg.checkValues()
	} else {
		choice, warnings, err = cfg.Check()
	}
	if err != nil {
		e.queue.push(Error{Op: "join", Err: err})
		return
	}
	var key *GroupKey
	if cfg.Passphrase != "" {
		if key, err = DeriveKey(cfg.Passphrase, cfg.Group); err != nil {
			e.queue.push(Error{Op: "join", Err: err})
			return
		}
	}
	if e.transport != nil {
		tr, err = e.transport(cfg)
	} else {
		var m *membership
		m, err = openMembership(cfg, choice, &e.stats.otherGroup)
		if err == nil {
			tr = m
		}
	}
	if err != nil {
		e.queue.push(Error{Op: "join", Err: err})
		return
	}
	m := newMember(cfg, choice, tr, key, e.now())
	if ms, ok := tr.(*membership); ok {
		m.ownPort, m.ownAddrs = ms.senderPort(), localAddrs()
	}
	for m.self.IsZero() {
		_, _ = rand.Read(m.self[:]) // crypto/rand.Read does not fail on supported platforms
	}
	e.m = m
	m.readers.Add(1)
	go m.readLoop(e.rx)
	e.queue.push(Joined{
		Group: cfg.Group, Interface: choice, TTL: cfg.TTL, Loopback: cfg.Loopback,
		Nick: cfg.Nick, Sender: m.self, Warnings: warnings, DstCheck: isDstChecked(tr), Keyed: key != nil,
		Plain: cfg.Plain, Encoding: plainEncoding(cfg),
	})
	e.publishRoster()
}

func plainEncoding(cfg Config) string {
	if !cfg.Plain {
		return ""
	}
	if cfg.Encoding == "" {
		return EncodingUTF8
	}
	return cfg.Encoding
}

func isDstChecked(tr Transport) bool {
	m, ok := tr.(*membership)
	return ok && m.dstCheck
}

// leaveNow ends the membership at once, announcing it with one LEAVE.
func (e *Engine) leaveNow(cause error, announce bool) {
	m := e.m
	if m == nil {
		return
	}
	if cause == nil {
		e.writeControl(KindLeave)
	}
	e.finish(cause, announce)
}

// finish closes the membership and stops its reader.
func (e *Engine) finish(cause error, announce bool) {
	m := e.m
	e.m = nil
	m.close()
	if announce {
		e.queue.push(Left{Group: m.cfg.Group, Err: cause})
	}
	e.publishRoster()
}

func (e *Engine) startLinger() {
	m := e.m
	if m == nil || m.lingering || m.leaving {
		return
	}
	now := e.now()
	m.lingering = true
	m.lingerStart = now
}

func (e *Engine) send(text string) {
	m := e.m
	switch {
	case m == nil:
		e.queue.push(Error{Op: "send", Err: ErrNotJoined})
		return
	case m.lingering || m.leaving:
		e.queue.push(Error{Op: "send", Err: ErrLeaving})
		return
	case len(text) > MaxMessage:
		e.queue.push(Error{Op: "send", Err: inputErr("text",
			"the message is %d bytes; at most %d bytes (64 KiB) fit in one message", len(text), MaxMessage)})
		return
	}
	now := e.now()
	if m.cfg.Plain {
		e.sendPlain(now, text)
		return
	}
	if r := m.cfg.Room; r != nil && r.ReadOnly && m.cfg.Presenter == nil {
		e.queue.push(Error{Op: "send", Err: inputErr("text", "%s is read-only: only its presenter may post", r.Name)})
		return
	}
	signer := m.cfg.Presenter
	whole, piece := MaxText, MaxFragmentText
	if signer != nil {
		whole, piece = MaxText-sigExtSize, MaxSignedText
	}
	pieces := splitText(text, whole, piece)
	first := m.seq + 1
	for i, piece := range pieces {
		p := Packet{Kind: KindData, Sender: m.self, Seq: m.seq + 1, Time: now.UnixMicro(), Nick: m.cfg.Nick, Body: []byte(piece)}
		if len(pieces) > 1 {
			p.Frag = Frag{Index: uint16(i), Count: uint16(len(pieces))}
		}
		if signer != nil {
			p.Sig = ed25519.Sign(signer, SignedBytes(&p))
		}
		wire, err := AppendEncode(nil, &p)
		if err != nil {
			e.queue.push(Error{Op: "send", Err: inputErr("text", "the message cannot be sent: %v", err)})
			return
		}
		m.seq++
		m.buf.add(m.seq, now, wire)
		if err := m.transmit(wire); err != nil {
			// Kept in the buffer: receivers that notice the gap ask for it.
			e.stats.sendErrors.Add(1)
			e.queue.push(Error{Op: "send", Err: err})
			return
		}
		e.stats.datagramsOut.Add(1)
		e.stats.bytesOut.Add(uint64(len(wire)))
		if signer != nil && len(pieces) == 1 {
			m.pinned = append(m.pinned, wire)
			if len(m.pinned) > maxPinned {
				m.pinned = m.pinned[1:]
			}
		}
	}
	if signer != nil {
		m.announcements = append(m.announcements, first)
		if len(m.announcements) > maxTrackedAnnouncements {
			m.announcements = m.announcements[1:]
		}
	}
	m.lastData, m.lastActivity = now, now
	m.scheduleBeat(now, e.timing)
	m.buf.evict(now, e.timing.BufferAge, e.timing.BufferBytes)
	e.queue.push(Sent{Seq: first, Time: now, Nick: m.cfg.Nick, Text: text})
}

// sendPlain sends text as one bare datagram, for classic tools.
func (e *Engine) sendPlain(now time.Time, text string) {
	m := e.m
	b, err := EncodePlain(text, m.cfg.Encoding)
	if err == nil && len(b) > MaxDatagram {
		err = inputErr("text", "a plain-text message is sent in one datagram of at most %d bytes; this one is %d", MaxDatagram, len(b))
	}
	if err != nil {
		e.queue.push(Error{Op: "send", Err: err})
		return
	}
	if err := m.tr.Write(b); err != nil {
		e.stats.sendErrors.Add(1)
		e.queue.push(Error{Op: "send", Err: err})
		return
	}
	e.stats.datagramsOut.Add(1)
	e.stats.bytesOut.Add(uint64(len(b)))
	e.queue.push(Sent{Time: now, Nick: m.cfg.Nick, Text: text, Plain: true})
}

// splitText cuts text into fragment-sized pieces (a single piece when it
// fits one datagram). Pieces may split a UTF-8 sequence; the receiver
// checks the reassembled text.
func splitText(text string, whole, piece int) []string {
	if len(text) <= whole {
		return []string{text}
	}
	var out []string
	for len(text) > 0 {
		n := min(len(text), piece)
		out = append(out, text[:n])
		text = text[n:]
	}
	return out
}

// writeControl sends a HELLO, HEARTBEAT or LEAVE describing our stream.
func (e *Engine) writeControl(kind Kind) {
	m := e.m
	if m.cfg.Plain {
		return // classic tools would show our control traffic as garbage
	}
	now := e.now()
	m.buf.evict(now, e.timing.BufferAge, e.timing.BufferBytes)
	trail := m.buf.trail
	if m.buf.len() == 0 {
		trail = m.seq + 1
	}
	p := Packet{
		Kind: kind, Sender: m.self, Seq: m.seq, Time: now.UnixMicro(), Nick: m.cfg.Nick,
		Body: AppendControl(m.scratch[:0], Control{Trail: trail, Started: m.started.UnixMicro()}),
	}
	e.write(&p)
}

// write encodes and sends a datagram that is not kept for repair.
func (e *Engine) write(p *Packet) {
	m := e.m
	wire, err := AppendEncode(m.wbuf[:0], p)
	if err != nil {
		e.queue.push(Error{Op: "send " + p.Kind.String(), Err: err})
		return
	}
	m.wbuf = wire
	if err := m.transmit(wire); err != nil {
		e.stats.sendErrors.Add(1)
		return // control traffic is repeated; a failed one is not worth an error line
	}
	e.stats.controlOut.Add(1)
}

func (e *Engine) receive(d datagram) {
	m := e.m
	if d.m != m || m == nil {
		return // from a membership already left
	}
	if d.err != nil {
		e.queue.push(Error{Op: "receive", Err: d.err})
		e.finish(d.err, true)
		return
	}
	e.stats.bytesIn.Add(uint64(len(d.data)))
	now := e.now()
	data, pn, ok := e.unseal(now, d.data)
	if !ok {
		return
	}
	if !IsGroupcast(data) {
		e.onPlain(now, data, d.src)
		return
	}
	p, err := Decode(data)
	if err != nil {
		e.stats.rejected.Add(1)
		return
	}
	if p.Sender == m.self {
		e.stats.ownEcho.Add(1)
		return
	}
	if m.key != nil && !m.replay.admit(p.Sender, pn, time.UnixMicro(p.Time), now) {
		e.stats.replayed.Add(1)
		e.noteUnreadable(now, UnreadableReplayed)
		return
	}
	if _, gone := m.departed[p.Sender]; gone {
		e.stats.ignored.Add(1) // a repeated LEAVE, or a straggler
		return
	}
	switch p.Kind {
	case KindData, KindRepair:
		e.onData(now, &p, d.src)
	case KindHello, KindHeartbeat, KindLeave:
		e.onControl(now, &p, d.src)
	case KindNack:
		e.onNack(now, &p, d.src)
	case KindReceipt:
		e.onReceipt(now, &p, d.src)
	case KindPinned:
		e.onPinned(now, &p, d.src)
	default:
		e.stats.ignored.Add(1)
	}
}

// verified reports whether p carries a valid signature of the room's
// presenter.
func (e *Engine) verified(p *Packet) bool {
	r := e.m.cfg.Room
	if len(p.Sig) != ed25519.SignatureSize || r == nil || len(r.PresenterKey) != ed25519.PublicKeySize {
		return false
	}
	return ed25519.Verify(r.PresenterKey, SignedBytes(p), p.Sig)
}

// onReceipt counts, for the presenter, who has received what.
func (e *Engine) onReceipt(now time.Time, p *Packet, src netip.AddrPort) {
	if len(p.Body) != 8 {
		e.stats.rejected.Add(1)
		return
	}
	e.peerFor(now, p, src)
	m := e.m
	if SenderID(p.Body) != m.self || m.cfg.Presenter == nil {
		return
	}
	if p.Seq > m.acks[p.Sender] {
		m.acks[p.Sender] = p.Seq
		e.updateReceipts()
	}
}

// updateReceipts reports, for each recent announcement, how many of the
// members present have received it, when that changed.
func (e *Engine) updateReceipts() {
	m := e.m
	if m.cfg.Presenter == nil {
		return
	}
	for _, seq := range m.announcements {
		var missing []Peer
		received := 0
		for _, pr := range m.peers {
			if m.acks[pr.id] >= seq {
				received++
			} else {
				missing = append(missing, pr.view())
			}
		}
		counts := [2]int{received, len(m.peers)}
		if m.reported[seq] == counts {
			continue
		}
		m.reported[seq] = counts
		e.queue.push(Receipt{Seq: seq, Received: received, Members: len(m.peers), Missing: missing})
	}
}

// onPinned shows an announcement made before we joined, once.
func (e *Engine) onPinned(now time.Time, p *Packet, src netip.AddrPort) {
	if p.Seq == 0 || p.Frag.Count != 0 || !e.verified(p) {
		e.stats.ignored.Add(1)
		return
	}
	pr := e.peerFor(now, p, src)
	if pr == nil || e.m.announced(pr.id, p.Seq) {
		return
	}
	msg := pr.message(p.Seq, p.Time, p.Nick, p.Body)
	msg.Announcement, msg.Earlier = true, true
	e.emit(pr, []delivery{{msg: msg}})
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
	text, enc := DecodePlain(b)
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
	sealed := IsSealed(b)
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
		if IsGroupcast(b) {
			e.noteUnreadable(now, UnreadableNoPassphrase)
		}
		return nil, 0, false
	}
	pn, inner, err := m.key.Open(b)
	switch {
	case errors.Is(err, ErrOtherKey):
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

// noteUnreadable counts a refused datagram; each reason is reported once
// per membership, a second after it first happened, with the count.
func (e *Engine) noteUnreadable(now time.Time, r UnreadableReason) {
	u := e.m.unreadable[r]
	if u == nil {
		u = &unreadableCount{first: now}
		e.m.unreadable[r] = u
	}
	u.count++
}

// peerFor returns the state of sender id, creating it (and announcing the
// member) on first contact. It returns nil when too many are tracked.
func (e *Engine) peerFor(now time.Time, p *Packet, src netip.AddrPort) *peer {
	m := e.m
	pr := m.peers[p.Sender]
	if pr == nil {
		if len(m.peers) >= maxTrackedSenders {
			e.stats.ignored.Add(1)
			return nil
		}
		pr = newPeer(p.Sender, now, src)
		pr.nick = p.Nick
		pr.budget = &m.heldBytes
		m.peers[p.Sender] = pr
		e.queue.push(PeerJoined{Peer: pr.view()})
		e.publishRoster()
		if m.cfg.Presenter != nil {
			if len(m.pinned) > 0 && m.pinAt.IsZero() {
				m.pinAt = now.Add(200 * time.Millisecond) // one resend serves everyone joining meanwhile
			}
			defer e.updateReceipts()
		}
	}
	pr.lastHeard = now
	pr.nick = p.Nick
	if src.IsValid() {
		pr.host, pr.src = src.Addr(), src
	}
	return pr
}

func (pr *peer) view() Peer {
	return Peer{ID: pr.id, Nick: pr.nick, Host: pr.host, LastHeard: pr.lastHeard}
}

func (e *Engine) onData(now time.Time, p *Packet, src netip.AddrPort) {
	if p.Seq == 0 {
		e.stats.rejected.Add(1)
		return
	}
	pr := e.peerFor(now, p, src)
	if pr == nil {
		return
	}
	if p.Kind == KindRepair {
		e.stats.repairsIn.Add(1)
	}
	if pr.synced && p.Seq < pr.expected {
		e.stats.duplicates.Add(1)
		return
	}
	if _, dup := pr.held[p.Seq]; dup {
		e.stats.duplicates.Add(1)
		return
	}
	pr.highest = max(pr.highest, p.Seq)
	base := pr.expected
	if !pr.synced {
		base = pr.lowestHeld(p.Seq)
	}
	if p.Seq >= base+e.timing.Window {
		e.stats.beyondWindow.Add(1) // asked for again once the window moves
		return
	}
	if !pr.hold(p.Seq, heldData{time: p.Time, nick: p.Nick, frag: p.Frag, body: p.Body, kind: p.Kind, signed: e.verified(p)}) {
		e.stats.beyondWindow.Add(1) // memory budget full: asked for again later
		return
	}
	e.stats.datagramsIn.Add(1)
	if p.Kind == KindRepair {
		e.stats.recovered.Add(1) // its first copy never arrived
	}
	if !pr.synced {
		if pr.syncBy.IsZero() {
			pr.syncBy = now.Add(e.timing.SyncWait)
		}
		return
	}
	e.emit(pr, pr.deliverReady(now, nil))
	e.scheduleNack(now, pr)
}

// lowestHeld is the smallest seq held, or seq when nothing is.
func (pr *peer) lowestHeld(seq uint64) uint64 {
	low := seq
	for s := range pr.held {
		low = min(low, s)
	}
	return low
}

func (e *Engine) onControl(now time.Time, p *Packet, src netip.AddrPort) {
	c, err := ParseControl(p.Body)
	if err != nil {
		e.stats.rejected.Add(1)
		return
	}
	pr := e.peerFor(now, p, src)
	if pr == nil {
		return
	}
	e.stats.controlIn.Add(1)
	pr.highest = max(pr.highest, p.Seq)
	var out []delivery
	if !pr.synced {
		out = e.sync(now, pr, startFromControl(pr, p, c, now.Sub(e.m.started)))
	} else if c.Trail > pr.expected {
		out = pr.giveUpBefore(now, c.Trail, out) // aged out of the sender's buffer
	}
	if p.Kind == KindLeave {
		// It will answer no more NACKs: what is still missing is lost.
		out = pr.giveUpBefore(now, pr.highest+1, out)
		e.emit(pr, out)
		e.removePeer(now, pr, false)
		return
	}
	e.emit(pr, out)
	e.scheduleNack(now, pr)
}

// startFromControl picks where delivery of a sender starts. A sender that
// began after we joined (judged by its own uptime against ours, so clocks
// need not agree) is delivered from its first message; an older one from
// what we hold, or from its next message.
func startFromControl(pr *peer, p *Packet, c Control, ourUptime time.Duration) uint64 {
	senderUptime := time.Duration(p.Time-c.Started) * time.Microsecond
	if senderUptime <= ourUptime+time.Second {
		return max(c.Trail, 1)
	}
	return pr.lowestHeld(p.Seq + 1)
}

// sync fixes a new sender's start point and delivers what it can.
func (e *Engine) sync(now time.Time, pr *peer, start uint64) []delivery {
	pr.synced = true
	pr.syncBy = time.Time{}
	pr.expected = max(start, 1)
	for s := range pr.held {
		if s < pr.expected {
			pr.take(s)
		}
	}
	return pr.deliverReady(now, nil)
}

func (e *Engine) onNack(now time.Time, p *Packet, src netip.AddrPort) {
	n, err := ParseNack(p.Body)
	if err != nil {
		e.stats.rejected.Add(1)
		return
	}
	e.stats.nacksIn.Add(1)
	e.peerFor(now, p, src)
	m := e.m
	if n.Target == m.self {
		if !m.cfg.Plain {
			e.repair(now, n)
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

// repair answers a NACK for our own data.
func (e *Engine) repair(now time.Time, n Nack) {
	m := e.m
	m.lastActivity = now
	sent, aged := 0, false
	for _, r := range n.Ranges {
		for s := r.First; s <= r.Last && s <= m.seq && sent < e.timing.MaxRepairs; s++ {
			d := m.buf.get(s)
			if d == nil {
				aged = aged || s < m.buf.trail
				continue
			}
			if !d.repaired.IsZero() && now.Sub(d.repaired) < e.timing.RepairLinger {
				continue // just repaired: that copy is on its way to everyone
			}
			d.repaired = now
			wire := append(m.wbuf[:0], d.wire...)
			wire[5] = byte(KindRepair)
			m.wbuf = wire
			if err := m.transmit(wire); err != nil {
				e.stats.sendErrors.Add(1)
				return
			}
			sent++
			e.stats.repairsOut.Add(1)
		}
	}
	if aged && now.Sub(m.lastTrailBeat) >= e.timing.RepairLinger {
		// Tell them at once where our buffer starts, so they report the
		// loss instead of asking again.
		m.lastTrailBeat = now
		e.writeControl(KindHeartbeat)
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
}

// emit turns deliveries into events.
func (e *Engine) emit(pr *peer, out []delivery) {
	for _, d := range out {
		switch {
		case d.msg != nil:
			msg := *d.msg
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
			e.queue.push(msg)
			e.stats.messagesIn.Add(1)
		case d.lost != nil:
			e.stats.lost.Add(d.lost.Len())
			e.queue.push(Lost{Peer: pr.view(), First: d.lost.First, Last: d.lost.Last})
		}
	}
}

// removePeer forgets a member that left or timed out.
func (e *Engine) removePeer(now time.Time, pr *peer, timeout bool) {
	m := e.m
	pr.release()
	delete(m.peers, pr.id)
	m.departed[pr.id] = now
	e.queue.push(PeerLeft{Peer: pr.view(), Timeout: timeout})
	e.publishRoster()
	e.updateReceipts()
}

// runTimers does everything that is due.
func (e *Engine) runTimers(now time.Time) {
	m := e.m
	if m == nil {
		return
	}
	t := &e.timing
	if m.leaving {
		if !now.Before(m.leaveAt) {
			e.writeControl(KindLeave)
			m.leaveStep++
			if m.leaveStep >= len(t.LeaveRepeats) {
				e.finish(nil, true)
				return
			}
			m.leaveAt = m.leaveStart.Add(t.LeaveRepeats[m.leaveStep])
		}
		return
	}
	if !now.Before(m.beatAt) {
		kind := KindHeartbeat
		if m.hellos < len(t.HelloRepeats) {
			kind = KindHello
			m.hellos++
		}
		e.writeControl(kind)
		m.scheduleBeat(now, *t)
	}
	for _, pr := range m.peers {
		if !pr.synced && !pr.syncBy.IsZero() && !now.Before(pr.syncBy) {
			// No HELLO or heartbeat came: start with what we have.
			e.emit(pr, e.sync(now, pr, pr.lowestHeld(pr.highest+1)))
			e.scheduleNack(now, pr)
		}
		if now.Sub(pr.lastHeard) > t.PeerTimeout {
			e.emit(pr, pr.giveUpBefore(now, pr.highest+1, nil))
			e.removePeer(now, pr, true)
			continue
		}
		if !pr.nackAt.IsZero() && !now.Before(pr.nackAt) && m.cfg.Plain {
			// We send no NACKs in plain mode: a gap is a loss.
			pr.nackAt = time.Time{}
			e.emit(pr, pr.giveUpBefore(now, pr.highest+1, nil))
			continue
		}
		if !pr.nackAt.IsZero() && !now.Before(pr.nackAt) {
			ranges := pr.missing(t.Window)
			if len(ranges) == 0 {
				pr.nackAt = time.Time{}
				continue
			}
			p := Packet{Kind: KindNack, Sender: m.self, Time: now.UnixMicro(), Nick: m.cfg.Nick,
				Body: AppendNack(m.scratch[:0], Nack{Target: pr.id, Ranges: ranges})}
			e.write(&p)
			e.stats.nacksOut.Add(1)
			pr.nackAt = now.Add(e.retryDelay())
		}
	}
	if !m.receiptAt.IsZero() && !now.Before(m.receiptAt) {
		p := Packet{Kind: KindReceipt, Sender: m.self, Seq: m.receiptSeq, Time: now.UnixMicro(), Nick: m.cfg.Nick, Body: m.receiptTo[:]}
		e.write(&p)
		m.receiptsLeft--
		m.receiptAt = time.Time{}
		if m.receiptsLeft > 0 {
			m.receiptAt = now.Add(time.Second) // once more, in case the first is lost
		}
	}
	if !m.pinAt.IsZero() && !now.Before(m.pinAt) {
		m.pinAt = time.Time{}
		for _, w := range m.pinned {
			wire := append(m.wbuf[:0], w...)
			wire[5] = byte(KindPinned)
			m.wbuf = wire
			if err := m.transmit(wire); err != nil {
				e.stats.sendErrors.Add(1)
			}
		}
	}
	for id, at := range m.departed {
		if now.Sub(at) > 2*t.PeerTimeout {
			delete(m.departed, id)
		}
	}
	if m.lingering {
		quietSince := m.lastActivity
		if quietSince.Before(m.lingerStart.Add(-t.LingerQuiet)) {
			quietSince = m.lingerStart.Add(-t.LingerQuiet)
		}
		if now.Sub(quietSince) >= t.LingerQuiet || now.Sub(m.lingerStart) >= t.LingerMax {
			m.lingering, m.leaving = false, true
			m.leaveStart, m.leaveAt, m.leaveStep = now, now, 0
			e.runTimers(now)
			return
		}
	}
	for r, u := range m.unreadable {
		if !u.reported && now.Sub(u.first) >= time.Second {
			u.reported = true
			e.queue.push(Unreadable{Reason: r, Count: u.count})
		}
	}
	if now.Sub(m.rosterAt) >= time.Second {
		e.publishRoster()
	}
}

// armTimer sets the timer for the next thing due.
func (e *Engine) armTimer() {
	m := e.m
	if m == nil {
		e.timer.Stop()
		return
	}
	t := &e.timing
	next := m.beatAt
	soonest := func(at time.Time) {
		if !at.IsZero() && at.Before(next) {
			next = at
		}
	}
	if m.leaving {
		next = m.leaveAt
	}
	for _, pr := range m.peers {
		soonest(pr.nackAt)
		soonest(pr.syncBy)
		soonest(pr.lastHeard.Add(t.PeerTimeout + time.Millisecond))
	}
	if m.lingering {
		soonest(m.lastActivity.Add(t.LingerQuiet))
		soonest(m.lingerStart.Add(t.LingerQuiet))
		soonest(m.lingerStart.Add(t.LingerMax))
	}
	soonest(m.rosterAt.Add(time.Second))
	soonest(m.receiptAt)
	soonest(m.pinAt)
	for _, u := range m.unreadable {
		if !u.reported {
			soonest(u.first.Add(time.Second))
		}
	}
	e.timer.Reset(max(next.Sub(e.now()), 0))
}

// publishRoster stores a snapshot for Roster.
func (e *Engine) publishRoster() {
	m := e.m
	if m == nil {
		e.roster.Store(&[]Peer{})
		return
	}
	now := e.now()
	m.rosterAt = now
	list := make([]Peer, 0, len(m.peers)+1)
	list = append(list, Peer{ID: m.self, Nick: m.cfg.Nick, LastHeard: now, Self: true})
	for _, pr := range m.peers {
		list = append(list, pr.view())
	}
	e.roster.Store(&list)
}

// member is one membership: transport, our stream and the peers heard.
type member struct {
	cfg     Config
	choice  Choice
	tr      Transport
	self    SenderID
	started time.Time

	seq       uint64 // last DATA seq sent
	buf       *sendBuffer
	heldBytes int // text held for out-of-order delivery, all peers
	peers     map[SenderID]*peer
	departed  map[SenderID]time.Time

	hellos        int // HELLOs sent
	beatAt        time.Time
	lastData      time.Time
	lastActivity  time.Time // last data sent or NACK for us: linger waits for quiet
	lastTrailBeat time.Time
	rosterAt      time.Time

	lingering   bool
	lingerStart time.Time
	leaving     bool
	leaveStart  time.Time
	leaveAt     time.Time
	leaveStep   int

	wbuf    []byte
	sbuf    []byte // sealed form of the datagram being sent
	scratch [MaxDatagram]byte

	ownPort  uint16              // our sender socket's port, to spot our own plain text
	ownAddrs map[netip.Addr]bool // this host's addresses

	// Rooms: what the presenter announced, who acknowledged what, and
	// what members acknowledge.
	announcements []uint64 // first seqs of our recent announcements
	pinned        [][]byte // our recent single-datagram announcements, for newcomers
	pinAt         time.Time
	acks          map[SenderID]uint64
	reported      map[uint64][2]int
	announcedSeqs map[SenderID]map[uint64]bool
	receiptTo     SenderID
	receiptSeq    uint64
	receiptAt     time.Time
	receiptsLeft  int

	key        *GroupKey // nil: an open group
	pn         uint64    // packet number of the last sealed datagram
	replay     *replayGuard
	unreadable map[UnreadableReason]*unreadableCount

	stop    chan struct{}
	readers sync.WaitGroup
}

func newMember(cfg Config, choice Choice, tr Transport, key *GroupKey, now time.Time) *member {
	return &member{
		cfg: cfg, choice: choice, tr: tr, started: now, beatAt: now, key: key, replay: newReplayGuard(),
		buf: newSendBuffer(), peers: map[SenderID]*peer{}, departed: map[SenderID]time.Time{},
		unreadable: map[UnreadableReason]*unreadableCount{},
		acks:       map[SenderID]uint64{}, reported: map[uint64][2]int{}, announcedSeqs: map[SenderID]map[uint64]bool{},
		wbuf: make([]byte, 0, MaxDatagram), sbuf: make([]byte, 0, MaxDatagram), stop: make(chan struct{}),
	}
}

// Bounds of the room bookkeeping.
const (
	maxPinned               = 3
	maxTrackedAnnouncements = 16
)

func (m *member) announced(id SenderID, seq uint64) bool { return m.announcedSeqs[id][seq] }

func (m *member) markAnnounced(id SenderID, seq uint64) {
	set := m.announcedSeqs[id]
	if set == nil || len(set) > 256 {
		set = map[uint64]bool{}
		m.announcedSeqs[id] = set
	}
	set[seq] = true
}

// isOwn reports whether src is our own sender socket.
func (m *member) isOwn(src netip.AddrPort) bool {
	return m.ownPort != 0 && src.Port() == m.ownPort && m.ownAddrs[src.Addr()]
}

// transmit sends one datagram, sealed when the group has a key.
func (m *member) transmit(wire []byte) error {
	if m.key == nil {
		return m.tr.Write(wire)
	}
	m.pn++
	m.sbuf = m.key.Seal(m.sbuf[:0], m.pn, wire)
	return m.tr.Write(m.sbuf)
}

type unreadableCount struct {
	count    uint64
	first    time.Time
	reported bool
}

// scheduleBeat plans the next HELLO or heartbeat: HELLOs at their offsets
// from the start, heartbeats soon after data (tail loss) and otherwise at
// the ambient interval.
func (m *member) scheduleBeat(now time.Time, t Timing) {
	next := now.Add(t.Heartbeat)
	if m.hellos < len(t.HelloRepeats) {
		next = m.started.Add(t.HelloRepeats[m.hellos])
	}
	if !m.lastData.IsZero() {
		for _, off := range t.DataBeats {
			if at := m.lastData.Add(off); at.After(now) {
				if at.Before(next) {
					next = at
				}
				break
			}
		}
	}
	m.beatAt = next
}

// readLoop feeds datagrams to out until the membership stops or the
// transport fails.
func (m *member) readLoop(out chan<- datagram) {
	defer m.readers.Done()
	buf := make([]byte, 64<<10)
	for {
		n, src, err := m.tr.Read(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			select {
			case out <- datagram{m: m, err: err}:
			case <-m.stop:
			}
			return
		}
		select {
		case out <- datagram{m: m, data: append([]byte(nil), buf[:n]...), src: src}:
		case <-m.stop:
			return
		}
	}
}

func (m *member) close() {
	close(m.stop)
	_ = m.tr.Close()
	m.readers.Wait()
}

// maxTrackedSenders bounds the peers one membership tracks.
const maxTrackedSenders = 4096

// ErrLeaving is returned when sending while the membership is ending.
var ErrLeaving = errors.New("leaving the group")

// Stats counts what the engine has seen since it started.
type Stats struct {
	DatagramsIn     uint64 // DATA and REPAIR datagrams accepted
	MessagesIn      uint64 // messages delivered
	DatagramsOut    uint64 // DATA datagrams sent (first transmissions)
	ControlIn       uint64 // HELLO, HEARTBEAT and LEAVE received
	ControlOut      uint64 // HELLO, HEARTBEAT, LEAVE and NACK sent
	BytesIn         uint64 // every datagram read, accepted or not
	BytesOut        uint64
	Rejected        uint64 // not Groupcast, damaged, or from an unknown version
	OtherGroup      uint64 // addressed to another group or unicast on our port
	Duplicates      uint64
	OwnEcho         uint64 // our own datagrams looped back
	Ignored         uint64 // well-formed but not for us (unknown kinds, departed senders)
	SendErrors      uint64
	NacksOut        uint64
	NacksIn         uint64 // every NACK heard, for anyone
	NacksSuppressed uint64 // our NACKs made unnecessary by someone else's
	RepairsOut      uint64
	RepairsIn       uint64 // repairs heard, needed or not
	Recovered       uint64 // datagrams whose first copy was lost and a repair delivered
	Lost            uint64 // datagrams declared lost
	BeyondWindow    uint64 // datagrams too far ahead to hold, asked for again later
	OtherKey        uint64 // sealed with another passphrase
	Forged          uint64 // sealed with our key id but failing authentication
	Unsealed        uint64 // not sealed, in a passphrase group
	NeedKey         uint64 // sealed, in a group we joined without a passphrase
	Replayed        uint64 // authentic but seen before, or stamped too far from now
	PlainIn         uint64 // bare datagrams from classic tools, shown as plain messages
	ReadOnlyDropped uint64 // messages not from the presenter in a read-only room
}

// Refused counts every datagram refused as unauthenticated or replayed.
func (s Stats) Refused() uint64 {
	return s.OtherKey + s.Forged + s.Unsealed + s.NeedKey + s.Replayed
}

type counters struct {
	datagramsIn, messagesIn, datagramsOut, controlIn, controlOut, bytesIn, bytesOut,
	rejected, otherGroup, duplicates, ownEcho, ignored, sendErrors,
	nacksOut, nacksIn, nacksSuppressed, repairsOut, repairsIn, recovered, lost, beyondWindow,
	otherKey, forged, unsealed, needKey, replayed, plainIn, readOnlyDropped atomic.Uint64
}

// Stats returns a snapshot of the counters; safe from any goroutine.
func (e *Engine) Stats() Stats {
	c := &e.stats
	return Stats{
		DatagramsIn: c.datagramsIn.Load(), MessagesIn: c.messagesIn.Load(), DatagramsOut: c.datagramsOut.Load(),
		ControlIn: c.controlIn.Load(), ControlOut: c.controlOut.Load(),
		BytesIn: c.bytesIn.Load(), BytesOut: c.bytesOut.Load(),
		Rejected: c.rejected.Load(), OtherGroup: c.otherGroup.Load(),
		Duplicates: c.duplicates.Load(), OwnEcho: c.ownEcho.Load(),
		Ignored: c.ignored.Load(), SendErrors: c.sendErrors.Load(),
		NacksOut: c.nacksOut.Load(), NacksIn: c.nacksIn.Load(), NacksSuppressed: c.nacksSuppressed.Load(),
		RepairsOut: c.repairsOut.Load(), RepairsIn: c.repairsIn.Load(), Recovered: c.recovered.Load(),
		Lost: c.lost.Load(), BeyondWindow: c.beyondWindow.Load(),
		OtherKey: c.otherKey.Load(), Forged: c.forged.Load(), Unsealed: c.unsealed.Load(),
		NeedKey: c.needKey.Load(), Replayed: c.replayed.Load(), PlainIn: c.plainIn.Load(),
		ReadOnlyDropped: c.readOnlyDropped.Load(),
	}
}
