package hub

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// rss is this process's resident memory, in bytes (0 where /proc has
// no say).
func rss() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "VmRSS:")), "%d", &kb)
			return kb << 10
		}
	}
	return 0
}

// slowSubscriber connects from local with the raw protocol, subscribes
// to every Groupcast subject and then never reads: the hub must hold
// what it sends it, up to MaxPending. ok is false when the hub refused.
func slowSubscriber(t *testing.T, hub, local, token string) (net.Conn, bool) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 2 * time.Second}
	c, err := d.Dial("tcp", hub)
	if err != nil {
		return nil, false
	}
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	r := bufio.NewReader(c)
	if _, err := r.ReadString('\n'); err != nil {
		c.Close()
		return nil, false
	}
	fmt.Fprintf(c, "CONNECT {\"verbose\":false,\"auth_token\":%q,\"protocol\":1}\r\nSUB gc1.> 1\r\nPING\r\n", token)
	line, err := r.ReadString('\n')
	_ = c.SetDeadline(time.Time{})
	if err != nil || !strings.HasPrefix(line, "PONG") {
		c.Close()
		return nil, false
	}
	return c, true
}

// The worst a hub's clients can make of its memory: every connection
// taken (1 024, from 32 addresses, 32 each: the per-address limit), each
// a subscriber to everything that never reads, while one member
// publishes as fast as the hub takes it. What the hub holds stays under
// the bound Limits states (1 024 × (512 + 128) KiB); the figures are
// docs/SECURITY.md's.
func TestMemoryWithEveryConnectionSlow(t *testing.T) {
	if testing.Short() {
		t.Skip("measures memory: long")
	}
	h, err := Start(Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	runtime.GC()
	before := rss()
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for a := range 33 { // one address more than the table has room for
		for range MaxPerAddress {
			if c, ok := slowSubscriber(t, h.Addr().String(), fmt.Sprintf("127.0.1.%d", a+1), h.Token()); ok {
				conns = append(conns, c)
			}
		}
	}
	taken := len(conns)
	held := rss()
	pub, err := nats.Connect(h.URL(), nats.NoReconnect())
	if err != nil {
		t.Logf("with every connection taken, a new member is refused: %v", err)
		conns[len(conns)-1].Close()
		conns = conns[:len(conns)-1]
		time.Sleep(100 * time.Millisecond)
		if pub, err = nats.Connect(h.URL(), nats.NoReconnect()); err != nil {
			t.Fatal(err)
		}
	}
	defer pub.Close()
	payload := make([]byte, 1024)
	sent, most := 0, held
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); {
		for range 1000 {
			if pub.Publish("gc1.x.d", payload) == nil {
				sent++
			}
		}
		_ = pub.Flush()
		most = max(most, rss())
	}
	time.Sleep(500 * time.Millisecond)
	after := rss()
	mb := func(b int64) float64 { return float64(b) / (1 << 20) }
	t.Logf("hub (in this test process): %.1f MB; %d slow subscribers connected from 33 addresses: %.1f MB; a member published %d KiB to them in 5 s (nats-server holds back a producer whose consumers are slow): at most %.1f MB, %.1f MB after; clients left %d",
		mb(before), taken, mb(held), sent, mb(most), mb(after), h.Clients())
	if taken > MaxConnections || taken < MaxConnections-MaxPerAddress {
		t.Errorf("%d connections taken; the hub has room for %d", taken, MaxConnections)
	}
	if bound := int64(MaxConnections) * (MaxPending + 128<<10); most-before > bound {
		t.Errorf("the hub grew by %.1f MB; the bound is %.1f MB", mb(most-before), mb(bound))
	}
}
