package hub

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

func TestStartRefuses(t *testing.T) {
	for _, o := range []Options{{Listen: "nowhere"}, {Listen: "127.0.0.1:99999"}, {Listen: "127.0.0.1:0", Remote: "::bad"}} {
		if h, err := Start(o); err == nil {
			h.Close()
			t.Errorf("%+v taken", o)
		}
	}
	h, err := Start(Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if _, err := Start(Options{Listen: h.Addr().String()}); err == nil || !strings.Contains(err.Error(), "another program") {
		t.Fatalf("a port in use: %v", err)
	}
}

// A second site's hub joins the first as a leaf node (dialling out):
// what is published at one site reaches subscribers at the other, as
// docs/BRIDGE.md shows; payloads over MaxPayload are refused.
func TestLeafNode(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0") // a free port for leaf nodes
	if err != nil {
		t.Fatal(err)
	}
	leaf := l.Addr().String()
	l.Close()
	site1, err := Start(Options{Listen: "127.0.0.1:0", LeafListen: leaf})
	if err != nil {
		t.Fatal(err)
	}
	defer site1.Close()
	if h, err := Start(Options{Listen: "127.0.0.1:0", Remote: "nats-leaf://" + leaf}); err != nil {
		t.Fatal(err) // starts, but its leaf connection is refused: no token
	} else {
		defer h.Close()
	}
	site2, err := Start(Options{Listen: "127.0.0.1:0", Remote: "nats-leaf://" + LeafUser + ":" + site1.Token() + "@" + leaf})
	if err != nil {
		t.Fatal(err)
	}
	defer site2.Close()
	for deadline := time.Now().Add(10 * time.Second); site1.Leafs() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the leaf node did not connect")
		}
		time.Sleep(20 * time.Millisecond)
	}
	sub, err := nats.Connect(site1.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	s, err := sub.SubscribeSync("gc1.x.d")
	if err != nil {
		t.Fatal(err)
	}
	_ = sub.Flush()
	pub, err := nats.Connect(site2.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	if pub.MaxPayload() != MaxPayload {
		t.Fatalf("max payload %d", pub.MaxPayload())
	}
	if err := pub.Publish("gc1.x.d", make([]byte, MaxPayload+1)); err == nil {
		t.Fatal("an oversized payload was taken")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_ = pub.Publish("gc1.x.d", []byte("across sites"))
		if m, err := s.NextMsg(200 * time.Millisecond); err == nil {
			if string(m.Data) != "across sites" {
				t.Fatalf("got %q", m.Data)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("nothing crossed the leaf node")
		}
	}
}

// The hub is closed by default: its token is made once, kept in its
// file (this user's only) and used again; without it nothing connects,
// with it (in the URL) a client does. -open lets anyone in.
func TestClosedByDefault(t *testing.T) {
	file := filepath.Join(t.TempDir(), "groupcast", "hub-token")
	h, err := Start(Options{Listen: "127.0.0.1:0", TokenFile: file})
	if err != nil {
		t.Fatal(err)
	}
	token := h.Token()
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 || len(token) < 32 || !strings.Contains(h.URL(), token+"@") {
		t.Fatalf("token %q in %s: %v %v", token, h.URL(), fi, err)
	}
	if nc, err := nats.Connect("nats://" + h.Addr().String()); err == nil {
		nc.Close()
		t.Fatal("connected without the token")
	}
	if nc, err := nats.Connect("nats://wrong-token-of-the-right-length@" + h.Addr().String()); err == nil {
		nc.Close()
		t.Fatal("connected with another token")
	}
	nc, err := nats.Connect(h.URL())
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
	h.Close()
	again, err := Start(Options{Listen: "127.0.0.1:0", TokenFile: file})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if again.Token() != token {
		t.Fatal("a new token on the second start")
	}
	open, err := Start(Options{Listen: "127.0.0.1:0", Open: true})
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	if !open.Open() || strings.Contains(open.URL(), "@") {
		t.Fatalf("open hub: %s", open.URL())
	}
	nc, err = nats.Connect(open.URL())
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
}

// One address holds at most MaxPerAddress connections; one closed makes
// room for another.
func TestConnectionsPerAddress(t *testing.T) {
	h, err := Start(Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	var conns []*nats.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	refused := 0
	for range MaxPerAddress + 5 {
		c, err := nats.Connect(h.URL(), nats.NoReconnect())
		if err != nil {
			refused++
			continue
		}
		conns = append(conns, c)
	}
	if _, crowded := h.Refused(); len(conns) != MaxPerAddress || refused != 5 || crowded != 5 {
		t.Fatalf("%d connected, %d refused (%d counted)", len(conns), refused, crowded)
	}
	conns[0].Close()
	conns = conns[1:]
	for deadline := time.Now().Add(5 * time.Second); ; {
		c, err := nats.Connect(h.URL(), nats.NoReconnect())
		if err == nil {
			conns = append(conns, c)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no room after one closed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
