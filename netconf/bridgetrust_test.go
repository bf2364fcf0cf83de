package netconf

import (
	"crypto/ed25519"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupcast/groupcast/internal/lossy"
	"github.com/groupcast/groupcast/internal/memnet"
	"github.com/groupcast/groupcast/netconf/internal/bridges"
	"github.com/groupcast/groupcast/netconf/wire"
)

// joinAhead joins cfg with a clock already past the first moments in
// which refused forwards are counted but not reported.
func joinAhead(t *testing.T, hub *memnet.Hub, cfg Config) *busMember {
	t.Helper()
	var ahead atomic.Int64
	m := joinWith(t, hub, cfg, lossy.Faults{}, DefaultTiming(), withClock(func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }))
	t.Cleanup(func() { _ = m.e.Close() })
	ahead.Store(int64(bridges.Grace))
	return m
}

// fakeRemotes has f pass on, as a bridge would, a DATA from each of
// perSource fresh sender ids at each of sources made-up addresses of
// network n.
func fakeRemotes(t *testing.T, f *forger, n wire.NetID, sources, perSource int) {
	t.Helper()
	for s := range sources {
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 99, byte(s >> 8), byte(s)}), 5000).String()
		for i := range perSource {
			f.raw(forwarded(t, wire.SenderID{0xfa, byte(s >> 8), byte(s), byte(i >> 8), byte(i), 1}, 1, "fake", n, src), memnet.Group)
		}
		time.Sleep(time.Millisecond) // the bus's inboxes hold 8 192
	}
}

// watchJoins counts members joining and the refusals reported, until
// the engine is closed.
type joins struct {
	mu      sync.Mutex
	n       int
	refused map[UnreadableReason]Unreadable
}

func watchJoins(e *Engine) *joins {
	j := &joins{refused: map[UnreadableReason]Unreadable{}}
	go func() {
		for ev := range e.Events() {
			j.mu.Lock()
			switch ev := ev.(type) {
			case PeerJoined:
				j.n++
			case Unreadable:
				j.refused[ev.Reason] = ev
			}
			j.mu.Unlock()
		}
	}()
	return j
}

func (j *joins) count() (int, map[UnreadableReason]Unreadable) {
	j.mu.Lock()
	defer j.mu.Unlock()
	refused := map[UnreadableReason]Unreadable{}
	for r, u := range j.refused {
		refused[r] = u
	}
	return j.n, refused
}

func addrOf(c net.PacketConn) netip.Addr {
	return c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap()
}

// Issue 31, finding 5: one PC posing as a bridge with 100 made-up
// remote addresses made 7 969 members join (64 per computer is the
// limit), and every warning named a made-up "10.99.x.y (another
// network)". A member that cannot verify a bridge (no bridge key set)
// now charges what it passes on to the bridge itself: 64 members, and
// the refusal names its real address. Failed before: 6 400 joined.
func TestAnUnverifiedBridgeCountsAsOneComputer(t *testing.T) {
	hub := memnet.NewHub()
	cfg := DefaultConfig()
	cfg.Nick = "alice"
	alice := joinAhead(t, hub, cfg)
	j := watchJoins(alice.e)
	mallory := newForger(t, hub)
	mallory.raw(wire.AppendBeacon(nil, wire.Beacon{Net: wire.NetID{1}, Instance: [8]byte{9}, Started: 1, Forwarding: true}), memnet.Control)
	time.Sleep(50 * time.Millisecond)
	fakeRemotes(t, mallory, wire.NetID{2}, 100, 64)
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, refused := j.count()
		if u, ok := refused[UnreadableCrowded]; ok && n >= alice.e.timing.MaxPeersPerHost {
			if u.Host != addrOf(mallory.conn) {
				t.Fatalf("the refusal names %v (%s), not the computer that sent it (%v)", u.Host, HostName(u.Host), addrOf(mallory.conn))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d joined, refusals %v", n, refused)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	if n, _ := j.count(); n > alice.e.timing.MaxPeersPerHost {
		t.Fatalf("%d members joined through one unverified bridge; one computer may run %d", n, alice.e.timing.MaxPeersPerHost)
	}
}

// With the site's bridge key set, a beacon it does not verify — unsigned,
// signed with another key, or a real bridge's replayed from another
// computer — is refused and its sender named by its real address, and
// what that computer passes on is refused; a bridge the key verifies
// vouches for where what it passes on was sent (each source its own
// computer).
func TestBridgeKeyTellsBridgesFromImpostors(t *testing.T) {
	hub := memnet.NewHub()
	key := wire.BridgeKey([]byte("the hub's token"))
	cfg := DefaultConfig()
	cfg.Nick, cfg.Group = "alice", memnet.Group.AddrPort()
	cfg.BridgeKey = wire.FormatBridgeKey(key.Public().(ed25519.PublicKey))
	alice := joinAhead(t, hub, cfg)
	j := watchJoins(alice.e)
	here, there := wire.NetID{1}, wire.NetID{2}
	genuine, mallory := newForger(t, hub), newForger(t, hub)
	signed := wire.SignBeacon(nil, wire.Beacon{Net: here, Instance: [8]byte{1}, Started: 1, Forwarding: true, Source: addrOf(genuine.conn)}, cfg.Group, key)
	for _, b := range [][]byte{
		wire.AppendBeacon(nil, wire.Beacon{Net: here, Instance: [8]byte{9}, Started: 1, Forwarding: true}),
		wire.SignBeacon(nil, wire.Beacon{Net: here, Instance: [8]byte{9}, Started: 1, Source: addrOf(mallory.conn)}, cfg.Group, wire.BridgeKey([]byte("guess"))),
		signed, // the real bridge's, replayed
	} {
		mallory.raw(b, memnet.Control)
	}
	genuine.raw(signed, memnet.Control)
	time.Sleep(50 * time.Millisecond)
	fakeRemotes(t, mallory, there, 4, 4)
	fakeRemotes(t, genuine, there, 100, 1)
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, refused := j.count()
		forged, notBridge := refused[UnreadableForgedBeacon], refused[UnreadableNotBridge]
		if n >= 100 && forged.Count > 0 && notBridge.Count > 0 {
			if forged.Count != 3 || forged.Host != addrOf(mallory.conn) || notBridge.Host != addrOf(mallory.conn) {
				t.Fatalf("refusals: %+v, %+v; mallory is %v", forged, notBridge, addrOf(mallory.conn))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d joined, refusals %v, stats %+v", n, refused, alice.e.Stats())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if s := alice.e.Stats(); s.ForgedBeacons != 3 || s.Unbridged != 16 {
		t.Fatalf("stats: %d forged beacons, %d forwards refused", s.ForgedBeacons, s.Unbridged)
	}
}
