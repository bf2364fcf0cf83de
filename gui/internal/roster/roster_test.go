package roster

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/wire"
)

var testTime = time.Date(2024, 5, 6, 9, 30, 0, 0, time.UTC)

func TestRosterShowsWhoIsThere(t *testing.T) {
	test.NewTempApp(t)
	r := New(func() time.Time { return testTime })
	if r.title.Text != "Nobody here yet" {
		t.Fatalf("empty roster %q", r.title.Text)
	}
	self := netconf.Peer{ID: wire.SenderID{9}, Nick: "Alice", Self: true}
	r.Set([]netconf.Peer{self})
	if r.title.Text != "In the group: just you" || r.detail(self) != "this computer" {
		t.Fatalf("alone: %q, %q", r.title.Text, r.detail(self))
	}

	bob1 := netconf.Peer{ID: wire.SenderID{1}, Nick: "Bob", Host: netip.MustParseAddr("198.18.0.5"), LastHeard: testTime}
	bob2 := netconf.Peer{ID: wire.SenderID{2}, Nick: "Bob", Host: netip.MustParseAddr("198.18.0.6"), LastHeard: testTime.Add(-30 * time.Second)}
	r.Set([]netconf.Peer{bob2, self, bob1})
	if r.title.Text != "In the group: you and 2 others" || len(r.peers) != 3 || !r.peers[0].Self {
		t.Fatalf("roster %q %+v", r.title.Text, r.peers)
	}
	// Counted as receipts count: PCs, and the people on them.
	bob3 := netconf.Peer{ID: wire.SenderID{3}, Nick: "Carol", Host: bob1.Host, LastHeard: testTime}
	r.Set([]netconf.Peer{bob2, self, bob1, bob3})
	if r.title.Text != "In the group: you and 3 others on 2 PCs" {
		t.Fatalf("three others on two PCs: %q", r.title.Text)
	}
	r.Set([]netconf.Peer{self, bob1})
	if r.title.Text != "In the group: you and 1 other" {
		t.Fatalf("one other: %q", r.title.Text)
	}
	r.Set([]netconf.Peer{bob2, self, bob1})
	if d1, d2 := r.detail(r.peers[1]), r.detail(r.peers[2]); d1 != "198.18.0.5 · active" || d2 != "198.18.0.6 · heard 30s ago" {
		t.Fatalf("two Bobs: %q and %q", d1, d2)
	}
	bob2.LastHeard = testTime.Add(-3 * time.Minute)
	if d := r.detail(bob2); d != "198.18.0.6 · heard 3m ago" {
		t.Fatalf("long silent: %q", d)
	}
	teacher := netconf.Peer{Nick: "Ms Lee", Host: netip.MustParseAddr("198.18.0.2"), LastHeard: testTime, Presenter: true}
	impostor := netconf.Peer{Nick: "Ms Lee", Host: netip.MustParseAddr("198.18.0.66"), LastHeard: testTime}
	r.Set(append(r.peers, teacher, impostor))
	if d := r.detail(teacher); d != "198.18.0.2 · presenter · active" {
		t.Fatalf("the presenter, proven by its key: %q", d)
	}
	if d := r.detail(impostor); d != "198.18.0.66 · not the presenter · active" {
		t.Fatalf("a member named like the presenter: %q", d)
	}
	if r.list.Length() != 5 {
		t.Fatalf("list shows %d peers", r.list.Length())
	}
}

