package admit

import (
	"net/netip"
	"testing"
	"time"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/ledger"
	"github.com/groupcast/groupcast/netconf/internal/seal"
	"github.com/groupcast/groupcast/netconf/wire"
)

var (
	t0     = time.Unix(1_700_000_000, 0)
	bridge = netip.MustParseAddrPort("198.18.0.9:40000")
	member = netip.MustParseAddrPort("198.18.0.2:40000")
)

func hello(at time.Time) []byte {
	p := wire.Packet{Kind: wire.KindHello, Sender: wire.SenderID{0xA1}, Time: at.UnixMicro(), Nick: "Alice", Body: wire.AppendControl(nil, wire.Control{})}
	b, _ := wire.AppendEncode(nil, &p)
	return b
}

func reasons(l *ledger.Ledger, at time.Time) []event.UnreadableReason {
	var got []event.UnreadableReason
	l.Due(at, func(ev event.Event) { got = append(got, ev.(event.Unreadable).Reason) })
	return got
}

func TestForwardsOnlyFromBridges(t *testing.T) {
	var st event.Stats
	l := ledger.New(16)
	g := New(nil, l, &st, t0, time.Second)
	fwd := wire.AppendForward(nil, hello(t0), wire.Forward{Net: wire.NetID{2}, Source: netip.MustParseAddrPort("10.0.2.7:5000")})
	now := t0.Add(5 * time.Second) // past the grace after joining
	if _, _, _, ok := g.Open(now, fwd, bridge); ok || st.Unbridged != 1 {
		t.Fatalf("a forward before any beacon was taken (Unbridged %d)", st.Unbridged)
	}
	if _, _, _, ok := g.Open(now, wire.AppendBeacon(nil, wire.Beacon{Net: wire.NetID{1}, Instance: [8]byte{7}, Started: t0.UnixMicro()}), bridge); ok || st.BeaconsIn != 1 {
		t.Fatal("a beacon was not noted")
	}
	data, _, from, ok := g.Open(now, fwd, bridge)
	if !ok || from.Addr() == bridge.Addr() {
		t.Fatalf("a bridge's forward: ok %v, judged as from %v; want its label", ok, from)
	}
	if r, h := event.ReachOf(from.Addr()); r != event.ReachBridge || h != netip.MustParseAddr("10.0.2.7") {
		t.Fatalf("label %v reads as %v %v", from, r, h)
	}
	if _, err := wire.Decode(data); err != nil {
		t.Fatalf("the inner datagram: %v", err)
	}
	if got := reasons(l, now.Add(time.Second)); len(got) != 1 || got[0] != event.UnreadableNotBridge {
		t.Fatalf("reports %v; want not_bridge once", got)
	}
}

func TestSealedGroup(t *testing.T) {
	key, err := seal.Derive("correct horse", "groupcast/v1 group 239.255.3.3:3333", wire.SealedPrefix)
	if err != nil {
		t.Fatal(err)
	}
	var st event.Stats
	l := ledger.New(16)
	g := New(key, l, &st, t0, time.Second)
	if _, _, _, ok := g.Open(t0, hello(t0), member); ok || st.Unsealed != 1 {
		t.Fatal("an unsealed datagram was taken in a private group")
	}
	sealed := key.Seal(nil, 1, hello(t0))
	data, pn, _, ok := g.Open(t0, sealed, member)
	if !ok || pn != 1 {
		t.Fatalf("a sealed datagram: ok %v pn %d", ok, pn)
	}
	p, _ := wire.Decode(data)
	if !g.Fresh(t0, &p, pn, member) {
		t.Fatal("a fresh datagram was refused")
	}
	if g.Fresh(t0, &p, pn, member) || st.Replayed != 1 {
		t.Fatal("a replay was taken")
	}
	old := key.Seal(nil, 2, hello(t0.Add(-time.Hour)))
	data, pn, _, _ = g.Open(t0, old, member)
	p, _ = wire.Decode(data)
	if g.Fresh(t0, &p, pn, member) {
		t.Fatal("a datagram stamped an hour before we joined was taken")
	}
}
