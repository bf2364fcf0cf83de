package bridge_test

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/groupcast/groupcast/internal/hub"
	"github.com/groupcast/groupcast/internal/lossy"
	"github.com/groupcast/groupcast/internal/memnet"
	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/bridge"
	"github.com/groupcast/groupcast/netconf/wire"
)

var group = memnet.Group.AddrPort()

func startHub(t testing.TB) *hub.Server {
	t.Helper()
	h, err := hub.Start(hub.Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

// local is a member's sockets on a network (an in-memory bus), with
// faults on what it reads.
func local(n *memnet.Hub, f lossy.Faults) netconf.Transport {
	var pc, cc net.PacketConn = n.Join(), n.JoinAt(memnet.Control)
	if f.Drop != 0 {
		pc, cc = lossy.Wrap(pc, f), lossy.Wrap(cc, f)
	}
	return netconf.PacketTransport(pc, memnet.Group, cc, memnet.Control)
}

func startBridge(t testing.TB, n *memnet.Hub, url string, f lossy.Faults) *bridge.Bridge {
	t.Helper()
	b, err := bridge.Start(bridge.Config{Group: group, NATS: netconf.NATSOptions{URL: url}, Local: local(n, f),
		Log: func(s string) { t.Log(s) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// member joins the group on network n, or through NATS at url when n is
// nil.
type member struct {
	e    *netconf.Engine
	mu   sync.Mutex
	got  map[string][]string // texts by sender nick, in order
	seqs map[wire.SenderID]uint64
	dup  int
	gap  int
	peer map[string]netconf.Peer
	lat  map[string][]time.Duration // by sender: shown − sent
}

func join(t testing.TB, n *memnet.Hub, url, nick string, f lossy.Faults) *member {
	t.Helper()
	var opts []netconf.Option
	cfg := netconf.DefaultConfig()
	cfg.Group, cfg.Nick = group, nick
	if n != nil {
		opts = append(opts, netconf.WithTransport(func(netconf.Config) (netconf.Transport, error) { return local(n, f), nil }))
	} else {
		cfg.NATS.URL = url
	}
	m := &member{e: netconf.New(opts...), got: map[string][]string{}, seqs: map[wire.SenderID]uint64{}, peer: map[string]netconf.Peer{}, lat: map[string][]time.Duration{}}
	t.Cleanup(func() { _ = m.e.Close() })
	m.e.Do(netconf.Join{Config: cfg})
	joined := make(chan error, 1)
	go func() {
		first := true
		for ev := range m.e.Events() {
			switch ev := ev.(type) {
			case netconf.Joined:
				if first {
					joined <- nil
					first = false
				}
			case netconf.Error:
				if first {
					joined <- ev.Err
					first = false
				}
			case netconf.Message:
				m.mu.Lock()
				if last := m.seqs[ev.Sender]; ev.Seq <= last {
					m.dup++
				} else if ev.Seq != last+1 && last != 0 {
					m.gap++
				}
				m.seqs[ev.Sender] = max(m.seqs[ev.Sender], ev.Seq)
				m.got[ev.From] = append(m.got[ev.From], ev.Text)
				m.lat[ev.From] = append(m.lat[ev.From], ev.Received.Sub(ev.Sent))
				m.mu.Unlock()
			case netconf.PeerJoined:
				m.mu.Lock()
				m.peer[ev.Peer.Nick] = ev.Peer
				m.mu.Unlock()
			case netconf.Lost:
				m.mu.Lock()
				m.gap++
				m.mu.Unlock()
			}
		}
	}()
	if err := <-joined; err != nil {
		t.Fatalf("join %s: %v", nick, err)
	}
	return m
}

func (m *member) texts(from string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.got[from]...)
}

func (m *member) reach(nick string) (netconf.Reach, netip.Addr, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.peer[nick]
	if !ok {
		return 0, netip.Addr{}, false
	}
	r, h := netconf.ReachOf(p.Host)
	return r, h, true
}

// waitFor waits until every member has every text from each sender.
func waitFor(t testing.TB, limit time.Duration, want map[string][]string, members map[string]*member) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		missing := ""
		for name, m := range members {
			for from, texts := range want {
				if from == name {
					continue
				}
				if got := m.texts(from); len(got) < len(texts) {
					missing = fmt.Sprintf("%s has %d of %d from %s", name, len(got), len(texts), from)
				}
			}
		}
		if missing == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(missing)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for name, m := range members {
		for from, texts := range want {
			if from == name {
				continue
			}
			got := m.texts(from)
			if fmt.Sprint(got) != fmt.Sprint(texts) {
				t.Fatalf("%s got from %s %d texts, not in order or not once: %q…", name, from, len(got), got[:min(len(got), 5)])
			}
		}
		m.mu.Lock()
		dup, gap := m.dup, m.gap
		m.mu.Unlock()
		if dup != 0 || gap != 0 {
			t.Fatalf("%s: %d duplicates, %d gaps", name, dup, gap)
		}
	}
}

// talk has every member say lines from to to, one round each 10 ms,
// noting them in want.
func talk(members map[string]*member, want map[string][]string, from, to int) {
	for i := from; i < to; i++ {
		for name, m := range members {
			text := fmt.Sprintf("%s %d", name, i)
			m.e.Do(netconf.Send{Text: text})
			want[name] = append(want[name], text)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitForwarding(t testing.TB, b *bridge.Bridge, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for !b.Stats().Forwarding {
		if time.Since(start) > limit {
			t.Fatalf("the bridge did not forward within %v", limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// Two networks and a member through NATS, at 5% loss on every member's
// reads: each has everything the others said, in order, once, and knows
// how each is reached.
func TestBridgedNetworksAndANATSMember(t *testing.T) {
	h := startHub(t)
	netA, netB := memnet.NewHub(), memnet.NewHub()
	loss := lossy.Faults{Drop: 0.05, Seed: 7}
	ba, bb := startBridge(t, netA, h.URL(), lossy.Faults{}), startBridge(t, netB, h.URL(), lossy.Faults{})
	waitForwarding(t, ba, 5*time.Second)
	waitForwarding(t, bb, 5*time.Second)
	members := map[string]*member{
		"alice": join(t, netA, "", "alice", loss),
		"amy":   join(t, netA, "", "amy", loss),
		"bob":   join(t, netB, "", "bob", loss),
		"carol": join(t, nil, h.URL(), "carol", lossy.Faults{}),
	}
	want := map[string][]string{}
	for i := range 60 {
		for name, m := range members {
			text := fmt.Sprintf("%s %d", name, i)
			m.e.Do(netconf.Send{Text: text})
			want[name] = append(want[name], text)
		}
		time.Sleep(5 * time.Millisecond)
	}
	waitFor(t, 20*time.Second, want, members)

	for _, c := range []struct {
		who, of string
		reach   netconf.Reach
	}{
		{"alice", "amy", netconf.ReachHere}, {"alice", "bob", netconf.ReachBridge}, {"alice", "carol", netconf.ReachNATS},
		{"bob", "alice", netconf.ReachBridge}, {"carol", "bob", netconf.ReachBridge},
	} {
		r, host, ok := members[c.who].reach(c.of)
		if !ok || r != c.reach || r == netconf.ReachBridge && !host.Is4() {
			t.Errorf("%s sees %s reached as %v (%v, %v), want %v", c.who, c.of, r, host, ok, c.reach)
		}
	}
	sa, sb := ba.Stats(), bb.Stats()
	if sa.Net == sb.Net || sa.Out == 0 || sa.In == 0 || sb.Out == 0 || sb.In == 0 {
		t.Fatalf("bridge stats: %+v, %+v", sa, sb)
	}
	t.Logf("bridge A %+v; bridge B %+v", sa, sb)
}

// Two bridges on one network: one forwards, nothing arrives twice; the
// one forwarding gone, the other takes over within 5 s, and what was
// said meanwhile is repaired.
func TestTwoBridgesOneForwardsTakeover(t *testing.T) {
	h := startHub(t)
	netA, netB := memnet.NewHub(), memnet.NewHub()
	first := startBridge(t, netA, h.URL(), lossy.Faults{})
	waitForwarding(t, first, 5*time.Second)
	second := startBridge(t, netA, h.URL(), lossy.Faults{})
	startBridge(t, netB, h.URL(), lossy.Faults{})
	time.Sleep(bridge.WarmUp + 500*time.Millisecond)
	if second.Stats().Forwarding || second.Stats().Net != first.Stats().Net {
		t.Fatalf("second bridge: %+v; first %+v", second.Stats(), first.Stats())
	}
	members := map[string]*member{
		"alice": join(t, netA, "", "alice", lossy.Faults{}),
		"bob":   join(t, netB, "", "bob", lossy.Faults{}),
	}
	want := map[string][]string{}
	say := func(from, to int) { talk(members, want, from, to) }
	say(0, 30)
	waitFor(t, 10*time.Second, want, members)
	if s := second.Stats(); s.Out != 0 || s.In != 0 || s.Standby == 0 {
		t.Fatalf("the standby forwarded: %+v", s)
	}

	_ = first.Close()
	killed := time.Now()
	say(30, 60) // while nobody forwards: repaired once the other takes over
	waitForwarding(t, second, 5*time.Second)
	took := time.Since(killed)
	if took > 5*time.Second {
		t.Fatalf("takeover took %v", took)
	}
	t.Logf("the standby took over %v after the forwarding bridge stopped", took.Round(time.Millisecond))
	say(60, 80)
	waitFor(t, 15*time.Second, want, members)
}

// The NATS server restarted, then a bridge restarted, while members on
// both networks and one through NATS talk: nothing is lost, nothing
// shown twice (what crossed neither way meanwhile is repaired).
func TestRestartsLoseNothing(t *testing.T) {
	h := startHub(t)
	addr := h.Addr().String()
	netA, netB := memnet.NewHub(), memnet.NewHub()
	stateA, stateB := t.TempDir(), t.TempDir()
	start := func(n *memnet.Hub, state string) *bridge.Bridge {
		b, err := bridge.Start(bridge.Config{Group: group, NATS: netconf.NATSOptions{URL: h.URL()}, Local: local(n, lossy.Faults{}),
			StateDir: state, Log: func(s string) { t.Log(s) }})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ba, bb := start(netA, stateA), start(netB, stateB)
	defer func() { _ = ba.Close() }()
	waitForwarding(t, ba, 5*time.Second)
	waitForwarding(t, bb, 5*time.Second)
	netB0 := bb.Stats().Net
	members := map[string]*member{
		"alice": join(t, netA, "", "alice", lossy.Faults{}),
		"bob":   join(t, netB, "", "bob", lossy.Faults{}),
		"carol": join(t, nil, h.URL(), "carol", lossy.Faults{}),
	}
	want := map[string][]string{}
	say := func(from, to int) { talk(members, want, from, to) }
	say(0, 50)
	h.Close() // the NATS server goes down mid-stream...
	say(50, 80)
	h2, err := hub.Start(hub.Options{Listen: addr, Token: h.Token()}) // ...and comes back on its address
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Close()
	say(80, 130)
	_ = bb.Close() // network B's bridge restarts
	say(130, 160)
	bb = start(netB, stateB)
	defer func() { _ = bb.Close() }()
	if bb.Stats().Net != netB0 {
		t.Fatalf("the restarted bridge labels its network %x, not %x as before", bb.Stats().Net, netB0)
	}
	say(160, 220)
	waitFor(t, 30*time.Second, want, members)
	for name, m := range members {
		if s := m.e.Stats(); s.Impostors != 0 {
			t.Errorf("%s refused %d datagrams as an impostor's", name, s.Impostors)
		}
	}
}
