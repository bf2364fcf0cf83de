// Package bridge joins a group's multicast on one network to the same
// group on a NATS server, both ways (`groupcast bridge`, docs/BRIDGE.md):
// what members multicast here is published, with a trailer saying where
// it was sent (wire.AppendForward); what other networks published is
// multicast here with its trailer, for members to take as if from its
// sender. The bridge sends nothing of its own but a beacon a second, by
// which the bridges of one network elect the one that forwards (the
// oldest) and members learn whom to take forwarded datagrams from.
package bridge

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/internal/mcast"
	"github.com/groupcast/groupcast/netconf/internal/natsnet"
	"github.com/groupcast/groupcast/netconf/wire"
)

// Config is a bridge's.
type Config struct {
	Group netip.AddrPort
	NATS  natsnet.Options
	// Interface and TTL for the multicast side ("" chooses as a member
	// does); Local replaces it (tests).
	Interface string
	TTL       int
	Local     netconf.Transport
	// StateDir keeps this network's id between runs, in a file named by
	// the group and the network's prefix ("": a new id each run). A
	// restarted bridge must label its network's members as before, or the
	// other networks take them for impostors until they time out.
	StateDir string
	// SAP forwards the rooms directory too (the real multicast side
	// only).
	SAP bool
	// Key signs the bridge's beacons and verifies other bridges' (this
	// site's bridge key, wire.BridgeKey). Nil: derived from the secret
	// in the NATS URL (the hub's token, or a password); with none, the
	// beacons are unsigned and other beacons are claims (an open hub).
	Key ed25519.PrivateKey
	// Source is the address the beacons are sent from, which they name
	// (unset: the interface's, or the Local transport's LocalAddr).
	Source netip.Addr
	// Log receives what a person should know, one sentence at a time
	// (nil: nothing is said).
	Log func(string)
}

// Stats are a bridge's counters.
type Stats struct {
	Out        uint64 // datagrams published (this network → NATS)
	In         uint64 // datagrams multicast here (NATS → this network)
	Dropped    uint64 // malformed, too long, or looped back, refused
	Standby    uint64 // datagrams not forwarded while another bridge forwards
	Rooms      uint64 // room announcements forwarded, both ways
	Junk       uint64 // datagrams that are not this group's Groupcast datagrams, not forwarded
	Throttled  uint64 // datagrams over their source's budget (or all sources'), not forwarded
	Forged     uint64 // beacons refused: not signed by this site's bridge key
	Forwarding bool
	Net        wire.NetID
	Others     int    // other bridges heard on this network
	Key        string // the bridge key members verify beacons with (wire.FormatBridgeKey), or "" (unsigned)
}

// Bridge is a running bridge.
type Bridge struct {
	cfg       Config
	local     netconf.Transport
	nc        *nats.Conn
	data, ctl string
	self      [8]byte
	netFile   string // where this network's id is kept, or ""
	started   int64
	begun     time.Time

	key       ed25519.PrivateKey // nil: unsigned beacons (docs/BRIDGE.md)
	source    netip.Addr         // what our beacons name as their source
	verifies  *budget            // signature checks of others' beacons
	outBudget *budget            // what is published, by sender here
	inBudget  *budget            // what is multicast here, by label
	sapBudget *budget            // room announcements, by source or label, each way

	mu       sync.Mutex
	heard    map[netip.AddrPort]time.Time // local sources lately heard (newcomer)
	hinted   time.Time                    // the last beacon sent for a newcomer
	own      wire.NetID                   // this network's id, as kept
	net      wire.NetID                   // the id we label with now
	others   map[[8]byte]other
	verified map[netip.Addr][]byte // the last beacon verified from each source
	active   bool
	said     map[string]bool

	sap                                                       *sapSide
	out, in, dropped, standby, rooms, junk, throttled, forged atomic.Uint64
	ctx                                                       context.Context
	cancel                                                    context.CancelFunc
	wg                                                        sync.WaitGroup
	pubMu                                                     sync.Mutex
	pub                                                       []byte
}

