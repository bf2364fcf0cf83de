package bridge_test

import (
	"bytes"
	"encoding/hex"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/groupcast/groupcast/internal/hub"
	"github.com/groupcast/groupcast/internal/lossy"
	"github.com/groupcast/groupcast/internal/memnet"
	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/bridge"
	"github.com/groupcast/groupcast/netconf/wire"
)

func startKept(t testing.TB, n *memnet.Hub, url, state string) *bridge.Bridge {
	t.Helper()
	b, err := bridge.Start(bridge.Config{Group: group, NATS: netconf.NATSOptions{URL: url}, Local: local(n, lossy.Faults{}),
		StateDir: state, Log: func(s string) { t.Log(s) }})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// kept is the network id a bridge's state file in dir holds.
func kept(t testing.TB, dir string) wire.NetID {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "bridge-*.net"))
	if len(files) != 1 {
		t.Fatalf("state files %v", files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var id wire.NetID
	if _, err := hex.Decode(id[:], bytes.TrimSpace(b)); err != nil {
		t.Fatal(err)
	}
	return id
}

// forgeBeacons multicasts, from a computer of its own on n, count
// beacons claiming to be a bridge of network id that started before
// any other, every 100 ms.
func forgeBeacons(t testing.TB, n *memnet.Hub, id wire.NetID, count int) {
	t.Helper()
	c := n.Join()
	defer c.Close()
	d := wire.AppendBeacon(nil, wire.Beacon{Net: id, Instance: [8]byte{0xee}, Started: 1, Forwarding: true})
	for range count {
		if _, err := c.WriteTo(d, memnet.Control); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Issue 31, finding 2: thirteen forged beacons claiming the other
// network's id made the real bridge stand down, take that id and keep it
// in its state file; the networks stayed cut apart after the attacker
// stopped and after the bridge restarted. With the hub's token the
// bridges sign their beacons: the forged ones are ignored, counted and
// said once; the bridge forwards throughout, under its own id, and
// keeps it. Failed before: the bridge stood by under network B's id.
func TestForgedBeaconsCutNothing(t *testing.T) {
	h := startHub(t) // closed: its URL holds the token
	netA, netB := memnet.NewHub(), memnet.NewHub()
	stateA := t.TempDir()
	ba := startKept(t, netA, h.URL(), stateA)
	defer func() { _ = ba.Close() }()
	bb := startBridge(t, netB, h.URL(), lossy.Faults{})
	waitForwarding(t, ba, 5*time.Second)
	waitForwarding(t, bb, 5*time.Second)
	ownA, idB := ba.Stats().Net, bb.Stats().Net
	if ba.Stats().Key == "" || ba.Stats().Key != bb.Stats().Key {
		t.Fatalf("bridges of one hub sign with %q and %q", ba.Stats().Key, bb.Stats().Key)
	}
	members := map[string]*member{
		"alice": join(t, netA, "", "alice", lossy.Faults{}),
		"bob":   join(t, netB, "", "bob", lossy.Faults{}),
	}
	want := map[string][]string{}
	done := make(chan struct{})
	go func() { defer close(done); forgeBeacons(t, netA, idB, 13) }()
	talk(members, want, 0, 40)
	<-done
	waitFor(t, 10*time.Second, want, members)
	s := ba.Stats()
	if !s.Forwarding || s.Net != ownA || s.Forged != 13 || kept(t, stateA) != ownA {
		t.Fatalf("after 13 forged beacons: %+v; kept %x; own %x", s, kept(t, stateA), ownA)
	}
	_ = ba.Close()
	ba = startKept(t, netA, h.URL(), stateA)
	waitForwarding(t, ba, 5*time.Second)
	if ba.Stats().Net != ownA {
		t.Fatalf("restarted, the bridge labels its network %x, not %x", ba.Stats().Net, ownA)
	}
	talk(members, want, 40, 60)
	waitFor(t, 15*time.Second, want, members)
}

// On an open hub the bridges cannot sign: a beacon is a claim, which may
// make the real bridge stand by while it is heard, never change what it
// keeps. Once the forger stops, the real bridge forwards again under its
// own id within Silence (docs/BRIDGE.md says 3 s). Failed before: it
// kept network B's id, and nothing crossed.
func TestOpenHubBridgeTakesOverWhenForgerStops(t *testing.T) {
	h, err := hub.Start(hub.Options{Listen: "127.0.0.1:0", Open: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	netA, netB := memnet.NewHub(), memnet.NewHub()
	stateA := t.TempDir()
	ba := startKept(t, netA, h.URL(), stateA)
	defer func() { _ = ba.Close() }()
	bb := startBridge(t, netB, h.URL(), lossy.Faults{})
	waitForwarding(t, ba, 5*time.Second)
	waitForwarding(t, bb, 5*time.Second)
	ownA := ba.Stats().Net
	if ba.Stats().Key != "" {
		t.Fatal("a bridge of an open hub signs")
	}
	members := map[string]*member{
		"alice": join(t, netA, "", "alice", lossy.Faults{}),
		"bob":   join(t, netB, "", "bob", lossy.Faults{}),
	}
	want := map[string][]string{}
	forgeBeacons(t, netA, bb.Stats().Net, 13)
	stopped := time.Now()
	if ba.Stats().Forwarding {
		t.Fatal("the claim of an older bridge was not taken (open hub)")
	}
	talk(members, want, 0, 20) // meanwhile: repaired once the bridge forwards again
	waitForwarding(t, ba, bridge.Silence+10*time.Second)
	took := time.Since(stopped)
	t.Logf("the real bridge forwarded again %v after the forger stopped", took.Round(10*time.Millisecond))
	if s := ba.Stats(); s.Net != ownA || kept(t, stateA) != ownA {
		t.Fatalf("after the forger stopped the bridge labels %x, keeps %x; its own is %x", s.Net, kept(t, stateA), ownA)
	}
	talk(members, want, 20, 40)
	waitFor(t, 15*time.Second, want, members)
}

// Issue 31, finding 3: junk multicast on one network was published, and
// junk published to NATS was multicast (207 715 datagrams on one LAN).
// A bridge forwards only Groupcast datagrams of its group (a classic
// tool's text on the group's port too), each way. Failed before: all of
// it crossed.
func TestBridgesForwardOnlyTheGroupsDatagrams(t *testing.T) {
	h := startHub(t)
	netA, netB := memnet.NewHub(), memnet.NewHub()
	ba, bb := startBridge(t, netA, h.URL(), lossy.Faults{}), startBridge(t, netB, h.URL(), lossy.Faults{})
	waitForwarding(t, ba, 5*time.Second)
	waitForwarding(t, bb, 5*time.Second)
	var onB atomic.Int64 // what bridge B multicasts on network B, beacons aside
	for _, addr := range []*net.UDPAddr{memnet.Group, memnet.Control} {
		c := netB.JoinAt(addr)
		t.Cleanup(func() { _ = c.Close() })
		go func() {
			buf := make([]byte, 2048)
			for {
				n, _, err := c.ReadFrom(buf)
				if err != nil {
					return
				}
				if !wire.IsBeacon(buf[:n]) {
					onB.Add(1)
				}
			}
		}()
	}
	student := netA.Join()
	defer student.Close()
	data := func(kind wire.Kind) []byte {
		p := wire.Packet{Kind: kind, Sender: wire.SenderID{5}, Seq: 1, Nick: "Sam", Time: time.Now().UnixMicro(), Body: []byte("hi")}
		d, err := wire.AppendEncode(nil, &p)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	oldVersion := data(wire.KindData)
	oldVersion[bytes.Index(oldVersion, wire.Magic[:])+4] = wire.Version - 1
	junk := map[string]struct {
		d  []byte
		to *net.UDPAddr
	}{
		"random bytes":            {[]byte{0xff, 0xfe, 0, 1, 2, 3, 0x80}, memnet.Group},
		"text on the companion":   {[]byte("hello"), memnet.Control},
		"DATA on the companion":   {data(wire.KindData), memnet.Control},
		"HELLO on the group port": {data(wire.KindHello), memnet.Group},
		"another wire version":    {oldVersion, memnet.Group},
		"a torn header":           {data(wire.KindData)[:20], memnet.Group},
	}
	for _, j := range junk {
		for range 50 {
			if _, err := student.WriteTo(j.d, j.to); err != nil {
				t.Fatal(err)
			}
		}
	}
	// and on NATS, with the token (a member's or bridge's): no trailer, a
	// trailer on junk.
	nc, err := nats.Connect(h.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	d, c := bridge.SubjectsOf(group)
	there := wire.Forward{Net: wire.NetID{7}, Source: netip.MustParseAddrPort("10.9.9.9:5000")}
	for range 50 {
		_ = nc.Publish(d, []byte("no trailer at all"))
		_ = nc.Publish(d, wire.AppendForward(nil, []byte{0xff, 0x00, 0x01}, there))
		_ = nc.Publish(c, wire.AppendForward(nil, []byte("text on the companion"), there))
	}
	_ = nc.Flush()
	// What is a group's crosses: a classic tool's text, a DATA.
	if _, err := student.WriteTo([]byte("plain hello"), memnet.Group); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for ba.Stats().Out < 1 || bb.Stats().Junk < 150 || ba.Stats().Junk < 300 {
		if time.Now().After(deadline) {
			t.Fatalf("bridge A %+v; bridge B %+v", ba.Stats(), bb.Stats())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	if n := onB.Load(); n != 1 || ba.Stats().Out != 1 {
		t.Fatalf("%d datagrams multicast on network B, %d published from A; want the one classic text", n, ba.Stats().Out)
	}
	t.Logf("bridge A: %+v; bridge B: %+v", ba.Stats(), bb.Stats())
}

// The hub is closed: without its token nothing connects; with it, a
// client may use Groupcast's subjects only (not read everything with
// ">").
func TestHubIsClosed(t *testing.T) {
	h := startHub(t)
	plain := "nats://" + h.Addr().String()
	if nc, err := nats.Connect(plain); err == nil {
		nc.Close()
		t.Fatal("connected without the token")
	}
	if _, err := bridge.Start(bridge.Config{Group: group, NATS: netconf.NATSOptions{URL: plain}, Local: local(memnet.NewHub(), lossy.Faults{})}); err == nil ||
		!strings.Contains(err.Error(), "token") {
		t.Fatalf("a bridge without the token: %v", err)
	}
	nc, err := nats.Connect(h.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	errs := make(chan error, 4)
	nc.SetErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err })
	if _, err := nc.SubscribeSync(">"); err != nil {
		t.Fatal(err)
	}
	_ = nc.Flush()
	select {
	case err := <-errs:
		if !strings.Contains(strings.ToLower(err.Error()), "permission") {
			t.Fatalf("subscribing to everything: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a client subscribed to every subject")
	}
}
