package e2e

import (
	"crypto/ed25519"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/groupcast/groupcast/netconf/wire"
)

// TestLabBridgedNetworks: two networks joined by a router that forwards
// unicast and not multicast, a NATS hub on the router, two bridges on
// the first network and one on the second, members on both and one
// joined only through NATS; 5% of the UDP every host receives is lost.
//   - Everyone has everything everyone said, in order, once; a member on
//     one network sees one on the other as such, and the NATS one too.
//   - One bridge of the first network forwards; the other stands by and
//     takes over, within 5 s, when the first is killed; what was said
//     meanwhile arrives (repaired), once.
//   - p99 from one network to the other at 100 messages/s is under 50 ms.
//   - Throughput through the bridges, in the same run, is at least half
//     of what the first network's own listener gets.
func TestLabBridgedNetworks(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	lab := NewRoutedLab(t, 4, 3)
	bin := Binary(t)
	netA, netB := lab.OnNetwork(0), lab.OnNetwork(1)
	const group = "239.255.21.21:2121"
	tokenFile := filepath.Join(t.TempDir(), "hub-token")
	hub := Start(t, "hub", lab.Command(lab.Router, bin, "hub", "-listen", "0.0.0.0:4222", "-token-file", tokenFile))
	waitStderr(t, hub, "bridge-key", 10*time.Second)
	tok, err := os.ReadFile(tokenFile)
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(string(tok))
	urlA, urlB := "nats://"+token+"@"+lab.RouterAddr(0).String()+":4222", "nats://"+token+"@"+lab.RouterAddr(1).String()+":4222"
	bridgeKey := wire.FormatBridgeKey(wire.BridgeKey([]byte(token)).Public().(ed25519.PublicKey))
	bridge := func(host, url, name string) *Proc {
		return Start(t, name, lab.Command(host, bin, "bridge", "-group", group, "-nats", url, "-json", "-stats", "0"))
	}
	a1 := bridge(netA[0], urlA, "bridge A1")
	waitSaid(t, a1, "This bridge forwards", 10*time.Second)
	a2 := bridge(netA[1], urlA, "bridge A2")
	b1 := bridge(netB[0], urlB, "bridge B")
	waitSaid(t, b1, "This bridge forwards", 10*time.Second)

	chat := func(host, name string, extra ...string) (*Proc, io.WriteCloser) {
		cmd := lab.Command(host, bin, append([]string{"chat", "-group", group, "-name", name, "-json"}, extra...)...)
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		p := Start(t, name, cmd)
		t.Cleanup(func() { _ = in.Close() })
		p.WaitFor("joined", 1, 15*time.Second)
		return p, in
	}
	alice, aliceIn := chat(netA[2], "alice")
	amy := Start(t, "amy", lab.Command(netA[3], bin, "listen", "-group", group, "-name", "amy", "-json"))
	amy.WaitFor("joined", 1, 15*time.Second)
	bob, bobIn := chat(netB[1], "bob", "-bridge-key", bridgeKey) // alice and amy cannot verify bridges: both ways are tried
	carol, carolIn := chat(netB[2], "carol", "-nats", urlB)
	alice.WaitFor("peer_joined", 3, 15*time.Second)
	bob.WaitFor("peer_joined", 3, 15*time.Second)
	carol.WaitFor("peer_joined", 3, 15*time.Second)
	for _, c := range []struct {
		who      *Proc
		of, host string
		via      any
	}{
		{alice, "bob", lab.Addr(netB[1]).String(), "bridge"}, {alice, "carol", "", "nats"},
		{alice, "amy", lab.Addr(netA[3]).String(), nil}, {bob, "alice", lab.Addr(netA[2]).String(), "bridge"},
		{carol, "amy", lab.Addr(netA[3]).String(), "bridge"},
	} {
		found := false
		for _, e := range c.who.Events("peer_joined") {
			if e["from"] == c.of {
				found = true
				if host, _ := e["host"].(string); host != c.host || e["via"] != c.via {
					t.Errorf("%s sees %s as %v", c.who.Name, c.of, e)
				}
			}
		}
		if !found {
			t.Errorf("%s did not see %s join", c.who.Name, c.of)
		}
	}

	for _, h := range append(slices.Clone(netA), netB...) {
		lab.DropUDP(h, 5)
	}

	// Phase 1: at 5% loss, alice at 100 messages/s, bob and carol at 50.
	var wg sync.WaitGroup
	pace := func(in io.Writer, name string, from, n int, every time.Duration) {
		defer wg.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for i := from; i < from+n; i++ {
			<-tick.C
			if _, err := fmt.Fprintf(in, "%s %05d\n", name, i); err != nil {
				t.Errorf("%s: %v", name, err)
				return
			}
		}
	}
	wg.Add(3)
	go pace(aliceIn, "alice", 0, 1000, 10*time.Millisecond)
	go pace(bobIn, "bob", 0, 200, 20*time.Millisecond)
	go pace(carolIn, "carol", 0, 200, 20*time.Millisecond)
	wg.Wait()
	expect := map[*Proc]map[string]int{
		alice: {"bob": 200, "carol": 200}, amy: {"alice": 1000, "bob": 200, "carol": 200},
		bob: {"alice": 1000, "carol": 200}, carol: {"alice": 1000, "bob": 200},
	}
	waitMessages(t, expect, 30*time.Second)
	lat := latencies(bob, "alice")
	p50, p99 := quantile(lat, 0.50), quantile(lat, 0.99)
	t.Logf("network A → B (alice → bob) at 100 msg/s and 5%% loss: p50 %.1f ms, p99 %.1f ms, max %.1f ms over %d",
		p50, p99, quantile(lat, 1), len(lat))
	lanLat := latencies(amy, "alice")
	t.Logf("same network (alice → amy): p50 %.1f ms, p99 %.1f ms", quantile(lanLat, 0.5), quantile(lanLat, 0.99))
	for _, p := range []*Proc{bob, amy} {
		var slow []string
		for _, m := range p.Events("message") {
			sent, _ := time.Parse(time.RFC3339Nano, m["time"].(string))
			got, _ := time.Parse(time.RFC3339Nano, m["received"].(string))
			if d := got.Sub(sent); m["from"] == "alice" && d > 30*time.Millisecond {
				slow = append(slow, fmt.Sprintf("%v:%.0f", m["seq"], float64(d.Microseconds())/1000))
			}
		}
		t.Logf("%s: slow (seq:ms) %s", p.Name, strings.Join(slow, " "))
	}
	if p99 >= 50 {
		t.Errorf("p99 from one network to the other is %.1f ms; want < 50 ms", p99)
	}
	if said(a2, "This bridge forwards") {
		t.Fatalf("the second bridge of network A forwarded while the first did: %v", a2.Events(""))
	}

	// Phase 2: the forwarding bridge is killed; the other takes over.
	if err := a1.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	wg.Add(1)
	go pace(aliceIn, "alice", 1000, 100, 10*time.Millisecond)
	took := waitSaid(t, a2, "This bridge forwards", 5*time.Second).Sub(killed)
	t.Logf("bridge A2 took over %v after A1 was killed", took.Round(time.Millisecond))
	wg.Wait()
	expect[amy]["alice"], expect[bob]["alice"], expect[carol]["alice"] = 1100, 1100, 1100
	waitMessages(t, expect, 30*time.Second)

	// Phase 3: throughput, without loss: alice streams as fast as chat
	// sends; amy hears it on the network, bob through both bridges.
	for _, h := range append(slices.Clone(netA), netB...) {
		lab.StopDropping(h)
	}
	const stream = 20000
	start := time.Now()
	var lines strings.Builder
	for i := range stream {
		fmt.Fprintf(&lines, "alice %05d — a chat line of about sixty bytes, héllo 世界\n", 1100+i)
	}
	if _, err := io.WriteString(aliceIn, lines.String()); err != nil {
		t.Fatal(err)
	}
	var lanTook, bridgedTook time.Duration
	var mu sync.Mutex
	wg.Add(2)
	for _, w := range []struct {
		p   *Proc
		out *time.Duration
	}{{amy, &lanTook}, {bob, &bridgedTook}} {
		go func() {
			defer wg.Done()
			deadline := time.Now().Add(120 * time.Second)
			for countFrom(w.p, "alice") < 1100+stream && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			mu.Lock()
			*w.out = time.Since(start)
			mu.Unlock()
		}()
	}
	wg.Wait()
	expect[amy]["alice"], expect[bob]["alice"], expect[carol]["alice"] = 1100+stream, 1100+stream, 1100+stream
	waitMessages(t, expect, 60*time.Second)
	lanRate, bridgedRate := stream/lanTook.Seconds(), stream/bridgedTook.Seconds()
	t.Logf("throughput: %d messages, on the network %.0f msg/s (%v), through the bridges %.0f msg/s (%v): %.2f of the network's",
		stream, lanRate, lanTook.Round(time.Millisecond), bridgedRate, bridgedTook.Round(time.Millisecond), bridgedRate/lanRate)
	if bridgedRate < lanRate/2 {
		t.Errorf("through the bridges %.0f msg/s, under half of the network's %.0f", bridgedRate, lanRate)
	}
	for _, p := range []*Proc{alice, amy, bob, carol} {
		if lost := p.Events("lost"); len(lost) > 0 {
			t.Errorf("%s declared loss: %v", p.Name, lost)
		}
	}
	// Rooms: one announced on network A is listed on network B, marked
	// as another network's...
	room := Start(t, "room", lab.Command(netA[3], bin, "listen", "-room", "Lab 21", "-group", "239.255.21.23:2121", "-name", "teacher", "-json"))
	room.WaitFor("joined", 1, 15*time.Second)
	code, out, errOut := lab.Run(netB[1], bin, "rooms", "-json", "-wait", "7s")
	if code != 0 || !strings.Contains(out, `"name":"Lab 21"`) || !strings.Contains(out, `"remote":true`) {
		t.Errorf("rooms on network B (%d): %s %s", code, out, errOut)
	}
	// ...and through NATS alone (the router, listening on lo: it is on both
	// networks, and would hear the room itself on the first).
	code, out, errOut = lab.Run(lab.Router, bin, "rooms", "-json", "-wait", "6s", "-iface", "lo", "-nats", "nats://"+token+"@127.0.0.1:4222")
	if code != 0 || !strings.Contains(out, `"name":"Lab 21"`) || !strings.Contains(out, `"remote":true`) {
		t.Errorf("rooms through NATS (%d): %s %s", code, out, errOut)
	}
	room.Stop()

	_ = aliceIn.Close()
	_ = bobIn.Close()
	_ = carolIn.Close()
	for _, p := range []*Proc{a2, b1, amy} {
		if code := p.Stop(); code != 0 {
			t.Errorf("%s exited %d: %s", p.Name, code, p.Stderr())
		}
	}
}