// Start opens both sides and forwards until Close.
func Start(cfg Config) (*Bridge, error) {
	if !cfg.Group.Addr().Is4() || !cfg.Group.Addr().IsMulticast() || cfg.Group.Port() == 0 {
		return nil, fmt.Errorf("%s is not an IPv4 multicast group ADDRESS:PORT", cfg.Group)
	}
	b := &Bridge{cfg: cfg, others: map[[8]byte]other{}, said: map[string]bool{}, begun: time.Now(),
		heard: map[netip.AddrPort]time.Time{}, verified: map[netip.Addr][]byte{}, key: cfg.Key,
		verifies:  newBudget(verifyRate, verifyBurst, verifyAll*verifyRate, verifyAll*verifyBurst),
		outBudget: newBudget(SourceRate, SourceBurst, AllRate, AllBurst),
		inBudget:  newBudget(SourceRate, SourceBurst, AllRate, AllBurst),
		sapBudget: newBudget(sapRate, sapBurst, sapAllRate, 4*sapAllRate)}
	b.started = b.begun.UnixMicro()
	_, _ = rand.Read(b.self[:])
	b.self[0] |= 1 // never all zero
	b.data, b.ctl = natsnet.Subjects(cfg.Group)
	if cfg.NATS.Name == "" {
		cfg.NATS.Name = "groupcast bridge"
	}
	nc, err := natsnet.Connect(cfg.NATS)
	if err != nil {
		return nil, err
	}
	b.nc = nc
	network, err := b.openLocal()
	if err != nil {
		nc.Close()
		return nil, err
	}
	b.signWith(cfg)
	if cfg.StateDir != "" {
		b.netFile = filepath.Join(cfg.StateDir, "bridge-"+natsnet.GroupID(cfg.Group)+"-"+strings.NewReplacer("/", "_", ".", "-").Replace(network)+".net")
	}
	b.own = loadNetID(b.netFile)
	b.net = b.own
	sd, sc, ss, err := b.subscribe()
	if err != nil {
		return nil, err
	}
	b.run(sd, sc, ss)
	return b, nil
}

// subscribe subscribes to the group's subjects and, with SAP, opens the
// rooms directory and subscribes to its subject. When it fails it closes
// both sides, as Start has opened them.
func (b *Bridge) subscribe() (data, ctl, sap *nats.Subscription, err error) {
	data, err = natsnet.Subscribe(b.nc, b.data, natsnet.PendingMsgs, natsnet.PendingBytes)
	if err == nil {
		ctl, err = natsnet.Subscribe(b.nc, b.ctl, natsnet.PendingMsgs, natsnet.PendingBytes)
	}
	if err == nil {
		err = b.nc.Flush()
	}
	if err != nil {
		err = fmt.Errorf("NATS: %w", err)
	} else if b.cfg.SAP && b.cfg.Local == nil {
		if b.sap, err = openSAP(b.cfg.Interface, b.cfg.TTL); err == nil {
			sap, err = natsnet.Subscribe(b.nc, SAPSubject, natsnet.RoomsPendingMsgs, natsnet.RoomsPendingBytes)
		}
	}
	if err != nil {
		b.nc.Close()
		_ = b.local.Close()
		if b.sap != nil {
			b.sap.Close()
		}
		return nil, nil, nil, err
	}
	return data, ctl, sap, nil
}

// run starts the goroutines that forward, beacon and elect, which Close
// stops and waits for.
func (b *Bridge) run(data, ctl, sap *nats.Subscription) {
	b.ctx, b.cancel = context.WithCancel(context.Background())
	if b.sap != nil {
		b.wg.Add(2)
		go b.sapFromLocal()
		go func() {
			defer b.wg.Done()
			handle := b.sapFromNATS(b.sap.write)
			for msg, ok := natsnet.Next(b.ctx, sap); ok; msg, ok = natsnet.Next(b.ctx, sap) {
				handle(msg.Data)
			}
		}()
	}
	b.beacon() // others hear of us at once
	b.wg.Add(5)
	go b.fromLocal(b.local, b.data)
	go b.fromLocal(b.local.Control(), b.ctl)
	go b.fromNATS(data, b.local.Write)
	go b.fromNATS(ctl, b.local.WriteControl)
	go b.beacons()
}

