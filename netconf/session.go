package netconf

import (
	"time"

	"github.com/groupcast/groupcast/netconf/internal/admit"
	"github.com/groupcast/groupcast/netconf/internal/classroom"
	"github.com/groupcast/groupcast/netconf/internal/fileshare"
	"github.com/groupcast/groupcast/netconf/internal/ledger"
	"github.com/groupcast/groupcast/netconf/internal/link"
	"github.com/groupcast/groupcast/netconf/internal/mcast"
	"github.com/groupcast/groupcast/netconf/internal/part"
	"github.com/groupcast/groupcast/netconf/internal/presence"
	"github.com/groupcast/groupcast/netconf/internal/reliable"
	"github.com/groupcast/groupcast/netconf/internal/seal"
	"github.com/groupcast/groupcast/netconf/internal/stream"
	"github.com/groupcast/groupcast/netconf/wire"
)

// session is one membership (one Join): its link to the network, its
// admission gate and ledger, the member table, and its parts.
type session struct {
	cfg     Config
	link    *link.Link // the transport, the seal, the reader
	self    wire.SenderID
	started time.Time

	stream *stream.Part     // our stream and the other members' (the text)
	params reliable.Params  // what the streams of peers share
	budget *reliable.Budget // what the streams of peers hold for later delivery
	peers  *presence.Table

	roster presence.Roster // when the member list is next published

	class *classroom.Part  // receipts and pins, as a member and as the presenter
	judge *classroom.Judge // judges and makes the room's signatures for every part
	files *fileshare.Part  // files sent and received

	key    *seal.Key      // nil: an open group
	gate   *admit.Gate    // what every datagram passes first
	ledger *ledger.Ledger // what each computer may cost, and the refusals (reported once each)
	parts  part.Table     // the capabilities, by the kinds they own
	watch  *mcast.Watch   // the interface, when watched
}

func (e *Engine) newSession(cfg Config, tr Transport, key *seal.Key, now time.Time, self wire.SenderID) *session {
	t, stats := e.timing, &e.stats
	m := &session{
		params: reliable.Params{Window: t.Window, PeerTimeout: t.PeerTimeout, SyncWait: t.SyncWait},
		budget: reliable.NewBudget(t.HeldBytes),
		cfg:    cfg, self: self, started: now, key: key,
		ledger: ledger.New(ledger.MaxHosts),
	}
	m.link = link.New(m, tr, key, cfg.SendOnly, stats)
	keys := classroom.RoomKeys{Presenter: cfg.Presenter}
	if r := cfg.Room; r != nil {
		keys = classroom.RoomKeys{Room: true, Name: r.Name, Key: r.PresenterKey, ReadOnly: r.ReadOnly, Version: r.Version, Presenter: cfg.Presenter}
	}
	m.gate = admit.New(key, m.ledger, stats, now, t.ClockSlack)
	if pub, err := wire.ParseBridgeKey(cfg.BridgeKey); err == nil {
		m.gate.VerifyBridges(cfg.Group, pub)
	}
	m.judge = classroom.NewJudge(keys, now, m.ledger, stats)
	m.peers = presence.New(presence.Limits{MaxPeers: t.MaxPeers, MaxPeersPerHost: t.MaxPeersPerHost, HeldPerHost: t.HostHeldBytes}, &m.params, m.budget, m.ledger)
	m.class = classroom.NewPart(m.env(e), m.judge)
	m.stream = stream.New(m.env(e), stream.Options{Nick: cfg.Nick, Plain: cfg.Plain, Encoding: cfg.Encoding,
		KeepWire: m.keepsHistory(), SealOverhead: m.link.SealOverhead(), Timing: t.stream(), Data: m.link}, m.judge, m.class, now)
	m.parts.Add(m.stream)
	m.parts.Add(m.class)
	e.addFiles(m)
	e.addCatchUp(m)
	return m
}

// detach closes the transport and waits for its reader to stop.
func (m *session) detach() {
	if m.files != nil {
		m.files.StopPump() // it sends on this transport; a new one gets a new pump
	}
	m.link.Detach()
}

func (m *session) close() {
	m.parts.Close()
	m.detach()
}
