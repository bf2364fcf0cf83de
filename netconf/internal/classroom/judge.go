package classroom

import (
	"crypto/ed25519"
	"net/netip"
	"time"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/ledger"
	"github.com/groupcast/groupcast/netconf/internal/seal"
	"github.com/groupcast/groupcast/netconf/wire"
)

// Signed is what a presenter's signature says of a datagram.
type Signed int

const (
	Unsigned Signed = iota // no valid signature of the room's presenter
	Current                // the presenter's, signed now for its latest session
	Recorded               // the presenter's, but for an earlier session or another time
)

// RoomKeys is what a membership knows of its room's presenter: the key
// that verifies it, and ours when we present.
type RoomKeys struct {
	Room      bool // the membership is a room's (else nothing is signed)
	Name      string
	Key       ed25519.PublicKey  // the presenter's public key (nil: not a room)
	ReadOnly  bool               // only the presenter may post
	Version   uint64             // the run of the room when we joined
	Presenter ed25519.PrivateKey // ours, when we present (nil otherwise)
}

// Judge judges and makes a room's signatures for every part of one
// membership: the text stream, pins, files and catch-up all ask it, so
// "the latest session of the presenter heard" is one value.
type Judge struct {
	keys RoomKeys
	// heard is the latest run of the presenter we know of: what is signed
	// for an earlier one is a recording. sign is the run we sign for.
	heard, sign uint64
	ledger      *ledger.Ledger
	stats       *event.Stats
}

// NewJudge judges for a membership that joined at now; refusals go to l
// and are counted in st.
func NewJudge(keys RoomKeys, now time.Time, l *ledger.Ledger, st *event.Stats) *Judge {
	j := &Judge{keys: keys, heard: keys.Version, sign: keys.Version, ledger: l, stats: st}
	if j.sign == 0 {
		j.sign = uint64(now.Unix()) // what rooms.Announce would take
	}
	return j
}

// InRoom: the membership is a room's, with a presenter key.
func (j *Judge) InRoom() bool { return j.keys.Room }

// ReadOnly: a room where only the presenter may post.
func (j *Judge) ReadOnly() bool { return j.keys.Room && j.keys.ReadOnly }

// RoomName is the room's name ("" when not a room).
func (j *Judge) RoomName() string { return j.keys.Name }

// Presenting: we are the room's presenter.
func (j *Judge) Presenting() bool { return j.keys.Presenter != nil }

// Sign signs p, a datagram we send as the room's presenter: a DATA as
// an announcement, or a file's offer.
func (j *Judge) Sign(p *wire.Packet) {
	wire.Sign(p, j.keys.Presenter, j.keys.Name, j.sign, p.Time)
}

// SignMessage signs p, a DATA we send as the room's presenter, as our
// message rather than an announcement: members show it as the
// presenter's (and a read-only room lets it through) but do not pin it,
// notify it or acknowledge it.
func (j *Judge) SignMessage(p *wire.Packet) {
	wire.SignMessage(p, j.keys.Presenter, j.keys.Name, j.sign, p.Time)
}

// Check checks p's signature with the room's presenter key, of the one
// class its extension names (p.Sig.Message: the presenter's message, else
// an announcement), and, when it is valid, whether it is current: signed within seal.MaxClockSkew of our
// clock (members' clocks must agree that well, as in a private group),
// and for the latest session of the room we know (the room entry's
// version when we joined, or a later one heard signed since: the
// presenter started again). A recording refused is counted and reported
// once for each reason.
func (j *Judge) Check(now time.Time, p *wire.Packet, src netip.AddrPort) Signed {
	if !j.keys.Room || !p.Sig.Present() || !wire.Verify(p, j.keys.Key, j.keys.Name) {
		return Unsigned
	}
	if skew := time.UnixMicro(p.Sig.Signed).Sub(now); skew > seal.MaxClockSkew || skew < -seal.MaxClockSkew {
		event.Add(&j.stats.Replayed, 1)
		j.ledger.RefuseSkewed(now, event.UnreadableClock, p.Nick, src.Addr(), skew)
		return Recorded
	}
	if p.Sig.Session < j.heard {
		event.Add(&j.stats.Replayed, 1)
		j.ledger.Refuse(now, event.UnreadableEarlierSession, p.Nick, src.Addr())
		return Recorded
	}
	j.heard = p.Sig.Session
	return Current
}

// CheckEarlier judges a presenter's signature on a DATA another member
// re-sent from its history (catch-up): a signed one must verify (else it
// is a forgery, refused as UnreadableForgedCatchUp and reported with nick,
// the member who passed it on) and be of the run of the room we are in
// (an earlier lesson's is not shown); an unsigned one is a member's
// message, which a read-only room does not show. ok false: not shown.
func (j *Judge) CheckEarlier(now time.Time, in *wire.Packet, nick string, src netip.AddrPort) (signed, ok bool) {
	if !j.keys.Room || !in.Sig.Present() {
		if j.ReadOnly() {
			event.Add(&j.stats.ReadOnlyDropped, 1)
			return false, false
		}
		return false, true
	}
	if !wire.Verify(in, j.keys.Key, j.keys.Name) {
		event.Add(&j.stats.Forged, 1)
		j.ledger.Refuse(now, event.UnreadableForgedCatchUp, nick, src.Addr())
		return false, false
	}
	if skew := time.UnixMicro(in.Sig.Signed).Sub(now); skew > seal.MaxClockSkew || in.Sig.Session < j.heard {
		event.Add(&j.stats.Ignored, 1) // of an earlier lesson (or the future): history, not for now
		return false, false
	}
	j.heard = in.Sig.Session
	return true, true
}

// Vouches reports whether we pass on a message kept in dgs (its DATA
// datagrams, as they came) to a member catching up: what that member's
// CheckEarlier would take, as far as keys tell. A presenter's line must
// verify with this room's presenter key (our history may hold a room of
// the same name with another key: an earlier key, or an impostor's room
// joined by mistake), and a read-only room passes on only those. So an
// honest member is never reported as a forger for what its history holds.
// It reads only the room's keys: safe off the loop.
func (j *Judge) Vouches(dgs [][]byte) bool {
	if !j.keys.Room {
		return true
	}
	for _, dg := range dgs {
		p, err := wire.Decode(dg)
		if err != nil {
			return false
		}
		if !p.Sig.Present() {
			if j.keys.ReadOnly {
				return false
			}
			continue
		}
		if !wire.Verify(&p, j.keys.Key, j.keys.Name) {
			return false
		}
	}
	return true
}

// Repin signs w, an announcement of ours, again as pinned now, appending
// the datagram to buf: a student tells a pin from a recording.
func (j *Judge) Repin(buf, w []byte, now time.Time) ([]byte, error) {
	return wire.Repin(buf, w, j.keys.Presenter, j.keys.Name, now.UnixMicro())
}