// openLocal opens this network's side (unless the configuration gives
// it), and says which network it is, as the state file is named.
func (b *Bridge) openLocal() (network string, err error) {
	b.local = b.cfg.Local
	if b.local != nil {
		if la, ok := b.local.(interface{ LocalAddr() net.Addr }); ok {
			if ua, ok := la.LocalAddr().(*net.UDPAddr); ok {
				b.source = ua.AddrPort().Addr().Unmap()
			}
		}
		return "local", nil // a test's transport
	}
	var choice netconf.Choice
	if b.local, choice, err = openLocal(b.cfg); err != nil {
		return "", err
	}
	network = "local"
	if len(choice.Addrs) > 0 {
		network = choice.Addrs[0].Masked().String()
		b.source = choice.Addrs[0].Addr()
	}
	return network, nil
}

// signWith sets the key the beacons are signed with: the configuration's,
// or one made from the secret of the NATS URL; none when there is
// neither, or no IPv4 address to name as the beacons' source.
func (b *Bridge) signWith(cfg Config) {
	if b.key == nil {
		if secret := cfg.NATS.Secret(); secret != nil {
			b.key = wire.BridgeKey(secret)
		}
	}
	if cfg.Source.IsValid() {
		b.source = cfg.Source
	}
	if b.key != nil && !b.source.Is4() {
		b.key = nil // nothing to name in a signed beacon: unsigned, as on an open hub
		b.logLocked("This bridge's beacons cannot be signed (no IPv4 address on this network): members and other bridges cannot tell it from an impostor.")
	}
}

// openLocal opens multicast sockets as a member's, with loopback on
// (members on the bridge's own computer hear what it forwards).
func openLocal(cfg Config) (netconf.Transport, netconf.Choice, error) {
	choice, err := netconf.ResolveInterface(cfg.Interface, cfg.Group.Addr())
	if err != nil {
		return nil, choice, err
	}
	ttl := cfg.TTL
	if ttl == 0 {
		ttl = netconf.DefaultTTL
	}
	c, err := mcast.Open(mcast.Options{Group: cfg.Group, Iface: choice, TTL: ttl, Loopback: true, Companion: true})
	if err != nil {
		return nil, choice, err
	}
	return sockets{c}, choice, nil
}

type sockets struct{ *mcast.Conn }

func (s sockets) Control() netconf.Receiver { return s.Conn.Control() }

func (b *Bridge) say(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sayLocked(s)
}

// sayLocked logs s, once (b.mu is held).
func (b *Bridge) sayLocked(s string) {
	if !b.said[s] {
		b.said[s] = true
		b.logLocked(s)
	}
}

// refuse says s once for what kind of datagram was refused: the first
// such, with its source; Stats counts them all.
func (b *Bridge) refuse(kind, s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.said["refused "+kind] {
		b.said["refused "+kind] = true
		b.logLocked(s)
	}
}

// logLocked logs s, each time: what the election changed (b.mu is held).
func (b *Bridge) logLocked(s string) {
	if b.cfg.Log != nil {
		b.cfg.Log(s)
	}
}

// Stats are the bridge's counters now.
func (b *Bridge) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := Stats{Out: b.out.Load(), In: b.in.Load(), Dropped: b.dropped.Load(), Standby: b.standby.Load(), Rooms: b.rooms.Load(),
		Junk: b.junk.Load(), Throttled: b.throttled.Load(), Forged: b.forged.Load(),
		Forwarding: b.active, Net: b.net, Others: len(b.others)}
	if b.key != nil {
		st.Key = wire.FormatBridgeKey(b.key.Public().(ed25519.PublicKey))
	}
	return st
}

// Subjects are the NATS subjects the bridge forwards to and from.
func (b *Bridge) Subjects() (data, control string) { return b.data, b.ctl }

// Close stops forwarding and closes both sides.
func (b *Bridge) Close() error {
	b.cancel()
	b.nc.Close()
	err := b.local.Close()
	if b.sap != nil {
		b.sap.Close()
	}
	b.wg.Wait()
	return err
}
