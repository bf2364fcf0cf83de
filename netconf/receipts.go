package netconf

import (
	"bytes"
	"cmp"
	"crypto/ed25519"
	"net/netip"
	"slices"
	"time"

	"github.com/groupcast/groupcast/netconf/internal/presence"
	"github.com/groupcast/groupcast/netconf/internal/reliable"
	"github.com/groupcast/groupcast/netconf/wire"
)

// verified reports whether p carries a valid signature of the room's
// presenter.
func (e *Engine) verified(p *wire.Packet) bool {
	r := e.m.cfg.Room
	if len(p.Sig) != ed25519.SignatureSize || r == nil || len(r.PresenterKey) != ed25519.PublicKeySize {
		return false
	}
	return ed25519.Verify(r.PresenterKey, wire.SignedBytes(p), p.Sig)
}

// onReceipt counts, for the presenter, who has received what.
func (e *Engine) onReceipt(now time.Time, p *wire.Packet, src netip.AddrPort) {
	presenter, err := wire.ParseReceipt(p.Body)
	if err != nil {
		e.stats.rejected.Add(1)
		return
	}
	if e.peerFor(now, p, src) == nil {
		return
	}
	m := e.m
	if presenter != m.self || m.cfg.Presenter == nil {
		return
	}
	if p.Seq > m.acks[p.Sender] {
		m.acks[p.Sender] = p.Seq
		e.updateReceipts()
	}
}

// Receipt reports are coalesced: members come, go and acknowledge in
// bursts (thirty PCs answer one announcement within 250 ms; a flood of
// fake members comes thousands at a time), and each report walks every
// member, so at most one report per announcement per ReceiptEvery is made,
// naming at most MaxReceiptMissing of those who have not received it.
const (
	ReceiptEvery      = 250 * time.Millisecond
	MaxReceiptMissing = 8
)

// updateReceipts notes that who has received what may have changed; the
// report follows at once or, after one, ReceiptEvery later.
func (e *Engine) updateReceipts() {
	m := e.m
	if m.cfg.Presenter == nil || !m.receiptsDue.IsZero() {
		return
	}
	m.receiptsDue = m.receiptsMade.Add(ReceiptEvery)
	if now := e.now(); m.receiptsDue.Before(now) {
		m.receiptsDue = now
	}
}

// reportReceipts reports, for each recent announcement, how many of the
// members present have received it, when that changed.
func (e *Engine) reportReceipts(now time.Time) {
	m := e.m
	m.receiptsDue, m.receiptsMade = time.Time{}, now
	live := map[uint64][2]int{}
	for _, seq := range m.announcements {
		var missing []Peer
		received := 0
		for pr := range m.peers.All() {
			if m.acks[pr.ID] >= seq {
				received++
			} else {
				missing = append(missing, view(pr))
			}
		}
		counts := [2]int{received, m.peers.Len()}
		live[seq] = counts
		if m.reported[seq] == counts {
			continue
		}
		slices.SortFunc(missing, func(a, b Peer) int {
			return cmp.Or(cmp.Compare(a.Nick, b.Nick), a.Host.Compare(b.Host), bytes.Compare(a.ID[:], b.ID[:]))
		})
		e.queue.Push(Receipt{Seq: seq, Received: received, Members: m.peers.Len(), Missing: slices.Clip(missing[:min(len(missing), MaxReceiptMissing)])})
	}
	m.reported = live // announcements no longer tracked are forgotten
}

// onPinned shows an announcement made before we joined, once.
func (e *Engine) onPinned(now time.Time, p *wire.Packet, src netip.AddrPort) {
	if p.Seq == 0 || p.Frag.Count != 0 || !e.verified(p) {
		e.stats.ignored.Add(1)
		return
	}
	pr := e.peerFor(now, p, src)
	if pr == nil || e.m.announced(pr.ID, p.Seq) {
		return
	}
	e.emitEarlier(pr, reliable.Delivery{Seq: p.Seq, Time: p.Time, Nick: p.Nick, Text: string(p.Body), Signed: true})
}

// Bounds of the room bookkeeping.
const (
	maxPinned               = 3
	maxTrackedAnnouncements = 16
)

func (m *member) announced(id wire.SenderID, seq uint64) bool { return m.announcedSeqs[id][seq] }

func (m *member) markAnnounced(id wire.SenderID, seq uint64) {
	set := m.announcedSeqs[id]
	if set == nil || len(set) > 256 {
		set = map[uint64]bool{}
		m.announcedSeqs[id] = set
	}
	set[seq] = true
}

// acknowledge notes an announcement of presenter delivered at received:
// a receipt goes out after a random 20-250 ms (thirty PCs do not answer
// at once) and once more a second later, one covering all received so far.
func (e *Engine) acknowledge(presenter wire.SenderID, seq uint64, received time.Time) {
	m := e.m
	m.markAnnounced(presenter, seq)
	m.receiptTo = presenter
	m.receiptSeq = max(m.receiptSeq, seq)
	if m.receiptAt.IsZero() {
		m.receiptAt = received.Add(20*time.Millisecond + time.Duration(e.rng.Int64N(int64(230*time.Millisecond))))
		m.receiptsLeft = 2
	}
}

// emitEarlier shows a pinned announcement made before we joined, marked so.
func (e *Engine) emitEarlier(pr *presence.Member, d reliable.Delivery) {
	msg := Message{From: d.Nick, Sender: pr.ID, Seq: d.Seq, Sent: time.UnixMicro(d.Time), Text: d.Text,
		Received: e.now(), Source: pr.Src, Announcement: true, Earlier: true}
	e.acknowledge(pr.ID, msg.Seq, msg.Received)
	pr.Spoke = true
	e.queue.Push(msg)
	e.stats.messagesIn.Add(1)
}
