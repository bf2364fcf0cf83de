package hub

import (
	"net"
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
	site2, err := Start(Options{Listen: "127.0.0.1:0", Remote: "nats-leaf://" + leaf})
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
