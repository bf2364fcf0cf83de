package netconf

import (
	"net/netip"
	"time"

	"github.com/groupcast/groupcast/netconf/internal/presence"
	"github.com/groupcast/groupcast/netconf/internal/reliable"
	"github.com/groupcast/groupcast/netconf/wire"
)

// peerFor returns the member that sent p from src, admitting a new one
// (and announcing it) on first contact. It returns nil, having counted
// why, when the datagram is refused: the id is a member's but comes from
// another socket (a sender id is bound to the source it was first heard
// from), or there is no room for a new member.
func (e *Engine) peerFor(now time.Time, p *wire.Packet, src netip.AddrPort) *presence.Peer {
	m := e.m
	if pr := m.peers.Get(p.Sender); pr != nil {
		if pr.Src.IsValid() && src.IsValid() && src != pr.Src {
			add(&e.stats.Impostors, 1)
			e.refuse(now, UnreadableImpostor, pr.Label(), src.Addr())
			return nil
		}
		if m.stream.Out.Lingering() && now.Sub(pr.LastHeard) > e.timing.Heartbeat*3/2 {
			// Back from a silence longer than its heartbeats allow (a
			// computer frozen for a moment): give it time to ask for what
			// it missed before we leave.
			m.stream.Out.Activity(now)
		}
		pr.Heard(now, p.Time)
		pr.Nick = p.Nick
		return pr
	}
	pr, evicted, verdict := m.peers.Admit(now, p.Sender, p.Nick, src)
	if evicted != nil {
		e.refuse(now, UnreadableEvicted, evicted.Nick, evicted.Host)
		e.forgotten(now, evicted, presence.Evicted)
	}
	switch verdict {
	case presence.Crowded:
		// More senders from one computer, or new ones faster, than anyone
		// runs: a flood of fake members. They take no more than this.
		add(&e.stats.Crowded, 1)
		e.refuse(now, UnreadableCrowded, p.Nick, src.Addr())
		return nil
	case presence.Full:
		add(&e.stats.Crowded, 1)
		e.refuse(now, UnreadableFull, p.Nick, src.Addr())
		return nil
	}
	pr.Heard(now, p.Time)
	if m.stream.Out.Lingering() {
		m.stream.Out.Activity(now) // someone we did not know of may need what we sent
	}
	e.queue.Push(PeerJoined{Peer: pr.View()})
	e.rosterChanged()
	m.class.Newcomer(now)
	return pr
}

// removePeer forgets a member and says so.
func (e *Engine) removePeer(now time.Time, pr *presence.Peer, why presence.Departure) {
	e.m.peers.Remove(now, pr, why == presence.Left)
	e.forgotten(now, pr, why)
}

// forgotten says a member was removed from the table.
func (e *Engine) forgotten(now time.Time, pr *presence.Peer, why presence.Departure) {
	e.m.parts.PeerLeft(now, pr)
	e.queue.Push(PeerLeft{Peer: pr.View(), Timeout: why == presence.Timeout, Evicted: why == presence.Evicted})
	e.rosterChanged()
}

// relieveBudget frees room in a full held-data budget (presence.Table.Relieve):
// the members it evicts are refused and forgotten.
func (e *Engine) relieveBudget(need int, except *reliable.Stream) bool {
	now := e.now()
	return e.m.peers.Relieve(need, except, func(pr *presence.Peer) {
		e.refuse(now, UnreadableEvicted, pr.Nick, pr.Host)
		e.removePeer(now, pr, presence.Evicted)
	})
}
