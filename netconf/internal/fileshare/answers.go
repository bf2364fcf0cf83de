package fileshare

import (
	"time"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/presence"
	"github.com/groupcast/groupcast/netconf/wire"
	"github.com/groupcast/groupcast/netconf/words"
)

// onFileNack takes what a receiver still needs of a file we send.
func (pt *Part) onFileNack(now time.Time, p *wire.Packet, pr *presence.Peer) {
	n, err := wire.ParseFileNack(p.Body)
	if err != nil {
		event.Add(&pt.env.Stats().Rejected, 1)
		return
	}
	o := pt.out[n.ID]
	if n.Target != pt.env.Self() || o == nil {
		return // another sender's, or over
	}
	mb := o.member(pr)
	need := 0
	for _, b := range n.Needs {
		need += int(b)
	}
	if !mb.behind {
		o.awaited(now, mb, need)
	}
	refused := false
	bs := int(o.offer.BlockSize)
	_, overrun := o.s.Asked(n, now, func(blocks int) bool {
		// One computer may have the file twice over as parity (a late
		// joiner, with losses); past that, what time earns.
		if pt.env.Ledger().Take(now, pr.Host, o.repairs, float64(blocks*bs)) {
			return true
		}
		refused = true
		return false
	})
	if refused {
		event.Add(&pt.env.Stats().RepairsRefused, 1)
		pt.refuse(now, event.UnreadableRepairFlood, "", pr.Host)
	}
	if overrun {
		o.pacer.Overrun(now)
	}
	if !mb.behind && !o.endAt.IsZero() && !o.s.PassSent() {
		o.endAt = time.Time{} // a pass of repairs runs
	}
}

// awaited takes a NACK of a member the transfer waits for (not one named
// as unable to keep up: that one is still repaired, as the purse allows,
// but its asking no longer holds the transfer, or the room's silence that
// names those that do not answer). A NACK that needs nothing is a member
// saying it is still checking the file: awaited, and no later pass.
func (o *outgoing) awaited(now time.Time, mb *fileMember, need int) {
	o.lastAsk = now
	if mb.status != 0 {
		mb.status, mb.why, o.changed = 0, words.Words{}, true // asks again: not done after all
		mb.need, mb.stalled = 0, 0
	}
	if mb.need != 0 && need >= mb.need {
		mb.stalled++
	} else {
		mb.stalled = 0
	}
	mb.need = need
	if o.done && need > 0 { // a later pass for a late joiner
		o.done, o.endAt = false, time.Time{}
	}
}

// onFileDone takes a receiver's answer for a file we send.
func (pt *Part) onFileDone(now time.Time, p *wire.Packet, pr *presence.Peer) {
	d, err := wire.ParseFileDone(p.Body)
	if err != nil {
		event.Add(&pt.env.Stats().Rejected, 1)
		return
	}
	o := pt.out[d.ID]
	if d.Target != pt.env.Self() || o == nil {
		return
	}
	mb := o.member(pr)
	var why words.Words
	if d.Status == wire.FileFailed {
		why = reasonWords(d.Reason)
	}
	if mb.status != d.Status || mb.why.Text != why.Text {
		mb.status, mb.why, mb.behind, o.changed = d.Status, why, false, true
		// News. The same answer again (a receiver answers each offer
		// repeated, at most once a second, in case its answer was lost)
		// is not: it must not keep the room's silence from naming a
		// member that never answers.
		o.lastAsk = now
	}
}

// memberLeft: a member who left counts no more.
func (pt *Part) memberLeft(id wire.SenderID) {
	for _, o := range pt.out {
		if mb, ok := o.members[id]; ok && mb.status == 0 {
			delete(o.members, id)
			o.changed = true
		}
	}
}
