package fileshare

import (
	"encoding/hex"
	"net/netip"
	"time"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/classroom"
	"github.com/groupcast/groupcast/netconf/internal/files"
	"github.com/groupcast/groupcast/netconf/internal/ledger"
	"github.com/groupcast/groupcast/netconf/internal/presence"
	"github.com/groupcast/groupcast/netconf/wire"
	"github.com/groupcast/groupcast/netconf/words"
)

// ---- receiving ----

// incoming is a file we receive.
type incoming struct {
	offer    wire.FileOffer
	from     wire.SenderID
	peer     event.Peer
	slot     ledger.Counter // one of the files its computer sends us (maxIncomingPerHost)
	r        *files.Receiver
	w        *fileWriter
	upto     uint64 // groups the sender has sent whole, as far as we know
	nackAt   time.Time
	queued   map[uint64]bool // groups handed to the writer to restore
	retry    map[uint64]bool // groups to restore that the writer had no room for
	state    incomingState
	checking bool // looking for a copy in the folder (lookForCopy): nothing asked for yet
	status   wire.FileStatus
	reason   wire.FileReason
	doneAt   time.Time // when FILE_DONE is next sent
	dones    int       // FILE_DONEs sent since the last offer heard
	reported time.Time
	held     uint64 // blocks held when progress was last reported
	// run holds blocks that follow each other, from runFirst (runN of
	// them), taken since the last hand-off to the writer: a batch of
	// datagrams goes to the writer as one write (flushRuns), not one
	// hand-off per block (a goroutine woken 37 000 times for 50 MB).
	run      []byte
	runFirst uint64
	runN     int
	dirty    bool // in fileSession.dirty
}

type incomingState int

const (
	fetching  incomingState = iota
	finishing               // every block is held: the writer checks and names it
	settled                 // done or failed: answering the sender
)

// onFileOffer takes an offer: a new one is fetched when there is a save
// folder, it fits the limits and its name is a name.
func (pt *Part) onFileOffer(now time.Time, p *wire.Packet, pr *presence.Peer, src netip.AddrPort) {
	o, err := wire.ParseFileOffer(p.Body)
	if err != nil {
		event.Add(&pt.env.Stats().Rejected, 1)
		return
	}
	if pt.offeredBefore(now, p, &o) {
		return
	}
	presenter, ok := pt.judgeOffer(now, p, pr, src)
	if !ok {
		return
	}
	if !pt.env.Ledger().Take(now, src.Addr(), pt.offers, 1) {
		event.Add(&pt.env.Stats().Ignored, 1)
		pt.refuse(now, event.UnreadableFileFlood, pr.Nick, src.Addr())
		return
	}
	if presenter && pt.opts.Proven != nil {
		pt.opts.Proven(pr)
	}
	pt.newOffer(now, p, pr, src, o, presenter)
}

// offeredBefore handles an offer of a file being fetched or over here,
// and reports whether it was one.
func (pt *Part) offeredBefore(now time.Time, p *wire.Packet, o *wire.FileOffer) bool {
	if in := pt.in[o.ID]; in != nil {
		if in.from != p.Sender {
			return true // another sender's offer with this id: not this file
		}
		if o.EndOfPass() {
			in.upto, in.nackAt = in.offer.Groups(), now // ask for all, now
		}
		return true
	}
	a := pt.seen[o.ID]
	if a == nil {
		return false
	}
	if a.from == p.Sender {
		a.heard = now
	}
	if a.status != 0 && a.from == p.Sender && now.Sub(a.at) >= time.Second {
		// Still offered: our answer was lost. Say it again.
		a.at = now
		pt.answerFile(now, a.from, o.ID, a.status, a.reason)
	}
	return true
}

// judgeOffer: in a room, the presenter signs its offers; in a read-only
// room nobody else may offer. A recording of the presenter's offer (the
// judge counted it) is not taken. It reports whether the offer is the
// presenter's, and whether it is taken.
func (pt *Part) judgeOffer(now time.Time, p *wire.Packet, pr *presence.Peer, src netip.AddrPort) (presenter, ok bool) {
	j := pt.opts.Judge
	if !j.InRoom() {
		return false, true
	}
	switch j.Check(now, p, src) {
	case classroom.Recorded:
		return false, false
	case classroom.Current:
		return true, true
	}
	if j.ReadOnly() {
		event.Add(&pt.env.Stats().ReadOnlyDropped, 1)
		pt.refuse(now, event.UnreadableReadOnlyFile, pr.Nick, src.Addr())
		return false, false
	}
	return false, true
}

// newOffer reports a new offer and fetches the file when it may.
func (pt *Part) newOffer(now time.Time, p *wire.Packet, pr *presence.Peer, src netip.AddrPort, o wire.FileOffer, presenter bool) {
	seen := pt.remember(o.ID, now)
	decline := func(r wire.FileReason) {
		seen.from, seen.status, seen.reason = p.Sender, wire.FileFailed, r
		pt.answerFile(now, p.Sender, o.ID, wire.FileFailed, r)
	}
	offered := event.FileOffered{ID: o.ID.String(), From: view(pr), Name: o.Name, Size: int64(o.Size), SHA256: hex.EncodeToString(o.SHA256[:]),
		Presenter: presenter}
	why, reason := pt.mayFetch(&o, src.Addr())
	if why.Text == "" && reason == 0 {
		w, err := pt.startWriter(o)
		if err == nil {
			offered.Saving = true
			pt.env.Emit(offered)
			pt.fetch(now, p, pr, src, o, w)
			return
		}
		why, reason = failWords(err), wire.FileReasonWrite
	}
	pt.env.Emit(offered) // reported, not fetched
	if why.Text != "" {
		pt.fileFailed(offered.ID, o.Name, false, why)
	}
	if reason != 0 {
		decline(reason) // the sender need not wait
	}
}

