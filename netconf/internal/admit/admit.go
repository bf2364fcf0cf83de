// Package admit is the engine's gate: what every datagram passes before
// any part sees it, in this order — a bridge's beacon is noted; a
// datagram forwarded from another network is taken only from a bridge of
// ours and judged by the label of where it was sent (internal/bridges);
// another wire version is refused, saying which side to update; in a
// private group it must open with the key, be new to the replay window,
// stamped within the clock skew and not sent before we joined. Whatever
// fails is counted and refused here (the ledger reports it once), before
// any state changes.
package admit

import (
	"crypto/ed25519"
	"errors"
	"net/netip"
	"time"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/bridges"
	"github.com/groupcast/groupcast/netconf/internal/ledger"
	"github.com/groupcast/groupcast/netconf/internal/seal"
	"github.com/groupcast/groupcast/netconf/wire"
)

// MaxSenders bounds the replay windows of a private group.
const MaxSenders = 4096

// Gate is one membership's admission.
type Gate struct {
	key        *seal.Key // nil: an open group
	replay     *seal.Guard
	bridges    bridges.Table
	bridgeKey  ed25519.PublicKey // the site's bridge key; nil: no bridge is verified
	group      netip.AddrPort    // what a bridge's signed beacon must be for
	checks     ledger.PurseID    // beacons' signatures checked, per computer
	ledger     *ledger.Ledger
	stats      *event.Stats
	started    time.Time
	clockSlack time.Duration
}

// New is the gate of a membership that began at started; key is nil in
// an open group; clockSlack is how much members' clocks may disagree.
func New(key *seal.Key, l *ledger.Ledger, st *event.Stats, started time.Time, clockSlack time.Duration) *Gate {
	return &Gate{key: key, replay: seal.NewGuard(MaxSenders), ledger: l, stats: st, started: started, clockSlack: clockSlack,
		checks: l.Open(ledger.Purse{Host: ledger.Allowance{Burst: checkBurst, PerSecond: checkRate}, All: ledger.Allowance{Burst: 16 * checkBurst, PerSecond: 16 * checkRate}})}
}

// A computer's beacons are checked against the bridge key (an Ed25519
// signature) at most checkBurst at once, then checkRate a second, and
// only when they differ from its last verified one.
const (
	checkBurst = 4
	checkRate  = 2
)

// VerifyBridges makes the gate take as bridges only computers whose
// beacons for group the bridge key pub signed; what they pass on is
// judged by where it was sent. Without it, every beacon is taken, and
// what its sender passes on is charged to the sender itself.
func (g *Gate) VerifyBridges(group netip.AddrPort, pub ed25519.PublicKey) {
	g.group, g.bridgeKey = group, pub
}

// Open takes a datagram as read from src, and returns what is to be
// decoded, its packet number in a private group, and the source it is
// judged by (a bridge's label for one from another network). ok false:
// it was a beacon, or it was refused.
func (g *Gate) Open(now time.Time, raw []byte, src netip.AddrPort) (data []byte, pn uint64, from netip.AddrPort, ok bool) {
	if wire.IsBeacon(raw) {
		g.beacon(now, raw, src)
		return nil, 0, src, false
	}
	if inner, f, fwd := wire.ParseForward(raw); fwd {
		if src, ok = g.unforward(now, f, src); !ok {
			return nil, 0, src, false
		}
		raw = inner
	}
	if v, ours := wire.VersionOf(raw); ours && v != wire.Version {
		g.refuseVersion(now, v, src) // sealed or not: before anything else is read
		return nil, 0, src, false
	}
	data, pn, ok = g.unseal(now, raw)
	return data, pn, src, ok
}

func count(c *uint64, n uint64) { event.Add(c, n) }

// unseal authenticates and opens a datagram of a keyed group, and keeps
// sealed datagrams out of an open one. Whatever fails is counted and
// dropped here, before any state changes.
func (g *Gate) unseal(now time.Time, b []byte) (inner []byte, pn uint64, ok bool) {
	sealed := wire.IsSealed(b)
	if g.key == nil {
		if sealed {
			count(&g.stats.NeedKey, 1)
			g.ledger.Refuse(now, event.UnreadableNeedsPassphrase, "", netip.Addr{})
			return nil, 0, false
		}
		return b, 0, true
	}
	if !sealed {
		count(&g.stats.Unsealed, 1)
		if wire.IsGroupcast(b) {
			g.ledger.Refuse(now, event.UnreadableNoPassphrase, "", netip.Addr{})
		}
		return nil, 0, false
	}
	pn, inner, err := g.key.Open(b, wire.MaxFileDatagram)
	switch {
	case errors.Is(err, seal.ErrOtherKey):
		count(&g.stats.OtherKey, 1)
		g.ledger.Refuse(now, event.UnreadableOtherPassphrase, "", netip.Addr{})
		return nil, 0, false
	case err != nil:
		count(&g.stats.Forged, 1)
		g.ledger.Refuse(now, event.UnreadableForged, "", netip.Addr{})
		return nil, 0, false
	}
	return inner, pn, true
}

