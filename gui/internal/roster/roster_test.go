package roster

import (
	"net/netip"
	"testing"
	"time"

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
	if r.title.Text != "In the group: 3" || len(r.peers) != 3 || !r.peers[0].Self {
		t.Fatalf("roster %q %+v", r.title.Text, r.peers)
	}
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
