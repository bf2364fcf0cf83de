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
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
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

// Timing of the election. A bridge listens for WarmUp before it
// forwards (to hear an older one first); it takes over when the one
// forwarding has been silent for Silence.
const (
	BeaconEvery = time.Second
	WarmUp      = 1500 * time.Millisecond
	Silence     = 3 * time.Second
	// maxOthers bounds the other bridges tracked on this network.
	maxOthers = 8
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
	Forwarding bool
	Net        wire.NetID
	Others     int // other bridges heard on this network
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

	mu     sync.Mutex
	heard  map[netip.AddrPort]time.Time // local sources lately heard (newcomer)
	hinted time.Time                    // the last beacon sent for a newcomer
	net    wire.NetID
	others map[[8]byte]other
	active bool
	said   map[string]bool

	sap                              *sapSide
	out, in, dropped, standby, rooms atomic.Uint64
	ctx                              context.Context
	cancel                           context.CancelFunc
	wg                               sync.WaitGroup
	pubMu                            sync.Mutex
	pub                              []byte
}

type other struct {
	net     wire.NetID
	started int64
	last    time.Time
}

// Start opens both sides and forwards until Close.
func Start(cfg Config) (*Bridge, error) {
	if !cfg.Group.Addr().Is4() || !cfg.Group.Addr().IsMulticast() || cfg.Group.Port() == 0 {
		return nil, fmt.Errorf("%s is not an IPv4 multicast group ADDRESS:PORT", cfg.Group)
	}
	b := &Bridge{cfg: cfg, others: map[[8]byte]other{}, said: map[string]bool{}, begun: time.Now(),
		heard: map[netip.AddrPort]time.Time{}}
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
	b.local = cfg.Local
	network := "local" // a test's transport
	if b.local == nil {
		var choice netconf.Choice
		if b.local, choice, err = openLocal(cfg); err != nil {
			nc.Close()
			return nil, err
		}
		if len(choice.Addrs) > 0 {
			network = choice.Addrs[0].Masked().String()
		}
	}
	if cfg.StateDir != "" {
		b.netFile = filepath.Join(cfg.StateDir, "bridge-"+natsnet.GroupID(cfg.Group)+"-"+strings.NewReplacer("/", "_", ".", "-").Replace(network)+".net")
	}
	b.net = loadNetID(b.netFile)
	sd, err := natsnet.Subscribe(nc, b.data, natsnet.PendingMsgs, natsnet.PendingBytes)
	var sc *nats.Subscription
	if err == nil {
		sc, err = natsnet.Subscribe(nc, b.ctl, natsnet.PendingMsgs, natsnet.PendingBytes)
	}
	if err == nil {
		err = nc.Flush()
	}
	if err != nil {
		nc.Close()
		_ = b.local.Close()
		return nil, fmt.Errorf("NATS: %w", err)
	}
	var ss *nats.Subscription
	if cfg.SAP && cfg.Local == nil && err == nil {
		if b.sap, err = openSAP(cfg.Interface, cfg.TTL); err == nil {
			ss, err = natsnet.Subscribe(nc, SAPSubject, natsnet.RoomsPendingMsgs, natsnet.RoomsPendingBytes)
		}
	}
	if err != nil {
		nc.Close()
		_ = b.local.Close()
		if b.sap != nil {
			b.sap.Close()
		}
		return nil, err
	}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	if b.sap != nil {
		b.wg.Add(2)
		go b.sapFromLocal()
		go func() {
			defer b.wg.Done()
			handle := b.sapFromNATS(b.sap.write)
			for msg, ok := natsnet.Next(b.ctx, ss); ok; msg, ok = natsnet.Next(b.ctx, ss) {
				handle(msg.Data)
			}
		}()
	}
	b.beacon() // others hear of us at once
	b.wg.Add(5)
	go b.fromLocal(b.local, b.data)
	go b.fromLocal(b.local.Control(), b.ctl)
	go b.fromNATS(sd, b.local.Write)
	go b.fromNATS(sc, b.local.WriteControl)
	go b.beacons()
	return b, nil
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

// fromLocal publishes what members multicast here, while we forward.
func (b *Bridge) fromLocal(r netconf.Receiver, subject string) {
	defer b.wg.Done()
	buf := make([]byte, 2048)
	for {
		n, src, err := r.Read(buf)
		if err != nil {
			if b.ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
				b.say("The bridge cannot read this network any more: " + err.Error())
			}
			return
		}
		d := buf[:n]
		switch {
		case wire.IsBeacon(d):
			b.onBeacon(d, src)
			continue
		case isForwarded(d):
			continue // another network's, multicast here by a bridge: never sent back
		case n > wire.MaxForwardInner || !src.Addr().Is4():
			b.dropped.Add(1)
			continue
		}
		if b.newcomer(src) {
			b.beacon() // a member that just joined learns of us now, not in a second
		}
		b.mu.Lock()
		active, id := b.active, b.net
		b.mu.Unlock()
		if !active {
			b.standby.Add(1)
			continue
		}
		b.pubMu.Lock()
		b.pub = wire.AppendForward(b.pub[:0], d, wire.Forward{Net: id, Source: src})
		err = b.nc.Publish(subject, b.pub)
		b.pubMu.Unlock()
		if err != nil {
			b.dropped.Add(1) // lost, as on a network: repaired as such
			continue
		}
		b.out.Add(1)
	}
}

