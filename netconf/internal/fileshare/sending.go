package fileshare

import (
	"net/netip"
	"slices"
	"time"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/presence"
	"github.com/groupcast/groupcast/netconf/wire"
)

// sendFiles sends what is due of the files we send.
func (pt *Part) sendFiles(now time.Time) {
	for id, o := range pt.out {
		if !now.Before(o.offerAt) {
			end := o.s.PassSent()
			pt.writeFile(wire.KindFileOffer, 0, wire.AppendFileOffer(pt.scratch[:0], o.s.Offer(end)), now)
			o.offerAt = now.Add(fileOfferEvery)
			if o.done {
				o.offerAt = now.Add(fileLingerOfferEvery)
			}
		}
		if !pt.sendBlocks(now, id, o) {
			continue // failed, and gone
		}
		if o.s.PassSent() && o.endAt.IsZero() && (pt.pump == nil || pt.pump.idle()) {
			// (Once the pass's last blocks are out: the end of pass must
			// not overtake them.)
			// The pass is over: say so at once, and wait for what is asked.
			o.endAt = now
			pt.writeFile(wire.KindFileOffer, 0, wire.AppendFileOffer(pt.scratch[:0], o.s.Offer(true)), now)
			o.offerAt = now.Add(fileNackEvery)
			o.s.NextPass()
		}
		pt.settleFile(now, id, o)
	}
}

// settleFile decides, after a pass, whom a transfer waits for still, and
// reports its receipt when it changed.
func (pt *Part) settleFile(now time.Time, id wire.FileID, o *outgoing) {
	waiting := 0
	for _, mb := range o.members {
		if mb.status == 0 {
			waiting++
		}
	}
	quiet := !o.endAt.IsZero() && now.Sub(o.endAt) >= fileSilence && now.Sub(o.lastAsk) >= fileSilence
	for _, mb := range o.members {
		if mb.status != 0 || o.done {
			continue
		}
		switch {
		case quiet:
			mb.status, mb.why = wire.FileFailed, wNoAnswer.With(nil)
		case mb.stalled >= fileStalled:
			mb.status, mb.why, mb.behind = wire.FileFailed, wCannotKeepUp.With(nil), true
		default:
			continue
		}
		waiting--
		o.changed = true
	}
	grace := fileDoneGrace
	if len(o.members) == 0 {
		grace = fileLonelyGrace
	}
	if !o.done && waiting == 0 && o.s.PassSent() && !o.endAt.IsZero() &&
		now.Sub(o.endAt) >= grace && now.Sub(o.lastAsk) >= grace/2 {
		o.done, o.until, o.changed = true, now.Add(pt.opts.Linger), true
		if pt.opts.Judge.Presenting() {
			// The presenter's file stays offered, pinned, for those who
			// join later, until the presenter leaves or sends
			// maxOutgoing newer ones (retireOldest).
			o.until = time.Time{}
		}
	}
	if o.changed || now.Sub(o.reported) >= fileProgressEvery && !o.done {
		if !o.done {
			sent := min(o.s.SentGroups()*uint64(o.offer.Group)*uint64(o.offer.BlockSize), o.offer.Size)
			pt.env.Emit(event.FileProgress{ID: id.String(), Name: o.name, Sending: true, Done: int64(sent), Size: int64(o.offer.Size)})
		}
		if o.changed {
			pt.env.Emit(o.receipt(id))
		}
		o.reported, o.changed = now, false
	}
	if o.done && !o.until.IsZero() && now.After(o.until) {
		pt.retire(id, now)
	}
}

// retire stops offering a file we sent.
func (pt *Part) retire(id wire.FileID, now time.Time) {
	if o := pt.out[id]; o != nil {
		_ = o.f.Close()
		pt.env.Ledger().Close(o.repairs)
		delete(pt.out, id)
		pt.remember(id, now)
	}
}

// retireOldest makes room for a new file: the oldest file every member
// has answered for, still offered for late joiners, is no longer
// offered. It reports false when every file is still being sent.
func (pt *Part) retireOldest(now time.Time) bool {
	var oldest wire.FileID
	var first time.Time
	for id, o := range pt.out {
		if o.done && (first.IsZero() || o.started.Before(first)) {
			oldest, first = id, o.started
		}
	}
	if first.IsZero() {
		return false
	}
	pt.retire(oldest, now)
	return true
}