// mayFetch says why an offer from host is not fetched, and what its
// sender is answered (0: nothing; both empty: it is fetched).
func (pt *Part) mayFetch(o *wire.FileOffer, host netip.Addr) (words.Words, wire.FileReason) {
	limit := pt.opts.MaxFileSize
	if limit <= 0 {
		limit = DefaultMaxFileSize
	}
	switch {
	case pt.opts.SaveDir == "":
		return words.Words{}, wire.FileReasonCanceled
	case o.Size > uint64(limit):
		return wFileLarger.With(map[string]any{"Limit": byteSize(uint64(limit))}), wire.FileReasonTooLarge
	case len(pt.in) >= maxIncoming || pt.env.Ledger().Holds(host, pt.incoming) >= maxIncomingPerHost:
		return wFileCrowded.With(nil), 0
	}
	return words.Words{}, 0
}

// fetch starts receiving an offered file, written by w.
func (pt *Part) fetch(now time.Time, p *wire.Packet, pr *presence.Peer, src netip.AddrPort, o wire.FileOffer, w *fileWriter) {
	in := &incoming{offer: o, from: p.Sender, peer: view(pr), r: files.NewReceiver(o), w: w,
		slot:   pt.env.Ledger().Counter(now, src.Addr(), pt.incoming),
		nackAt: now.Add(fileNackEvery), queued: map[uint64]bool{}, retry: map[uint64]bool{}, reported: now}
	in.slot.Hold(1) // mayFetch saw room
	if o.EndOfPass() || o.Pass > 1 {
		in.upto = o.Groups() // joined late: all of it is there to ask for
	}
	pt.in[o.ID] = in
	if o.Size == 0 {
		in.finish()
		return
	}
	pt.lookForCopy(in)
}

// answerFile sends FILE_DONE to a file's sender.
func (pt *Part) answerFile(now time.Time, to wire.SenderID, id wire.FileID, st wire.FileStatus, r wire.FileReason) {
	pt.writeFile(wire.KindFileDone, 0, wire.AppendFileDone(pt.scratch[:0], wire.FileDone{Target: to, ID: id, Status: st, Reason: r}), now)
}

// onFileBlock takes a block or parity block of a file being fetched.
func (pt *Part) onFileBlock(now time.Time, p *wire.Packet) {
	b, err := wire.ParseFileBlock(p.Body)
	if err != nil {
		event.Add(&pt.env.Stats().Rejected, 1)
		return
	}
	in := pt.in[b.ID]
	if in == nil || in.from != p.Sender || in.state != fetching {
		return // not fetched (or not from its sender), or all there
	}
	what, sh, restorable := in.r.Take(p.Seq, b.Data)
	switch what {
	case files.Invalid:
		event.Add(&pt.env.Stats().Rejected, 1)
		return
	case files.NewBlock:
		if !sh.Parity {
			in.upto = max(in.upto, sh.Group) // groups before this one were sent whole
			pt.addToRun(in, in.offer.Index(sh), b.Data)
		}
	}
	if restorable {
		in.restore(sh.Group)
	}
	if in.r.Complete() {
		in.finish()
	}
}

// addToRun adds block i to in's run, handing the run to the writer first
// when i does not follow it or it is full.
func (pt *Part) addToRun(in *incoming, i uint64, data []byte) {
	if in.runN > 0 && (i != in.runFirst+uint64(in.runN) || len(in.run)+len(data) > maxRunOp) {
		in.handRun()
	}
	if in.runN == 0 {
		in.runFirst = i
		if in.run == nil {
			in.run = in.w.buffer()
		}
	}
	in.run = append(in.run, data...)
	in.runN++
	if !in.dirty {
		in.dirty = true
		pt.dirty = append(pt.dirty, in)
	}
}

// handRun hands in's run to the writer. When the writer has no room, its
// blocks are needed again.
func (in *incoming) handRun() {
	if in.runN == 0 {
		return
	}
	if in.w.put(fileOp{kind: opWrite, index: in.runFirst, data: in.run}) {
		in.run = nil
	} else {
		for j := range uint64(in.runN) {
			in.r.Lost(in.runFirst + j) // the writer is behind: asked for again
		}
		in.run = in.run[:0]
	}
	in.runN = 0
}

// flushRuns hands every run to its writer: after each batch of
// datagrams.
func (pt *Part) flushRuns() {
	for _, in := range pt.dirty {
		in.dirty = false
		if pt.in[in.offer.ID] == in && in.state == fetching {
			in.handRun()
			if in.r.Complete() {
				in.finish()
			}
		}
	}
	clear(pt.dirty)
	pt.dirty = pt.dirty[:0]
}
