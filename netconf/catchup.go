package netconf

import (
	"bytes"
	"net/netip"
	"time"
	"unicode/utf8"

	"github.com/groupcast/groupcast/netconf/internal/seal"
	"github.com/groupcast/groupcast/netconf/wire"
)

// Catch-up (docs/PROTOCOL.md, "Catch-up"): a member that keeps history
// asks the group, when it joins, for what was said since it last kept
// something; members that keep history answer with the messages they
// hold, each a DATA as its sender sent it, inside a CATCHUP of their
// own (sealed as usual in a private group). A member takes from them
// only what its own streams will never deliver: what was sent before it
// was there.
const (
	// CatchUpSpan is how far back a member asks, at most (and how far
	// back an answer reaches, whatever the ask says): a school day.
	CatchUpSpan = 24 * time.Hour
	// catchUpFirstAsk: the first ask goes this long after joining, once
	// the members' heartbeats have said where their streams are.
	catchUpFirstAsk = 1200 * time.Millisecond
	// catchUpOpen: answers are taken for this long after an ask.
	catchUpOpen = 10 * time.Second
	// catchUpMessages bounds an answer: the latest this many messages,
	// and at most catchUpDatagrams datagrams.
	catchUpMessages  = 500
	catchUpDatagrams = 1024
	// Answers are paced: catchUpBurst datagrams every catchUpPace
	// (6 400 a second, about 9 MB/s at most).
	catchUpBurst = 32
	catchUpPace  = 5 * time.Millisecond
	// A member answers one computer at most once per catchUpEvery, and
	// sends at most catchUpAllowance datagrams of answers, earning
	// catchUpRate a second: a flood of asks (from forged addresses, say)
	// costs the group at most that.
	catchUpEvery     = 10 * time.Second
	catchUpAllowance = 2 * catchUpDatagrams
	catchUpRate      = 200
	// An answer waits a random 0-catchUpDelay (plus catchUpLate when we
	// were not there for all that was asked), and is not sent when
	// another member's is heard meanwhile.
	catchUpDelay = 150 * time.Millisecond
	catchUpLate  = 300 * time.Millisecond
	// Bounds of what an asking member keeps: datagrams seen, messages
	// being put together from pieces, asking computers remembered.
	catchUpSeen    = 8192
	catchUpPartial = 64
	catchUpHosts   = 256
)

// catchUpRetries: when nothing answered, the ask is repeated after these.
var catchUpRetries = []time.Duration{2 * time.Second, 5 * time.Second}

// catchUp is a membership's catch-up: what it asks for and takes, and
// the answer it gives.
type catchUp struct {
	archive Archive

	// Asking.
	since time.Time // what we ask for (zero until Archive.Last is known)
	asks  int       // asks sent
	askAt time.Time // the next ask (zero: none due)
	until time.Time // answers are taken until then
	seen  map[dgKey]struct{}
	parts map[dgKey]*caughtPieces // by the message's first seq

	// Answering.
	answerAt    time.Time // our answer is due then (zero: none)
	answerSince time.Time
	othersHeard bool // another member answered meanwhile: we stay quiet
	fetching    bool // Archive.Kept runs
	outq        [][]byte
	sendAt      time.Time
	allowance   float64
	earnedAt    time.Time
	answered    map[netip.Addr]time.Time // when each asking computer was last answered
}

type dgKey struct {
	sender wire.SenderID
	seq    uint64
}

// caughtPieces is a message in pieces being put together.
type caughtPieces struct {
	count   uint16
	got     uint16
	pieces  [][]byte // the pieces' datagrams, by index
	texts   [][]byte
	signed  bool
	time    int64
	nick    string
	source  netip.AddrPort
	started time.Time
}

func newCatchUp(a Archive, now time.Time) *catchUp {
	return &catchUp{archive: a, seen: map[dgKey]struct{}{}, parts: map[dgKey]*caughtPieces{},
		answered: map[netip.Addr]time.Time{}, allowance: catchUpAllowance, earnedAt: now}
}