// Newcomers. A member takes forwarded datagrams only from a bridge it
// has heard; one that joins hears the next beacon up to a second later.
// So a source not heard for newcomerQuiet (a member joining: its HELLO)
// gets a beacon at once, at most one per newcomerGap. The table of
// sources is bounded: past maxHeard it starts again (a few more beacons).
const (
	newcomerQuiet = 5 * time.Second
	newcomerGap   = 50 * time.Millisecond
	maxHeard      = 4096
)

func (b *Bridge) newcomer(src netip.AddrPort) bool {
	now := time.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	last, ok := b.heard[src]
	if len(b.heard) >= maxHeard && !ok {
		clear(b.heard)
	}
	b.heard[src] = now
	if ok && now.Sub(last) < newcomerQuiet || now.Sub(b.hinted) < newcomerGap {
		return false
	}
	b.hinted = now
	return true
}

func isForwarded(d []byte) bool {
	_, _, ok := wire.ParseForward(d)
	return ok
}

// fromNATS multicasts here what other networks published, while we
// forward.
func (b *Bridge) fromNATS(s *nats.Subscription, write func([]byte) error) {
	defer b.wg.Done()
	for {
		msg, ok := natsnet.Next(b.ctx, s)
		if !ok {
			return
		}
		_, f, ok := wire.ParseForward(msg.Data)
		if !ok {
			b.dropped.Add(1)
			continue
		}
		b.mu.Lock()
		active, ours := b.active, b.isOurs(f.Net)
		b.mu.Unlock()
		switch {
		case ours:
			b.dropped.Add(1) // this network's own, published by another bridge of it: it is here already
			continue
		case !active:
			b.standby.Add(1)
			continue
		}
		if err := write(msg.Data); err != nil {
			if b.ctx.Err() != nil {
				return
			}
			b.say("The bridge cannot send on this network: " + err.Error())
			b.dropped.Add(1)
			continue
		}
		b.in.Add(1)
	}
}

// isOurs says whether n is this network's id, as we or another bridge
// here use it. b.mu is held.
func (b *Bridge) isOurs(n wire.NetID) bool {
	if n == b.net {
		return true
	}
	for _, o := range b.others {
		if o.net == n {
			return true
		}
	}
	return false
}

// onBeacon notes another bridge of this network.
func (b *Bridge) onBeacon(d []byte, src netip.AddrPort) {
	bc, ok := wire.ParseBeacon(d)
	if !ok || bc.Instance == b.self || !src.Addr().Is4() {
		return
	}
	now := time.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, known := b.others[bc.Instance]; !known && len(b.others) >= maxOthers {
		b.expire(now)
		if len(b.others) >= maxOthers {
			return
		}
	}
	b.others[bc.Instance] = other{net: bc.Net, started: bc.Started, last: now}
	b.elect(now)
}

// expire forgets bridges silent for Silence. b.mu is held.
func (b *Bridge) expire(now time.Time) {
	for id, o := range b.others {
		if now.Sub(o.last) >= Silence {
			delete(b.others, id)
		}
	}
}

// elect decides whether we forward: the oldest live bridge does, and
// every bridge here uses the oldest's network id. b.mu is held.
func (b *Bridge) elect(now time.Time) {
	b.expire(now)
	oldest, oldestNet := true, b.net
	var best other
	for id, o := range b.others {
		if o.started < b.started || o.started == b.started && string(id[:]) < string(b.self[:]) {
			if oldest || o.started < best.started {
				best = o
			}
			oldest = false
		}
	}
	if !oldest {
		oldestNet = best.net
	}
	if oldestNet != b.net {
		saveNetID(b.netFile, oldestNet) // the network's id, as its oldest bridge has it
	}
	b.net = oldestNet
	was := b.active
	b.active = oldest && now.Sub(b.begun) >= WarmUp
	switch {
	case b.active && !was:
		b.logLocked("This bridge forwards for this network.")
	case !b.active && was:
		b.logLocked("Another bridge of this network, older than this one, forwards now; this one stands by.")
	}
}

func (b *Bridge) beacons() {
	defer b.wg.Done()
	t := time.NewTicker(BeaconEvery / 4)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-b.ctx.Done():
			return
		case now := <-t.C:
			b.mu.Lock()
			b.elect(now)
			b.mu.Unlock()
			if now.Sub(last) >= BeaconEvery {
				last = now
				b.beacon()
			}
		}
	}
}

func (b *Bridge) beacon() {
	b.mu.Lock()
	bc := wire.Beacon{Net: b.net, Instance: b.self, Started: b.started, Forwarding: b.active}
	b.mu.Unlock()
	if err := b.local.WriteControl(wire.AppendBeacon(nil, bc)); err != nil && b.ctx.Err() == nil {
		b.say("The bridge cannot send on this network: " + err.Error())
	}
}

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
	return Stats{Out: b.out.Load(), In: b.in.Load(), Dropped: b.dropped.Load(), Standby: b.standby.Load(), Rooms: b.rooms.Load(),
		Forwarding: b.active, Net: b.net, Others: len(b.others)}
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

// loadNetID reads the network's id kept in file, or makes one (and keeps
// it there).
func loadNetID(file string) wire.NetID {
	if file != "" {
		if b, err := os.ReadFile(file); err == nil {
			var id wire.NetID
			if n, err := hex.Decode(id[:], bytes.TrimSpace(b)); err == nil && n == len(id) && !id.IsZero() {
				return id
			}
		}
	}
	id := natsnet.NewNetID()
	saveNetID(file, id)
	return id
}

func saveNetID(file string, id wire.NetID) {
	if file == "" {
		return
	}
	_ = os.MkdirAll(filepath.Dir(file), 0o700)
	_ = os.WriteFile(file, []byte(hex.EncodeToString(id[:])+"\n"), 0o600) // best effort: without it, a new id next run
}
