package catchup

import (
	"bytes"
	"net/netip"
	"time"
	"unicode/utf8"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/seal"
	"github.com/groupcast/groupcast/netconf/wire"
)

// caughtPieces is a message in pieces being put together.
type caughtPieces struct {
	count   uint16
	got     uint16
	pieces  [][]byte // the pieces' datagrams, by index
	texts   [][]byte
	signed  bool
	message bool // a piece was the presenter's message: none of it is an announcement
	time    int64
	nick    string
	source  netip.AddrPort
	started time.Time
}

// onCatchUp takes a message another member re-sent from its history, if
// we asked, our streams will never deliver it, and it is what it says.
func (c *Part) onCatchUp(now time.Time, p *wire.Packet, src netip.AddrPort) {
	in, err := wire.ParseCatchUp(p.Body)
	if err != nil {
		c.count(&c.stats.Rejected)
		return
	}
	if c.env.Member(now, p, src) == nil {
		return
	}
	if c.archive == nil {
		c.count(&c.stats.Ignored)
		return
	}
	if !c.answerAt.IsZero() || c.fetching {
		c.othersHeard = true // someone answers: ours would repeat it
	}
	if c.until.IsZero() || now.After(c.until) {
		c.count(&c.stats.Ignored) // an answer to someone else, or come too late
		return
	}
	c.askAt = time.Time{} // answered: no need to ask again
	if !c.wanted(now, &in) {
		return
	}
	signed, ok := c.judge.CheckEarlier(now, &in, p.Nick, src)
	if !ok {
		return
	}
	if len(c.seen) >= Seen {
		c.count(&c.stats.Ignored) // more than any answer holds
		return
	}
	c.seen[dgKey{in.Sender, in.Seq}] = struct{}{}
	dg := bytes.Clone(p.Body)
	if in.Frag.Count == 0 {
		c.show(now, &in, in.Seq, string(in.Body), signer{signed, in.Sig.Message}, src, [][]byte{dg})
		return
	}
	c.caughtPiece(now, &in, signed, src, dg)
}

// wanted: in is new to us, our streams will not deliver it, and it was
// sent when we asked for.
func (c *Part) wanted(now time.Time, in *wire.Packet) bool {
	if _, dup := c.seen[dgKey{in.Sender, in.Seq}]; dup || in.Sender == c.env.Self() {
		c.count(&c.stats.Duplicates)
		return false
	}
	if pr := c.env.Peers().Get(in.Sender); pr != nil && (!pr.Stream.Synced() || in.Seq >= pr.Stream.Start()) {
		c.count(&c.stats.Duplicates) // its stream delivers this (or will say it is lost)
		return false
	}
	if sent := time.UnixMicro(in.Time); sent.Before(c.since.Add(-seal.MaxClockSkew)) || sent.After(now.Add(seal.MaxClockSkew)) {
		c.count(&c.stats.Ignored) // not what we asked for
		return false
	}
	return true
}

// caughtPiece puts a message in pieces together; what is bounded is the
// messages being put together, each at most wire.MaxFragments pieces.
func (c *Part) caughtPiece(now time.Time, in *wire.Packet, signed bool, src netip.AddrPort, dg []byte) {
	first := in.Seq - uint64(in.Frag.Index)
	if in.Seq < uint64(in.Frag.Index) || first == 0 {
		c.count(&c.stats.Rejected)
		return
	}
	key := dgKey{in.Sender, first}
	pc := c.pieces[key]
	if pc == nil {
		if len(c.pieces) >= Partial {
			c.count(&c.stats.Ignored)
			return
		}
		pc = &caughtPieces{count: in.Frag.Count, pieces: make([][]byte, in.Frag.Count), texts: make([][]byte, in.Frag.Count),
			signed: true, time: in.Time, nick: in.Nick, source: src, started: now}
		c.pieces[key] = pc
	}
	i := in.Frag.Index
	if pc.count != in.Frag.Count || pc.pieces[i] != nil {
		c.count(&c.stats.Rejected) // pieces that do not agree
		return
	}
	pc.pieces[i], pc.texts[i] = dg, bytes.Clone(in.Body)
	pc.signed = pc.signed && signed
	pc.message = pc.message || in.Sig.Message
	pc.got++
	if pc.got < pc.count {
		return
	}
	delete(c.pieces, key)
	text := bytes.Join(pc.texts, nil)
	if len(text) > wire.MaxMessage || !utf8.Valid(text) {
		c.count(&c.stats.Rejected)
		return
	}
	whole := wire.Packet{Sender: in.Sender, Nick: pc.nick, Time: pc.time}
	c.show(now, &whole, first, string(text), signer{pc.signed, pc.message}, pc.source, pc.pieces)
}

// signer is who signed a caught-up message: the room's presenter
// (verified), as its message or as an announcement.
type signer struct{ presenter, message bool }

func (s signer) announcement() bool { return s.presenter && !s.message }

// show delivers a caught-up message (of in's sender, nick and time),
// marked as earlier; an announcement is acknowledged (the presenter's
// receipts count us) and shown once, whether it came pinned, live or
// caught up. The presenter's message is the presenter's, and no
// announcement.
func (c *Part) show(now time.Time, in *wire.Packet, seq uint64, text string, by signer, src netip.AddrPort, dgrams [][]byte) {
	if by.announcement() && c.shown != nil && c.shown(in.Sender, seq, now) {
		c.count(&c.stats.Duplicates)
		return
	}
	c.env.Emit(event.Message{From: in.Nick, Sender: in.Sender, Seq: seq, Sent: time.UnixMicro(in.Time), Received: now,
		Source: src, Text: text, Announcement: by.announcement(), Presenter: by.presenter, Earlier: true, CaughtUp: true, Wire: dgrams})
	c.count(&c.stats.CatchUpIn)
	c.count(&c.stats.MessagesIn)
}