// waitStderr waits until p's standard error contains s.
func waitStderr(t *testing.T, p *Proc, s string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !strings.Contains(p.Stderr(), s) {
		if time.Now().After(deadline) || !p.Alive() {
			t.Fatalf("%s did not say %q within %v: %s", p.Name, s, limit, p.Stderr())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// said reports whether a bridge (-json) said something starting with s.
func said(p *Proc, s string) bool {
	_, ok := saidAt(p, s)
	return ok
}

func saidAt(p *Proc, s string) (time.Time, bool) {
	for _, e := range p.Events("bridge") {
		if text, _ := e["text"].(string); strings.HasPrefix(text, s) {
			at, _ := time.Parse(time.RFC3339Nano, e["time"].(string))
			return at, true
		}
	}
	return time.Time{}, false
}

// waitSaid waits until a bridge says s, and returns when it did.
func waitSaid(t *testing.T, p *Proc, s string, limit time.Duration) time.Time {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		if at, ok := saidAt(p, s); ok {
			return at
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not say %q within %v: %v %s", p.Name, s, limit, p.Events(""), p.Stderr())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func countFrom(p *Proc, from string) int {
	n := 0
	for _, m := range p.Events("message") {
		if m["from"] == from {
			n++
		}
	}
	return n
}

// waitMessages waits until each process has the messages expected from
// each sender, then checks each came once and in order.
func waitMessages(t *testing.T, expect map[*Proc]map[string]int, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for p, from := range expect {
		for sender, n := range from {
			for countFrom(p, sender) < n {
				if time.Now().After(deadline) {
					t.Fatalf("%s has %d of %d messages from %s after %v; lost: %v", p.Name, countFrom(p, sender), n, sender, limit, p.Events("lost"))
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	for p, from := range expect {
		texts := map[string][]string{}
		for _, m := range p.Events("message") {
			f, _ := m["from"].(string)
			text, _ := m["text"].(string)
			texts[f] = append(texts[f], text)
		}
		for sender, n := range from {
			got := texts[sender]
			if len(got) != n {
				t.Fatalf("%s has %d messages from %s; want %d, each once", p.Name, len(got), sender, n)
			}
			for i, text := range got {
				if want := fmt.Sprintf("%s %05d", sender, i); !strings.HasPrefix(text, want) {
					t.Fatalf("%s: message %d from %s is %q; want %q…", p.Name, i, sender, text, want)
				}
			}
		}
	}
}

// latencies are the milliseconds from each message's sending to its
// showing at p, of those from sender (one clock: the lab is one machine).
func latencies(p *Proc, sender string) []float64 {
	var out []float64
	for _, m := range p.Events("message") {
		if m["from"] != sender {
			continue
		}
		sent, err1 := time.Parse(time.RFC3339Nano, m["time"].(string))
		got, err2 := time.Parse(time.RFC3339Nano, m["received"].(string))
		if err1 == nil && err2 == nil {
			out = append(out, float64(got.Sub(sent).Microseconds())/1000)
		}
	}
	slices.Sort(out)
	return out
}

func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	return sorted[min(len(sorted)-1, int(math.Ceil(q*float64(len(sorted))))-1)]
}