// Fresh decides whether an authentic datagram of a private group
// is new: not seen before, stamped within seal.MaxClockSkew of our clock, and
// not sent before we joined. A recording replayed to a member who joined
// after it was made would otherwise be new to it. "Before we joined" is
// judged on our clock, corrected by how far ahead the sender's clock was
// seen to be (a replay only ever looks older), with Timing.ClockSlack for
// clocks that disagree a little. Repairs of data from before we joined,
// which other members asked for, are dropped without a word; pinned
// announcements are old on purpose.
func (g *Gate) Fresh(now time.Time, p *wire.Packet, pn uint64, src netip.AddrPort) bool {
	sent := time.UnixMicro(p.Time)
	ahead, err := g.replay.Admit(p.Sender, pn, sent, now)
	switch {
	case errors.Is(err, seal.ErrClock):
		count(&g.stats.Replayed, 1)
		g.ledger.RefuseSkewed(now, event.UnreadableClock, p.Nick, src.Addr(), sent.Sub(now))
		return false
	case errors.Is(err, seal.ErrTooManySenders):
		count(&g.stats.Crowded, 1)
		g.ledger.Refuse(now, event.UnreadableFull, p.Nick, src.Addr())
		return false
	case err != nil:
		count(&g.stats.Replayed, 1)
		g.ledger.Refuse(now, event.UnreadableReplayed, "", netip.Addr{})
		return false
	}
	if p.Kind == wire.KindPinned || !sent.Add(-ahead).Before(g.started.Add(-g.clockSlack)) {
		return true
	}
	count(&g.stats.Replayed, 1)
	if p.Kind != wire.KindRepair {
		g.ledger.RefuseSkewed(now, event.UnreadableBeforeJoin, p.Nick, src.Addr(), sent.Sub(g.started))
	}
	return false
}

// refuseVersion refuses a datagram of another wire version, saying
// which side must be updated.
func (g *Gate) refuseVersion(now time.Time, v uint8, src netip.AddrPort) {
	count(&g.stats.Rejected, 1)
	r := event.UnreadableOlderVersion
	if v > wire.Version {
		r = event.UnreadableNewerVersion
	}
	g.ledger.Refuse(now, r, "", src.Addr())
}

// beacon notes a bridge's beacon; one that came from another network
// (through a bridge or NATS) says nothing about ours and is ignored.
func (g *Gate) beacon(now time.Time, raw []byte, src netip.AddrPort) {
	b, ok := wire.ParseBeacon(raw)
	if !ok || !src.Addr().Is4() {
		count(&g.stats.Ignored, 1)
		return
	}
	verified := g.bridgeKey != nil && b.Signed && b.Source == src.Addr() &&
		(g.bridges.Verified(src.Addr(), raw) || g.ledger.Take(now, src.Addr(), g.checks, 1) && wire.VerifyBeacon(raw, g.group, g.bridgeKey))
	if g.bridgeKey != nil && !verified {
		count(&g.stats.ForgedBeacons, 1)
		g.ledger.Refuse(now, event.UnreadableForgedBeacon, "", src.Addr())
		return
	}
	if !g.bridges.Note(now, src.Addr(), b, raw, verified) {
		count(&g.stats.Ignored, 1)
		g.ledger.Refuse(now, event.UnreadableBridges, "", src.Addr())
		return
	}
	count(&g.stats.BeaconsIn, 1)
}

// unforward judges a forwarded datagram's trailer f, from src: the label
// of where it was sent from, or ok false (counted, and refused) when src
// is not a bridge of ours or f names our own network. What the label is
// charged is charged to src itself unless src is a verified bridge.
func (g *Gate) unforward(now time.Time, f wire.Forward, src netip.AddrPort) (label netip.AddrPort, ok bool) {
	var verified bool
	if src.Addr().Is4() {
		ok, verified = g.bridges.Passes(now, src.Addr(), f.Net)
	}
	if !ok {
		count(&g.stats.Unbridged, 1)
		if now.Sub(g.started) >= bridges.Grace {
			// Just joined, a member may hear a bridge's forwards before
			// its beacon: those are repaired, and not worth a word.
			g.ledger.Refuse(now, event.UnreadableNotBridge, "", src.Addr())
		}
		return netip.AddrPort{}, false
	}
	count(&g.stats.ForwardedIn, 1)
	label = wire.Label(f)
	payer := src.Addr()
	if verified {
		payer = netip.Addr{}
	}
	g.ledger.ChargeTo(label.Addr(), payer)
	return label, true
}