// receipt counts computers, as announcements' receipts do: a computer
// has the file when a member on it has it (it is on that PC's disk: a
// PC restarted mid-lesson is not counted twice, its earlier member's
// answer stands for it), has failed when each member on it failed, and
// is waited for otherwise. Each computer is named by one member, the
// first by name; People is how many members were asked.
func (o *outgoing) receipt(id wire.FileID) event.FileReceipt {
	type host struct {
		have, waiting, failed *fileMember
	}
	hosts := map[netip.Addr]*host{}
	var order []netip.Addr
	first := func(a, b *fileMember) *fileMember {
		if a == nil || b.peer.Nick < a.peer.Nick {
			return b
		}
		return a
	}
	for _, mb := range o.members {
		h := hosts[mb.peer.Host]
		if h == nil {
			h = &host{}
			hosts[mb.peer.Host] = h
			order = append(order, mb.peer.Host)
		}
		switch mb.status {
		case wire.FileHave:
			h.have = first(h.have, mb)
		case wire.FileFailed:
			h.failed = first(h.failed, mb)
		default:
			h.waiting = first(h.waiting, mb)
		}
	}
	slices.SortFunc(order, netip.Addr.Compare)
	r := event.FileReceipt{ID: id.String(), Name: o.name, Members: len(hosts), People: len(o.members), Done: o.done}
	for _, a := range order {
		switch h := hosts[a]; {
		case h.have != nil:
			r.Have = append(r.Have, h.have.peer)
		case h.waiting != nil:
			r.Waiting = append(r.Waiting, h.waiting.peer)
		default:
			r.Failed = append(r.Failed, event.FileFailure{Peer: h.failed.peer, Reason: h.failed.why.String(), Why: h.failed.why})
		}
	}
	return r
}

// sendBlocks sends what the pacer lets through of a file's blocks, in
// one burst. It reports false when the file could not be read (the
// transfer is then over, and said so).
func (pt *Part) sendBlocks(now time.Time, id wire.FileID, o *outgoing) bool {
	if pt.pump == nil {
		pt.pump = pt.startPump()
	}
	b := pt.pump.take()
	if b == nil {
		return true // both bursts are out: the next turn of the loop
	}
	n := o.pacer.Take(now, fileBurst)
	if n == 0 {
		pt.pump.free <- b
		return true
	}
	enc := b.enc
	for ; n > 0; n-- {
		sh, ok := o.s.Next(now)
		if !ok {
			break
		}
		data, err := o.shardOf(sh)
		if err != nil {
			pt.pump.free <- b
			pt.fileFailed(id.String(), o.name, true, failWords(err))
			pt.retire(id, now)
			return false
		}
		if !sh.Parity && o.s.Pass() == 1 {
			// Each byte of the file earns twice the chat rate: one
			// computer may then have the file twice over as parity.
			pt.env.Ledger().Earn(o.repairs, float64(2*len(data)))
		}
		pt.scratch = wire.AppendFileBlock(pt.scratch[:0], id, data) // copied by AppendEncode
		p := wire.Packet{Kind: wire.KindFileBlock, Sender: pt.env.Self(), Seq: sh.Seq(), Time: now.UnixMicro(), Nick: pt.env.Nick(), Body: pt.scratch}
		start := len(enc)
		enc, err = wire.AppendEncode(enc, &p)
		if err != nil {
			pt.env.Emit(event.Error{Op: "send a file", Err: err})
			break
		}
		b.dgrams = append(b.dgrams, enc[start:len(enc):len(enc)])
	}
	b.enc = enc
	if len(b.dgrams) == 0 {
		pt.pump.free <- b
		return true
	}
	b.sealed = pt.opts.Seal(b.dgrams, b.sealed) // here: the loop owns the packet numbers
	pt.pump.todo <- b                           // never blocks: it holds every burst
	return true
}

// shardOf is a block of the file, or a parity block of its group (the
// group's blocks, padded to the block size, read in one go and kept for
// the group's next blocks).
func (o *outgoing) shardOf(sh wire.FileShard) ([]byte, error) {
	bs := int(o.offer.BlockSize)
	k := o.offer.GroupLen(sh.Group)
	if o.groupAt != sh.Group+1 {
		first := sh.Group * uint64(o.offer.Group)
		size := int(min(o.offer.Size-first*uint64(bs), uint64(k*bs)))
		if cap(o.group) < k*bs {
			o.group = make([]byte, int(o.offer.Group)*bs)
		}
		o.group = o.group[:k*bs]
		clear(o.group[size:]) // the last block padded with zeros
		o.groupAt = 0
		if _, err := o.f.ReadAt(o.group[:size], int64(first)*int64(bs)); err != nil {
			return nil, fileErr(wFileRead, err)
		}
		o.groupAt = sh.Group + 1
	}
	if !sh.Parity {
		i := o.offer.Index(sh)
		return o.group[sh.Shard*bs : sh.Shard*bs+o.offer.BlockLen(i)], nil
	}
	j := sh.Shard - k
	if ps := o.parity[sh.Group]; j < len(ps) {
		return ps[j], nil
	}
	data := make([][]byte, k)
	for i := range data {
		data[i] = o.group[i*bs : (i+1)*bs]
	}
	ps, err := o.code.Parity(data, j, o.offer.MaxParity(sh.Group))
	if err != nil {
		return nil, err
	}
	if len(o.parity) >= 64 { // a few groups' parity at a time
		clear(o.parity)
	}
	o.parity[sh.Group] = ps
	return ps[j], nil
}

// member is pr as a member of the transfer, added when it was not heard
// at the offer (a late joiner).
func (o *outgoing) member(pr *presence.Peer) *fileMember {
	mb, ok := o.members[pr.ID]
	if !ok {
		mb = &fileMember{peer: view(pr)}
		o.members[pr.ID] = mb
		o.changed = true
	}
	return mb
}
