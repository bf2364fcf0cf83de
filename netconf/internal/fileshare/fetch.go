package fileshare

import (
	"encoding/hex"
	"time"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/part"
	"github.com/groupcast/groupcast/netconf/wire"
)

// restore hands group g to the writer to restore from parity; when the
// writer has no room, receiveFiles tries again (nothing more of a group
// that can be restored is asked for, so nothing else would).
func (in *incoming) restore(g uint64) {
	if in.queued[g] {
		return
	}
	// The writer restores from what it has written: the run first. If
	// the writer had no room for it, its blocks are needed again, and
	// the group may need more than it holds.
	if in.handRun(); !in.r.Restorable(g) {
		delete(in.retry, g) // said again by the block or parity that makes it so
		return
	}
	held := make([]bool, in.offer.GroupLen(g))
	first := g * uint64(in.offer.Group)
	for i := range held {
		held[i] = in.r.Has(first + uint64(i))
	}
	if in.w.restore(g, held, in.r.Parity(g)) {
		in.queued[g] = true
		delete(in.retry, g)
	} else {
		in.retry[g] = true
	}
}

// finish hands a complete file to the writer to check and name
// (tried again by receiveFiles when the writer has no room).
func (in *incoming) finish() {
	if in.handRun(); !in.r.Complete() {
		return // the writer had no room for the last blocks: asked again
	}
	if in.state == fetching && in.w.finish() {
		in.state = finishing
	}
}

// onFileResult takes what a writer did.
func (pt *Part) onFileResult(now time.Time, r fileResult) {
	in := pt.in[r.id]
	if in == nil || in.w != r.w {
		return // over meanwhile
	}
	id := r.id.String()
	switch {
	case r.err != nil:
		in.state, in.status, in.reason = settled, wire.FileFailed, r.reason
		in.doneAt, in.dones = now, 0
		pt.fileFailed(id, in.offer.Name, false, failWords(r.err))
	case r.restored:
		in.r.Restored(r.group)
		delete(in.queued, r.group)
		if in.r.Complete() {
			in.finish()
		}
	case r.path != "":
		in.state, in.status = settled, wire.FileHave
		in.doneAt, in.dones = now, 0
		pt.env.Emit(event.FileProgress{ID: id, Name: in.offer.Name, Done: int64(in.offer.Size), Size: int64(in.offer.Size)})
		pt.env.Emit(event.FileReceived{ID: id, From: in.peer, Name: in.offer.Name, Size: int64(in.offer.Size),
			SHA256: hex.EncodeToString(in.offer.SHA256[:]), Path: r.path})
	}
}

// receiveFiles asks for what is missing, answers senders and reports
// progress.
func (pt *Part) receiveFiles(now time.Time) {
	for id, in := range pt.in {
		switch in.state {
		case fetching:
			for g := range in.retry {
				in.restore(g)
			}
			if in.r.Complete() {
				in.finish()
			}
			if !in.checking && !now.Before(in.nackAt) {
				if base, needs, ok := in.r.Nack(in.upto); ok {
					pt.writeFile(wire.KindFileNack, 0, wire.AppendFileNack(pt.scratch[:0], wire.FileNack{Target: in.from, ID: id, Base: base, Needs: needs}), now)
				}
				in.nackAt = now.Add(fileNackEvery + time.Duration(pt.env.Rand().Int64N(int64(fileNackEvery/2))))
			}
			if now.Sub(in.reported) >= fileProgressEvery && in.r.Held() != in.held {
				in.reported, in.held = now, in.r.Held()
				done := min(in.held*uint64(in.offer.BlockSize), in.offer.Size)
				pt.env.Emit(event.FileProgress{ID: id.String(), Name: in.offer.Name, Done: int64(done), Size: int64(in.offer.Size)})
			}
		case finishing:
			if !now.Before(in.nackAt) {
				// Every block is here and the writer checks the file
				// (its SHA-256: seconds for a large one). Say so, with a
				// NACK that needs nothing, so the sender waits for us.
				pt.writeFile(wire.KindFileNack, 0, wire.AppendFileNack(pt.scratch[:0], wire.FileNack{Target: in.from, ID: id, Needs: []byte{0}}), now)
				in.nackAt = now.Add(fileChecking)
			}
		case settled:
			if in.dones < 3 && !now.Before(in.doneAt) {
				pt.answerFile(now, in.from, id, in.status, in.reason)
				in.dones++
				in.doneAt = now.Add(time.Duration(100*in.dones*in.dones) * time.Millisecond) // +0, +100, +400 ms
			}
			if in.dones >= 3 {
				// Answered: over here. A later offer is answered again.
				delete(pt.in, id)
				in.slot.Release(1)
				a := pt.remember(id, now)
				a.from, a.status, a.reason = in.from, in.status, in.reason
			}
		}
	}
}

// deadline is when the transfers next need the loop.
func (pt *Part) deadline(now time.Time) time.Time {
	next := now.Add(time.Hour)
	for _, o := range pt.out {
		next = part.Earliest(next, o.offerAt, now.Add(fileProgressEvery))
		if !o.endAt.IsZero() && !o.done {
			// When the pass's end and the last ask let settleFile end the
			// transfer, or name the members that do not answer. One of
			// them past, the transfer waits on what comes: not a time.
			silent := o.endAt
			if o.lastAsk.After(silent) {
				silent = o.lastAsk
			}
			for _, at := range [...]time.Time{o.endAt.Add(fileDoneGrace), o.lastAsk.Add(fileDoneGrace / 2), o.endAt.Add(fileLonelyGrace), silent.Add(fileSilence)} {
				if at.After(now) {
					next = part.Earliest(next, at)
				}
			}
		}
		if !o.s.PassSent() && (pt.pump == nil || len(pt.pump.free) > 0) {
			// (With every burst out, the pump wakes the loop: Env.Wake.)
			next = part.Earliest(next, now.Add(o.pacer.Wait()))
		}
		if o.done && !o.until.IsZero() {
			next = part.Earliest(next, o.until)
		}
	}
	for _, in := range pt.in {
		switch in.state {
		case fetching:
			if !in.checking {
				next = part.Earliest(next, in.nackAt)
			}
			if in.r.Held() != in.held { // progress to report (none: no wake-up for it)
				next = part.Earliest(next, in.reported.Add(fileProgressEvery))
			}
		case finishing:
			next = part.Earliest(next, in.nackAt)
		case settled:
			if in.dones < 3 {
				next = part.Earliest(next, in.doneAt)
			}
		}
	}
	return next
}
