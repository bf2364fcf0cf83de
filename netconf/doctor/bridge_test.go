package doctor

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/groupcast/groupcast/internal/hub"
	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/wire"
)

// A bridge's beacon is heard as a bridge, and a datagram it forwards as
// its sender's, on the other network; the report says so.
func TestBridgesHeard(t *testing.T) {
	from := netip.MustParseAddrPort("10.0.0.5:40000")
	b := classify(wire.AppendBeacon(nil, wire.Beacon{Net: wire.NetID{1}, Instance: [8]byte{2}, Started: 1, Forwarding: true}), from)
	if b.Kind != "bridge" || b.Name != "forwarding" {
		t.Fatalf("beacon heard as %+v", b)
	}
	p := wire.Packet{Kind: wire.KindHeartbeat, Sender: wire.SenderID{3}, Nick: "Bob", Body: wire.AppendControl(nil, wire.Control{Trail: 1, Started: 1})}
	d, err := wire.AppendEncode(nil, &p)
	if err != nil {
		t.Fatal(err)
	}
	f := classify(wire.AppendForward(nil, d, wire.Forward{Net: wire.NetID{9}, Source: netip.MustParseAddrPort("10.1.0.7:5000")}), from)
	if f.Kind != "groupcast" || f.Name != "Bob" || netconf.HostName(f.From.Addr()) != "10.1.0.7 (another network)" {
		t.Fatalf("forwarded heard as %+v", f)
	}
	g := netip.MustParseAddrPort("239.255.3.3:3333")
	r := Report{Group: g, Listened: 1, Heard: []Heard{b, f}}
	r.Hints = hintsFor(r)
	text := r.Text(nil)
	for _, want := range []string{"bridge to other networks at 10.0.0.5 (forwarding)", "Bob at 10.1.0.7 (another network)", "A bridge at 10.0.0.5 forwards"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	r = Report{Group: g, Listened: 1, NATS: &Check{OK: true}}
	if r.Hints = hintsFor(r); r.Hint(HintNoBridge) == nil {
		t.Error("no hint that no bridge serves this network")
	}
}

func TestCheckNATS(t *testing.T) {
	h, err := hub.Start(hub.Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	ok := checkNATS(netconf.NATSOptions{URL: h.URL()})
	h.Close()
	if !ok.OK || !strings.Contains(ok.Detail, "round trip") {
		t.Fatalf("reachable: %+v", ok)
	}
	if bad := checkNATS(netconf.NATSOptions{URL: h.URL()}); bad.OK || !strings.Contains(bad.Detail, "cannot reach") {
		t.Fatalf("stopped: %+v", bad)
	}
}