// TestRosterIsDenseWhenCrowded: at 800×560 a roster of 12 showed 4 (two
// lines each, ~66 px). When the members would not fit with two lines,
// each gets one: the nickname, cut with an ellipsis, and a short status;
// a few members keep their second line.
func TestRosterIsDenseWhenCrowded(t *testing.T) {
	test.NewTempApp(t)
	r := New(func() time.Time { return testTime })
	w := test.NewWindow(r.Object())
	defer w.Close()
	w.Resize(fyne.NewSize(170, 420))
	peers := []netconf.Peer{{Nick: "Alice", Self: true}}
	for i := range 11 {
		peers = append(peers, netconf.Peer{ID: wire.SenderID{byte(i + 1)}, Nick: fmt.Sprintf("pc%02d with a very long name indeed", i),
			Host: netip.AddrFrom4([4]byte{198, 18, 0, byte(i + 2)}), LastHeard: testTime.Add(-90 * time.Second)})
	}
	r.Set(peers[:2])
	if r.compact {
		t.Fatal("two members are shown in one line each")
	}
	r.Set(peers)
	if !r.compact || r.oneLine >= r.full || float32(len(peers))*r.oneLine > r.size.Height+r.oneLine {
		t.Fatalf("12 members in %v: compact %v, rows %v (two lines: %v)", r.size, r.compact, r.oneLine, r.full)
	}
	row := newRow()
	r.updateRow(1, row)
	line := row.(*fyne.Container).Objects[0].(*fyne.Container).Objects[0].(*fyne.Container)
	nick, mark := line.Objects[0].(*canvas.Text), line.Objects[1].(*canvas.Text)
	if !strings.HasSuffix(nick.Text, "…") || !strings.HasPrefix(nick.Text, "pc00") || mark.Text != "1m" {
		t.Fatalf("a dense row: %q, %q", nick.Text, mark.Text)
	}
}

// TestRosterMarksOtherNetworks: a member a bridge passes on shows its
// address on its own network and "another network", one joined through
// NATS says so; never the engine's label (an IPv6 address). Dense rows
// keep the mark.
func TestRosterMarksOtherNetworks(t *testing.T) {
	test.NewTempApp(t)
	r := New(func() time.Time { return testTime })
	bridged := netconf.Peer{ID: wire.SenderID{1}, Nick: "Carol", LastHeard: testTime,
		Host: wire.Label(wire.Forward{Net: wire.NetID{7}, Source: netip.MustParseAddrPort("10.0.2.7:40000")}).Addr()}
	viaNATS := netconf.Peer{ID: wire.SenderID{2}, Nick: "Dave", LastHeard: testTime.Add(-90 * time.Second),
		Host: wire.Label(wire.Forward{Net: wire.NetID{9}, Source: netip.AddrPortFrom(netip.IPv4Unspecified(), 0)}).Addr()}
	here := netconf.Peer{ID: wire.SenderID{3}, Nick: "Bob", Host: netip.MustParseAddr("198.18.0.5"), LastHeard: testTime}
	presenter := bridged
	presenter.Nick, presenter.Presenter = "Ms Lee", true
	r.Set([]netconf.Peer{{Nick: "Alice", Self: true}, bridged, viaNATS, here, presenter})
	for _, tc := range []struct {
		p             netconf.Peer
		detail, short string
		host          string
	}{
		{bridged, "10.0.2.7 · another network · active", "other network", "10.0.2.7 on another network"},
		{viaNATS, "through NATS · heard 1m ago", "NATS · 1m", "through NATS"},
		{here, "198.18.0.5 · active", "", "198.18.0.5"},
		{presenter, "10.0.2.7 · another network · presenter · active", "presenter · other network", "10.0.2.7 on another network"},
	} {
		if got := r.detail(tc.p); got != tc.detail {
			t.Errorf("%s: second line %q; want %q", tc.p.Nick, got, tc.detail)
		}
		if got := r.short(tc.p); got != tc.short {
			t.Errorf("%s: dense status %q; want %q", tc.p.Nick, got, tc.short)
		}
		if got := HostName(tc.p.Host); got != tc.host {
			t.Errorf("%s: host %q; want %q", tc.p.Nick, got, tc.host)
		}
	}
	if got := HostName(netip.IPv4Unspecified()); got != "this computer" {
		t.Errorf("0.0.0.0: %q", got)
	}
	if got := HostName(netip.Addr{}); got != "unknown host" {
		t.Errorf("no address: %q", got)
	}
}
