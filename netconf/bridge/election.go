package bridge

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"net/netip"
	"os"
	"path/filepath"
	"time"

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
	// A source's beacons are checked (an Ed25519 signature) at most
	// verifyBurst at once, then verifyRate a second; all sources'
	// verifyAll times as many.
	verifyBurst = 4
	verifyRate  = 2
	verifyAll   = 16
)

// other is another bridge of this network, as its beacons tell.
type other struct {
	net     wire.NetID
	started int64
	last    time.Time
}

// onBeacon notes another bridge of this network. With a bridge key,
// only a beacon it signed, sent from the address it names, is taken:
// another is refused, its sender named by its real address. Without one
// (an open hub), every beacon is a claim, taken as one: it may make us
// stand by while it is heard, never change what we keep.
func (b *Bridge) onBeacon(d []byte, src netip.AddrPort) {
	bc, ok := wire.ParseBeacon(d)
	if !ok || bc.Instance == b.self || !src.Addr().Is4() {
		return
	}
	now := time.Now()
	if !b.trusted(now, d, bc, src.Addr()) {
		b.forged.Add(1)
		b.refuse("beacon", "A computer at "+src.Addr().String()+" sends beacons as a bridge of this network, but this site's bridge key does not sign them: they are ignored (it is not one of this site's bridges)")
		return
	}
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

// trusted says whether a beacon from host is a bridge's of this site:
// signed with the bridge key, from the address it names. A source's
// beacons cost a signature check only when they change (a bridge's are
// the same each second), and no more than verifyBurst at once and
// verifyRate a second (a flood of forged ones costs little).
func (b *Bridge) trusted(now time.Time, d []byte, bc wire.Beacon, host netip.Addr) bool {
	if b.key == nil {
		return true
	}
	if !bc.Signed || bc.Source != host {
		return false
	}
	b.mu.Lock()
	last, seen := b.verified[host]
	b.mu.Unlock()
	if seen && string(last) == string(d) {
		return true
	}
	if !b.verifies.take(now, host, 1) || !wire.VerifyBeacon(d, b.cfg.Group, b.key.Public().(ed25519.PublicKey)) {
		return false
	}
	b.mu.Lock()
	if len(b.verified) >= maxHeard {
		clear(b.verified)
	}
	b.verified[host] = append(last[:0], d...)
	b.mu.Unlock()
	return true
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
// every bridge here labels with the oldest's network id. With a bridge
// key, that id is this network's from then on (kept in the state file):
// a signed beacon is a bridge of this site's word. Without one, a
// beacon's id is used only while it is heard, and never kept: when that
// "bridge" falls silent for Silence, this one forwards again under its
// own. b.mu is held.
func (b *Bridge) elect(now time.Time) {
	b.expire(now)
	oldest := true
	var best other
	for id, o := range b.others {
		if o.started < b.started || o.started == b.started && string(id[:]) < string(b.self[:]) {
			if oldest || o.started < best.started {
				best = o
			}
			oldest = false
		}
	}
	b.net = b.own
	switch {
	case oldest:
	case b.key != nil:
		if best.net != b.own {
			b.own = best.net
			saveNetID(b.netFile, b.own) // the network's id, as its oldest bridge has it
		}
		b.net = b.own
	default:
		b.net = best.net
	}
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
	var d []byte
	if b.key != nil {
		bc.Source = b.source
		d = wire.SignBeacon(nil, bc, b.cfg.Group, b.key)
	} else {
		d = wire.AppendBeacon(nil, bc)
	}
	if err := b.local.WriteControl(d); err != nil && b.ctx.Err() == nil {
		b.say("The bridge cannot send on this network: " + err.Error())
	}
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