// archived is what an Archive said, from its goroutine.
type archived struct {
	owner *session
	last  bool // Archive.Last's answer (else Kept's)
	at    time.Time
	kept  [][][]byte
	err   error
}

// startCatchUp asks the archive, off the loop, when we last kept
// something; the first ask goes once it has said (onArchived).
func (e *Engine) startCatchUp(m *session) {
	a := m.catchup.archive
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		at, err := a.Last()
		e.postArchived(archived{owner: m, last: true, at: at, err: err})
	}()
}

func (e *Engine) postArchived(r archived) {
	select {
	case e.archived <- r:
	case <-e.done:
	}
}

// onArchived takes what an Archive said.
func (e *Engine) onArchived(r archived) {
	m := e.m
	if m == nil || r.owner != m || m.catchup == nil {
		return // a membership since left
	}
	c, now := m.catchup, e.now()
	if r.last {
		since := now.Add(-CatchUpSpan)
		if r.err == nil && !r.at.IsZero() {
			// Clocks may disagree: ask a little further back; what we
			// already have is known by its sender and seq.
			since = later(since, r.at.Add(-seal.MaxClockSkew))
		}
		c.since = since
		c.askAt = later(now, m.started.Add(catchUpFirstAsk))
		return
	}
	c.fetching = false
	if r.err != nil || c.othersHeard {
		return
	}
	budget := min(int(c.earn(now)), catchUpDatagrams)
	for _, msg := range r.kept {
		if len(c.outq)+len(msg) > budget {
			break
		}
		for _, dg := range msg {
			nick := wire.CatchUpNick(m.cfg.Nick, len(dg), m.key != nil)
			if nick == "" {
				continue
			}
			p := wire.Packet{Kind: wire.KindCatchUp, Sender: m.self, Time: now.UnixMicro(), Nick: nick, Body: dg}
			b, err := wire.AppendEncode(nil, &p)
			if err != nil {
				continue
			}
			c.outq = append(c.outq, b)
		}
	}
	c.allowance -= float64(len(c.outq))
	c.sendAt = now
}

