package netconf

import (
	"net/netip"
	"time"

	"github.com/groupcast/groupcast/netconf/internal/classroom"
	"github.com/groupcast/groupcast/netconf/wire"
)

// onReceipt counts, for the presenter, who has received what.
func (e *Engine) onReceipt(now time.Time, p *wire.Packet, src netip.AddrPort) {
	presenter, err := wire.ParseReceipt(p.Body)
	if err != nil {
		add(&e.stats.Rejected, 1)
		return
	}
	if e.peerFor(now, p, src) == nil {
		return
	}
	if m := e.m; m.presenting != nil && presenter == m.self {
		m.presenting.Ack(now, p.Sender, p.Seq)
	}
}

// Receipts are reported at most once per announcement per ReceiptEvery,
// naming at most MaxReceiptMissing of those missing.
const (
	ReceiptEvery      = classroom.ReportEvery
	MaxReceiptMissing = classroom.MaxMissing
)

// reportReceipts reports, for each recent announcement, how many of the
// members present have received it, when that changed.
func (e *Engine) reportReceipts(now time.Time) {
	for _, c := range e.m.presenting.Report(now, e.m.peers) {
		missing := make([]Peer, len(c.Missing))
		for i, pr := range c.Missing {
			missing[i] = view(pr)
		}
		e.queue.Push(Receipt{Seq: c.Seq, Received: c.Received, Members: c.Members, Missing: missing})
	}
}

// onPinned shows an announcement made before we joined, once.
func (e *Engine) onPinned(now time.Time, p *wire.Packet, src netip.AddrPort) {
	if p.Seq == 0 || p.Frag.Count != 0 {
		add(&e.stats.Ignored, 1)
		return
	}
	switch e.m.judge.Check(now, p, src) {
	case classroom.Unsigned:
		add(&e.stats.Ignored, 1)
		return
	case classroom.Recorded:
		return
	}
	pr := e.peerFor(now, p, src)
	if pr == nil {
		return
	}
	e.provenPresenter(pr)
	if e.m.student.Seen(pr.ID, p.Seq) {
		e.acknowledge(pr.ID, p.Seq, now) // sent again: our receipt did not reach it
		return
	}
	msg := Message{From: p.Nick, Sender: pr.ID, Seq: p.Seq, Sent: time.UnixMicro(p.Time), Text: string(p.Body),
		Received: now, Source: pr.Src, Announcement: true, Earlier: true}
	e.acknowledge(pr.ID, msg.Seq, now)
	pr.Spoke = true
	e.queue.Push(msg)
	add(&e.stats.MessagesIn, 1)
}

// acknowledge notes an announcement of presenter shown at now; its
// receipt goes out after a random 20-250 ms.
func (e *Engine) acknowledge(presenter wire.SenderID, seq uint64, now time.Time) {
	e.m.student.Shown(presenter, seq, now, 20*time.Millisecond+time.Duration(e.rng.Int64N(int64(230*time.Millisecond))))
}
