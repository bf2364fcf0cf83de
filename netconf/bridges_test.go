package netconf

import (
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupcast/groupcast/internal/lossy"
	"github.com/groupcast/groupcast/internal/memnet"
	"github.com/groupcast/groupcast/netconf/internal/bridges"
	"github.com/groupcast/groupcast/netconf/wire"
)

// forwarded is a DATA from sender, as a bridge passes it on from network
// n, where it was sent from src.
func forwarded(t testing.TB, sender wire.SenderID, seq uint64, text string, n wire.NetID, src string) []byte {
	t.Helper()
	p := wire.Packet{Kind: wire.KindData, Sender: sender, Seq: seq, Nick: "Remy", Time: time.Now().UnixMicro(), Body: []byte(text)}
	b, err := wire.AppendEncode(nil, &p)
	if err != nil {
		t.Fatal(err)
	}
	return wire.AppendForward(nil, b, wire.Forward{Net: n, Source: netip.MustParseAddrPort(src)})
}

func beacon(n wire.NetID, instance byte) []byte {
	return wire.AppendBeacon(nil, wire.Beacon{Net: n, Instance: [8]byte{instance}, Started: 1, Forwarding: true})
}

// A datagram with a trailer is taken only from a computer heard as a
// bridge of this network, and only when it claims to come from another
// network; its sender is then known by where it was sent, not by the
// bridge. Whatever else is refused, and said once.
func TestForwardedOnlyFromABridge(t *testing.T) {
	hub := memnet.NewHub()
	var ahead atomic.Int64 // the clock, moved past the grace after joining
	cfg := DefaultConfig()
	cfg.Nick = "alice"
	alice := joinWith(t, hub, cfg, lossy.Faults{}, DefaultTiming(),
		withClock(func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }))
	t.Cleanup(func() { _ = alice.e.Close() })
	mallory := newForger(t, hub)
	here, there := wire.NetID{1}, wire.NetID{2}
	remy := wire.SenderID{7}

	// Just joined: a forward heard before the bridge's beacon is counted,
	// not reported (the bridge's beacon answers the HELLO).
	mallory.raw(forwarded(t, remy, 1, "early", there, "10.9.9.9:5000"), memnet.Group)
	quiet(t, alice.e, 1500*time.Millisecond)
	if s := alice.e.Stats(); s.Unbridged != 1 {
		t.Fatalf("unbridged %d", s.Unbridged)
	}
	ahead.Store(int64(bridges.Grace))

	// Not a bridge (yet): refused, twice, said once.
	mallory.raw(forwarded(t, remy, 1, "from nowhere", there, "10.9.9.9:5000"), memnet.Group)
	mallory.raw(forwarded(t, remy, 2, "from nowhere", there, "10.9.9.9:5000"), memnet.Group)
	ev := waitEvent(t, alice.e, 3*time.Second, func(ev Event) bool {
		if m, ok := ev.(Message); ok {
			t.Fatalf("took %q from a computer that is not a bridge", m.Text)
		}
		u, ok := ev.(Unreadable)
		return ok && u.Reason == UnreadableNotBridge
	}).(Unreadable)
	if ev.Count != 2 || ev.Host != mallory.conn.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap() {
		t.Fatalf("refusal: %+v", ev)
	}

	// A bridge of network "here": what it forwards from "there" is taken,
	// bound to where it was sent.
	mallory.raw(beacon(here, 1), memnet.Control)
	time.Sleep(50 * time.Millisecond)
	mallory.raw(forwarded(t, remy, 1, "hello from there", there, "10.9.9.9:5000"), memnet.Group)
	msg := waitEvent(t, alice.e, 3*time.Second, func(ev Event) bool { _, ok := ev.(Message); return ok }).(Message)
	r, host := ReachOf(msg.Source.Addr())
	if msg.Text != "hello from there" || r != ReachBridge || host != netip.MustParseAddr("10.9.9.9") || msg.Source.Port() != 5000 {
		t.Fatalf("message %q from %v: %v %v", msg.Text, msg.Source, r, host)
	}
	if HostName(msg.Source.Addr()) != "10.9.9.9 (another network)" {
		t.Fatalf("host name %q", HostName(msg.Source.Addr()))
	}

	// A classic tool's bare text from there: named by its address there.
	mallory.raw(wire.AppendForward(nil, []byte("plain hello"), wire.Forward{Net: there, Source: netip.MustParseAddrPort("10.9.9.5:7000")}), memnet.Group)
	plain := waitEvent(t, alice.e, 3*time.Second, func(ev Event) bool { _, ok := ev.(Message); return ok }).(Message)
	if !plain.Plain || plain.Text != "plain hello" || plain.From != "10.9.9.5:7000 (another network)" {
		t.Fatalf("plain message %+v", plain)
	}

	// Labelled as this network's own: a loop, or a lie. Refused.
	before := alice.e.Stats().Unbridged
	mallory.raw(forwarded(t, wire.SenderID{8}, 1, "from here?", here, "10.9.9.8:5000"), memnet.Group)
	// Its sender id from another label: an impostor, as from another computer.
	mallory.raw(forwarded(t, remy, 2, "me again", there, "10.9.9.7:5000"), memnet.Group)
	quiet(t, alice.e, 300*time.Millisecond)
	s := alice.e.Stats()
	if s.Unbridged != before+1 || s.Impostors == 0 || s.ForwardedIn < 2 {
		t.Fatalf("stats: %+v", s)
	}
}

// Beacons from more computers than a member tracks: the rest are
// ignored, and said once.
func TestBeaconsAreBounded(t *testing.T) {
	hub := memnet.NewHub()
	alice := joinBus(t, hub, "alice", lossy.Faults{}, DefaultTiming())
	t.Cleanup(func() { _ = alice.e.Close() })
	for i := range 3 * bridges.Max {
		f := newForger(t, hub)
		f.raw(beacon(wire.NetID{byte(i + 1)}, byte(i+1)), memnet.Control)
	}
	u := waitEvent(t, alice.e, 3*time.Second, func(ev Event) bool {
		u, ok := ev.(Unreadable)
		return ok && u.Reason == UnreadableBridges
	}).(Unreadable)
	if u.Count != 2*bridges.Max {
		t.Fatalf("refused %d beacons, want %d", u.Count, 2*bridges.Max)
	}
	if s := alice.e.Stats(); s.BeaconsIn != bridges.Max {
		t.Fatalf("beacons taken: %d", s.BeaconsIn)
	}
}

// raw sends b as it is to addr.
func (f *forger) raw(b []byte, to *net.UDPAddr) {
	f.t.Helper()
	if _, err := f.conn.WriteTo(b, to); err != nil {
		f.t.Fatal(err)
	}
}
