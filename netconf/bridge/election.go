package bridge

import (
	"bytes"
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
)

// other is another bridge of this network, as its beacons tell.
type other struct {
	net     wire.NetID
	started int64
	last    time.Time
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