// earn brings the answer allowance up to now and returns it.
func (c *catchUp) earn(now time.Time) float64 {
	if d := now.Sub(c.earnedAt); d > 0 {
		c.allowance = min(c.allowance+d.Seconds()*catchUpRate, catchUpAllowance)
		c.earnedAt = now
	}
	return c.allowance
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// catchUpTimers asks, fetches an answer and sends it, as each is due.
func (e *Engine) catchUpTimers(now time.Time) {
	m := e.m
	c := m.catchup
	if c == nil {
		return
	}
	if !c.askAt.IsZero() && !now.Before(c.askAt) {
		p := wire.Packet{Kind: wire.KindCatchUpAsk, Sender: m.self, Time: now.UnixMicro(), Nick: m.cfg.Nick,
			Body: wire.AppendCatchUpAsk(nil, c.since.UnixMicro())}
		e.write(&p)
		c.until = now.Add(catchUpOpen)
		c.askAt = time.Time{}
		if c.asks < len(catchUpRetries) {
			c.askAt = now.Add(catchUpRetries[c.asks])
		}
		c.asks++
	}
	if !c.answerAt.IsZero() && !now.Before(c.answerAt) {
		c.answerAt = time.Time{}
		if !c.othersHeard && !c.fetching {
			c.fetching = true
			a, since := c.archive, c.answerSince
			e.wg.Add(1)
			go func() {
				defer e.wg.Done()
				kept, err := a.Kept(since, catchUpMessages)
				e.postArchived(archived{owner: m, kept: kept, err: err})
			}()
		}
	}
	if len(c.outq) > 0 && !now.Before(c.sendAt) {
		n := min(len(c.outq), catchUpBurst)
		for _, b := range c.outq[:n] {
			if err := m.transmit(b); err != nil {
				add(&e.stats.SendErrors, 1)
			}
		}
		add(&e.stats.CatchUpOut, uint64(n))
		clear(c.outq[:n])
		c.outq = c.outq[n:]
		if len(c.outq) == 0 {
			c.outq = nil
		}
		c.sendAt = now.Add(catchUpPace)
	}
	if !c.until.IsZero() && now.After(c.until) {
		c.until = time.Time{}
		clear(c.parts) // pieces that will not come
	}
}

// nextDeadline is when catch-up next has something to do (zero: never).
func (c *catchUp) nextDeadline() time.Time {
	next := earliest(c.askAt, c.answerAt, c.until)
	if len(c.outq) > 0 {
		next = earliest(next, c.sendAt)
	}
	return next
}

// onCatchUpAsk plans an answer to a member asking for what it missed.
func (e *Engine) onCatchUpAsk(now time.Time, p *wire.Packet, src netip.AddrPort) {
	since, err := wire.ParseCatchUpAsk(p.Body)
	if err != nil {
		add(&e.stats.Rejected, 1)
		return
	}
	if e.peerFor(now, p, src) == nil {
		return
	}
	c := e.m.catchup
	if c == nil {
		add(&e.stats.Ignored, 1) // we keep nothing to answer with
		return
	}
	add(&e.stats.CatchUpAsksIn, 1)
	// What an ask may reach is ours to say: at most CatchUpSpan back.
	from := later(time.UnixMicro(since), now.Add(-CatchUpSpan))
	if from.After(now) {
		add(&e.stats.Ignored, 1)
		return
	}
	host := src.Addr()
	if at, ok := c.answered[host]; ok && now.Sub(at) < catchUpEvery {
		add(&e.stats.CatchUpRefused, 1)
		e.refuse(now, UnreadableCatchUpFlood, p.Nick, host)
		return
	}
	if c.fetching || len(c.outq) > 0 {
		add(&e.stats.CatchUpRefused, 1) // busy answering: the asker asks again if nobody answers
		return
	}
	if len(c.answered) >= catchUpHosts {
		c.forgetOldestHost()
	}
	c.answered[host] = now
	if !c.answerAt.IsZero() {
		c.answerSince = earlier(c.answerSince, from) // one answer for both
		return
	}
	delay := time.Duration(e.rng.Int64N(int64(catchUpDelay) + 1))
	if e.m.started.After(from) {
		delay += catchUpLate // we were not there for all of it: let one who was answer first
	}
	c.answerAt, c.answerSince, c.othersHeard = now.Add(delay), from, false
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// forgetOldestHost makes room in the table of asking computers.
func (c *catchUp) forgetOldestHost() {
	var oldest netip.Addr
	var at time.Time
	for h, t := range c.answered {
		if at.IsZero() || t.Before(at) {
			oldest, at = h, t
		}
	}
	delete(c.answered, oldest)
}

// onCatchUp takes a message another member re-sent from its history, if
// we asked, our streams will never deliver it, and it is what it says.
func (e *Engine) onCatchUp(now time.Time, p *wire.Packet, src netip.AddrPort) {
	in, err := wire.ParseCatchUp(p.Body)
	if err != nil {
		add(&e.stats.Rejected, 1)
		return
	}
	if e.peerFor(now, p, src) == nil {
		return
	}
	m := e.m
	c := m.catchup
	if c == nil {
		add(&e.stats.Ignored, 1)
		return
	}
	if !c.answerAt.IsZero() || c.fetching {
		c.othersHeard = true // someone answers: ours would repeat it
	}
	if c.until.IsZero() || now.After(c.until) {
		add(&e.stats.Ignored, 1) // an answer to someone else, or come too late
		return
	}
	c.askAt = time.Time{} // answered: no need to ask again
	key := dgKey{in.Sender, in.Seq}
	if _, dup := c.seen[key]; dup || in.Sender == m.self {
		add(&e.stats.Duplicates, 1)
		return
	}
	if pr := m.peers.Get(in.Sender); pr != nil && (!pr.Stream.Synced() || in.Seq >= pr.Stream.Start()) {
		add(&e.stats.Duplicates, 1) // its stream delivers this (or will say it is lost)
		return
	}
	if sent := time.UnixMicro(in.Time); sent.Before(c.since.Add(-seal.MaxClockSkew)) || sent.After(now.Add(seal.MaxClockSkew)) {
		add(&e.stats.Ignored, 1) // not what we asked for
		return
	}
	signed, ok := m.judge.CheckEarlier(now, &in, p.Nick, src)
	if !ok {
		return
	}
	if len(c.seen) >= catchUpSeen {
		add(&e.stats.Ignored, 1) // more than any answer holds
		return
	}
	c.seen[key] = struct{}{}
	dg := bytes.Clone(p.Body)
	if in.Frag.Count == 0 {
		e.showCaughtUp(now, in.Sender, in.Seq, in.Nick, in.Time, string(in.Body), signed, src, [][]byte{dg})
		return
	}
	e.caughtPiece(now, &in, signed, src, dg)
}

// caughtPiece puts a message in pieces together; what is bounded is the
// messages being put together, each at most wire.MaxFragments pieces.
func (e *Engine) caughtPiece(now time.Time, in *wire.Packet, signed bool, src netip.AddrPort, dg []byte) {
	c := e.m.catchup
	first := in.Seq - uint64(in.Frag.Index)
	if in.Seq < uint64(in.Frag.Index) || first == 0 {
		add(&e.stats.Rejected, 1)
		return
	}
	key := dgKey{in.Sender, first}
	pc := c.parts[key]
	if pc == nil {
		if len(c.parts) >= catchUpPartial {
			add(&e.stats.Ignored, 1)
			return
		}
		pc = &caughtPieces{count: in.Frag.Count, pieces: make([][]byte, in.Frag.Count), texts: make([][]byte, in.Frag.Count),
			signed: true, time: in.Time, nick: in.Nick, source: src, started: now}
		c.parts[key] = pc
	}
	i := in.Frag.Index
	if pc.count != in.Frag.Count || pc.pieces[i] != nil {
		add(&e.stats.Rejected, 1) // pieces that do not agree
		return
	}
	pc.pieces[i], pc.texts[i] = dg, bytes.Clone(in.Body)
	pc.signed = pc.signed && signed
	pc.got++
	if pc.got < pc.count {
		return
	}
	delete(c.parts, key)
	text := bytes.Join(pc.texts, nil)
	if len(text) > wire.MaxMessage || !utf8.Valid(text) {
		add(&e.stats.Rejected, 1)
		return
	}
	e.showCaughtUp(now, in.Sender, first, pc.nick, pc.time, string(text), pc.signed, pc.source, pc.pieces)
}

// showCaughtUp delivers a caught-up message, marked as earlier; an
// announcement is acknowledged (the presenter's receipts count us) and
// shown once, whether it came pinned, live or caught up.
func (e *Engine) showCaughtUp(now time.Time, sender wire.SenderID, seq uint64, nick string, at int64, text string,
	signed bool, src netip.AddrPort, dgrams [][]byte) {
	m := e.m
	if signed {
		if m.class.Shown(sender, seq, now) {
			add(&e.stats.Duplicates, 1)
			return
		}
	}
	e.queue.Push(Message{From: nick, Sender: sender, Seq: seq, Sent: time.UnixMicro(at), Received: now, Source: src,
		Text: text, Announcement: signed, Earlier: true, CaughtUp: true, Wire: dgrams})
	add(&e.stats.CatchUpIn, 1)
	add(&e.stats.MessagesIn, 1)
}
