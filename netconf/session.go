package netconf

import (
	"net/netip"
	"time"

	"github.com/groupcast/groupcast/netconf/internal/admit"
	"github.com/groupcast/groupcast/netconf/internal/classroom"
	"github.com/groupcast/groupcast/netconf/internal/fileshare"
	"github.com/groupcast/groupcast/netconf/internal/ledger"
	"github.com/groupcast/groupcast/netconf/internal/mcast"
	"github.com/groupcast/groupcast/netconf/internal/part"
	"github.com/groupcast/groupcast/netconf/internal/presence"
	"github.com/groupcast/groupcast/netconf/internal/reader"
	"github.com/groupcast/groupcast/netconf/internal/reliable"
	"github.com/groupcast/groupcast/netconf/internal/seal"
	"github.com/groupcast/groupcast/netconf/internal/stream"
	"github.com/groupcast/groupcast/netconf/wire"
)

// session is one membership (one Join): its transport, our stream, the
// other members and their streams, and the room bookkeeping.
type session struct {
	cfg     Config
	tr      Transport
	self    wire.SenderID
	started time.Time

	stream *stream.Part     // our stream and the other members' (the text)
	params reliable.Params  // what the streams of peers share
	budget *reliable.Budget // what the streams of peers hold for later delivery
	peers  *presence.Table

	rosterAt    time.Time // when the roster was last published
	rosterDirty bool      // it changed since

	wbuf   []byte
	sbuf   []byte   // sealed form of the datagram being sent
	outq   [][]byte // new DATA waiting for flushData
	outbuf []byte   // holds the sealed forms of outq

	// Rooms: our side as their presenter (nil unless we present), and as
	// a member who shows announcements and acknowledges them.
	class *classroom.Part
	// judge judges and makes the room's signatures for every part.
	judge *classroom.Judge

	files *fileshare.Part // files sent and received

	key    *seal.Key      // nil: an open group
	pn     uint64         // packet number of the last sealed datagram
	gate   *admit.Gate    // what every datagram passes first
	ledger *ledger.Ledger // what each computer may cost, and the refusals (reported once each)
	parts  part.Table     // the capabilities, by the kinds they own

	reader *reader.Pool // reads tr into batches for the loop
	watch  *mcast.Watch // the interface, when watched
}

func (e *Engine) newSession(cfg Config, tr Transport, key *seal.Key, now time.Time, self wire.SenderID) *session {
	t, stats := e.timing, &e.stats
	m := &session{
		params: reliable.Params{Window: t.Window, PeerTimeout: t.PeerTimeout, SyncWait: t.SyncWait},
		budget: reliable.NewBudget(t.HeldBytes, t.HostHeldBytes),
		cfg:    cfg, tr: tr, self: self, started: now, key: key,
		ledger: ledger.New(ledger.MaxHosts),
		wbuf:   make([]byte, 0, wire.MaxDatagram), sbuf: make([]byte, 0, wire.MaxDatagram),
	}
	keys := classroom.RoomKeys{Presenter: cfg.Presenter}
	if r := cfg.Room; r != nil {
		keys = classroom.RoomKeys{Room: true, Name: r.Name, Key: r.PresenterKey, ReadOnly: r.ReadOnly, Version: r.Version, Presenter: cfg.Presenter}
	}
	m.gate = admit.New(key, m.ledger, stats, now, t.ClockSlack)
	m.judge = classroom.NewJudge(keys, now, m.ledger, stats)
	m.peers = presence.New(presence.Limits{MaxPeers: t.MaxPeers, MaxPeersPerHost: t.MaxPeersPerHost}, &m.params, m.budget)
	n, slot := rxLenOpen, rxSlotOpen
	if _, batched := tr.(BatchReader); key != nil && batched {
		// Only with batch reads: recvmmsg flags and refuses a truncated
		// datagram, but a single read of a datagram larger than its
		// buffer fails outright on Windows (WSAEMSGSIZE).
		n, slot = rxLenKeyed, rxSlotKeyed
	}
	m.class = classroom.NewPart(env{e, m}, m.judge)
	m.stream = stream.New(env{e, m}, stream.Options{Nick: cfg.Nick, Plain: cfg.Plain, Encoding: cfg.Encoding,
		KeepWire: m.keepsHistory(), SealOverhead: sealOverheadIf(key), Timing: t.stream()}, m.judge, m.class, now)
	m.parts.Add(m.stream)
	m.parts.Add(m.class)
	m.reader = reader.NewPool(m, rxBatches, n, slot)
	if _, batched := tr.(BatchReader); batched {
		// The companion port carries only Groupcast's own datagrams (a
		// larger one is refused as truncated), and a file's blocks come
		// fast: bigger batches of small buffers, one hand-off to the
		// loop per 64 datagrams.
		m.reader.WithControl(rxBatches, rxLenControl, rxSlotKeyed)
	}
	return m
}

