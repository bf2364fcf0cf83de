package natsnet

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/groupcast/groupcast/internal/hub"
	"github.com/groupcast/groupcast/netconf/wire"
)

func TestSubjectsHideTheGroup(t *testing.T) {
	g := netip.MustParseAddrPort("239.255.3.3:3333")
	d, c := Subjects(g)
	if d != "gc1.59add80acb7eac2ae6cac610f7698bce.d" || c != "gc1.59add80acb7eac2ae6cac610f7698bce.c" {
		t.Fatalf("subjects %s %s", d, c) // the scheme is a wire format: it must not change
	}
	if d2, _ := Subjects(netip.MustParseAddrPort("239.255.3.3:3335")); d2 == d || strings.Contains(d, "239") {
		t.Fatal("subjects do not tell groups apart, or show the address")
	}
}

func TestOptionsCheck(t *testing.T) {
	for _, bad := range []string{"", "  ", "http://x:4222", "nats://a:1,ftp://b"} {
		if (Options{URL: bad}).Check() == nil {
			t.Errorf("%q taken", bad)
		}
	}
	for _, good := range []string{"nats://h:4222", "tls://h:4222", "h:4222", "nats://a:1, nats://b:2"} {
		if err := (Options{URL: good}).Check(); err != nil {
			t.Errorf("%q: %v", good, err)
		}
	}
}

// Two members through one server: what one writes the other reads,
// labelled as from a member through NATS; a payload without a trailer
// is dropped and counted.
func TestMembersThroughAServer(t *testing.T) {
	h, err := hub.Start(hub.Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	g := netip.MustParseAddrPort("239.255.3.3:3333")
	join := func() *Member {
		nc, err := Connect(Options{URL: h.URL()})
		if err != nil {
			t.Fatal(err)
		}
		m, err := Join(nc, g)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = m.Close() })
		return m
	}
	a, b := join(), join()
	raw, err := Connect(Options{URL: h.URL()})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	d, _ := Subjects(g)
	if err := raw.Publish(d, []byte("no trailer")); err != nil {
		t.Fatal(err)
	}
	_ = raw.Flush()
	time.Sleep(50 * time.Millisecond)
	if err := a.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2048)
	n, src, err := b.Read(buf)
	if err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
	if net, host, ok := wire.Unlabel(src.Addr()); !ok || net != a.Net() || !host.IsUnspecified() {
		t.Fatalf("labelled %v", src)
	}
	if b.Dropped() != 1 {
		t.Fatalf("dropped %d, want the one without a trailer", b.Dropped())
	}
	if err := a.WriteControl(make([]byte, wire.MaxForwardInner+1)); err == nil {
		t.Fatal("an oversized datagram was published")
	}
	_ = b.Close()
	if _, _, err := b.Read(buf); err == nil {
		t.Fatal("read after close")
	}
}

// The secret a URL carries (a token, or a user's password) signs a
// site's bridges' beacons; it is never shown.
func TestSecretAndRedacted(t *testing.T) {
	for _, c := range []struct{ url, secret, shown string }{
		{"nats://s3cret-token@hub:4222", "s3cret-token", "nats://xxxxx@hub:4222"},
		{"nats://bridge:pass@hub:4222", "pass", "nats://bridge:xxxxx@hub:4222"},
		{"nats://hub:4222, nats://tok@hub2:4222", "tok", "nats://hub:4222,nats://xxxxx@hub2:4222"},
		{"hub:4222", "", "hub:4222"},
	} {
		o := Options{URL: c.url}
		if got := string(o.Secret()); got != c.secret {
			t.Errorf("%s: secret %q, want %q", c.url, got, c.secret)
		}
		if got := o.Redacted(); got != c.shown {
			t.Errorf("%s: shown as %q, want %q", c.url, got, c.shown)
		}
	}
}
