package netconf

import (
	"net/netip"
	"time"

	"github.com/groupcast/groupcast/netconf/internal/seal"
	"github.com/groupcast/groupcast/netconf/wire"
)

// signedAs is what a presenter's signature says of a datagram.
type signedAs int

const (
	unsigned signedAs = iota // no valid signature of the room's presenter
	current                  // the presenter's, signed now for its latest session
	recorded                 // the presenter's, but for an earlier session or another time
)

// judgeSigned checks p's signature with the room's presenter key and,
// when it is valid, whether it is current: signed within
// seal.MaxClockSkew of our clock (members' clocks must agree that well,
// as in a private group), and for the latest session of the room we know
// (the room entry's version when we joined, or a later one heard signed
// since: the presenter started again). A recording refused is counted
// and reported once for each reason.
func (e *Engine) judgeSigned(now time.Time, p *wire.Packet, src netip.AddrPort) signedAs {
	m := e.m
	r := m.cfg.Room
	if r == nil || !p.Sig.Present() || !wire.Verify(p, r.PresenterKey, r.Name) {
		return unsigned
	}
	if skew := time.UnixMicro(p.Sig.Signed).Sub(now); skew > seal.MaxClockSkew || skew < -seal.MaxClockSkew {
		add(&e.stats.Replayed, 1)
		e.refuseSkewed(now, UnreadableClock, p.Nick, src.Addr(), skew)
		return recorded
	}
	if p.Sig.Session < m.heardSession {
		add(&e.stats.Replayed, 1)
		e.refuse(now, UnreadableEarlierSession, p.Nick, src.Addr())
		return recorded
	}
	m.heardSession = p.Sig.Session
	return current
}

// sign signs p, a DATA we send as the room's presenter.
func (m *session) sign(p *wire.Packet) {
	wire.Sign(p, m.cfg.Presenter, m.cfg.Room.Name, m.signSession, p.Time)
}

// refuseVersion refuses a datagram of another wire version, saying
// which side must be updated.
func (e *Engine) refuseVersion(now time.Time, v uint8, src netip.AddrPort) {
	add(&e.stats.Rejected, 1)
	r := UnreadableOlderVersion
	if v > wire.Version {
		r = UnreadableNewerVersion
	}
	e.refuse(now, r, "", src.Addr())
}