// isOwn reports whether src is our own sender socket.
func (m *session) isOwn(src netip.AddrPort) bool {
	o, ok := m.tr.(EchoSpotter)
	return ok && o.IsOwn(src)
}

// transmit sends one datagram of the companion port's (all but new DATA:
// control traffic, NACKs, repairs, receipts, pins), sealed when the group
// has a key.
func (m *session) transmit(wire []byte) error {
	if m.key == nil {
		return m.tr.WriteControl(wire)
	}
	m.pn++
	m.sbuf = m.key.Seal(m.sbuf[:0], m.pn, wire)
	return m.tr.WriteControl(m.sbuf)
}

// sealBatch seals dgrams in place when the group has a key (buf holds
// their sealed forms), for the file pump to send.
func (m *session) sealBatch(dgrams [][]byte, buf []byte) []byte {
	if m.key == nil {
		return buf
	}
	buf = buf[:0]
	for i, d := range dgrams {
		m.pn++
		start := len(buf)
		buf = m.key.Seal(buf, m.pn, d)
		dgrams[i] = buf[start:len(buf):len(buf)]
	}
	return buf
}

// attach makes tr carry the membership and starts reading it (unless
// the membership only sends).
func (m *session) attach(tr Transport, out, ctlOut chan<- *reader.Batch) {
	m.tr = tr
	if !m.cfg.SendOnly {
		var control reader.Source
		if c := tr.Control(); c != nil {
			control = c
		}
		m.reader.Start(tr, control, out, ctlOut)
	}
}

// detach closes the transport and waits for its reader to stop.
func (m *session) detach() {
	if m.files != nil {
		m.files.StopPump() // it sends on this transport; a new one gets a new pump
	}
	_ = m.tr.Close()
	m.reader.Stop()
}

func (m *session) close() {
	m.parts.Close()
	m.detach()
}

// Datagrams travel from a membership's reader goroutine to the engine
// loop in batches (netconf/internal/reader).
//
// Memory per membership: with batch reads a private group reads 16
// datagrams of at most 2 KiB per batch (anything larger than MaxDatagram
// is refused there anyway), 96 KiB in all; otherwise 8 of up to 64 KiB,
// because a classic tool may send one plain datagram that large: 1.5 MiB,
// of which only the pages datagrams are written to become resident. With
// batch reads the companion port has batches of its own, 64 datagrams of
// 2 KiB (384 KiB): only Groupcast's datagrams go there, and a file's
// blocks come fast.
const (
	rxBatches   = 3 // per membership: the reader fills one while the loop works on another
	rxLenKeyed  = 16
	rxSlotKeyed = 2048
	rxLenOpen   = 8
	rxSlotOpen  = 64 << 10
	// rxLenControl: the companion port's batches (with batch reads),
	// of rxSlotKeyed bytes each: 384 KiB in all.
	rxLenControl = 64
)
