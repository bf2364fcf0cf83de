package rooms

import (
	"context"
	"crypto/ed25519"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/groupcast/groupcast/netconf"
)

// fakeNet is a network of announcements the test sends when it likes;
// its discover hears them until ctx ends.
type fakeNet struct {
	entries chan fakeEntry
	fail    chan error // the next discover fails with it
}

type fakeEntry struct {
	r   netconf.Room
	del bool
}

func newFakeNet() *fakeNet {
	return &fakeNet{entries: make(chan fakeEntry, 64), fail: make(chan error, 1)}
}

func (n *fakeNet) discover(ctx context.Context, _ string, wait time.Duration, found func(netconf.Room, bool)) error {
	select {
	case err := <-n.fail:
		return err
	default:
	}
	end := time.After(wait)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-end:
			return nil
		case e := <-n.entries:
			found(e.r, e.del)
		}
	}
}

func (n *fakeNet) announce(r netconf.Room) { n.entries <- fakeEntry{r: r} }

// watching runs w on n and collects what it reports.
type watching struct {
	mu     sync.Mutex
	events []WatchEvent
	at     []time.Time
	done   chan error
	cancel context.CancelFunc
}

func watch(t *testing.T, w Watch, n *fakeNet) *watching {
	t.Helper()
	w.Discover = n.discover
	ctx, cancel := context.WithCancel(context.Background())
	ws := &watching{done: make(chan error, 1), cancel: cancel}
	go func() {
		ws.done <- w.Run(ctx, func(ev WatchEvent) {
			ws.mu.Lock()
			defer ws.mu.Unlock()
			ws.events = append(ws.events, ev)
			ws.at = append(ws.at, time.Now())
		})
	}()
	t.Cleanup(func() { ws.stop(t) })
	return ws
}

func (ws *watching) stop(t *testing.T) error {
	t.Helper()
	ws.cancel()
	select {
	case err := <-ws.done:
		ws.done <- err
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("the watch did not end with its context")
		return nil
	}
}

// waitFor waits until the watch has reported n events and returns them.
func (ws *watching) waitFor(t *testing.T, n int) []WatchEvent {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ws.mu.Lock()
		evs := append([]WatchEvent(nil), ws.events...)
		ws.mu.Unlock()
		if len(evs) >= n {
			return evs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events reported; want %d: %+v", len(evs), n, evs)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (ws *watching) time(i int) time.Time {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return ws.at[i]
}

// TestWatchWaitsForThePinnedRoom: a lab PC started before the teacher
// says once that it waits, hears the impostor's room of the name and
// ignores it, and takes the teacher's room the moment it is announced
// (no settling: the key says which it is).
func TestWatchWaitsForThePinnedRoom(t *testing.T) {
	teacher, teacherKey, _ := ed25519.GenerateKey(nil)
	student, studentKey, _ := ed25519.GenerateKey(nil)
	n := newFakeNet()
	ws := watch(t, Watch{Name: "Physics 101", Pin: Fingerprint(teacher)}, n)
	evs := ws.waitFor(t, 1)
	if evs[0].Kind != Waiting || evs[0].Err != nil {
		t.Fatalf("first %+v; want Waiting", evs[0])
	}
	fake := physics(student, 5)
	fake.Origin = netip.MustParseAddr("198.18.0.66")
	n.announce(heard(t, fake, false, studentKey))
	n.announce(heard(t, fake, false, studentKey)) // again: ignored once
	if evs := ws.waitFor(t, 2); evs[1].Kind != Ignored || !evs[1].Room.PresenterKey.Equal(student) {
		t.Fatalf("the impostor's room: %+v", evs[1])
	}
	appeared := time.Now()
	n.announce(heard(t, physics(teacher, 7), false, teacherKey))
	evs = ws.waitFor(t, 3)
	if evs[2].Kind != Found || !evs[2].Room.PresenterKey.Equal(teacher) || evs[2].Room.Version != 7 {
		t.Fatalf("the teacher's room: %+v", evs[2])
	}
	t.Logf("found %v after it was announced", ws.time(2).Sub(appeared))
	if len(ws.waitFor(t, 3)) != 3 {
		t.Fatal("more was reported")
	}
}

// TestWatchFollowsTheRoom: once in the room, a restart of the presenter
// on the same group is nothing to do; one on another group (a restart
// elsewhere after the room's deletion, or a move) is Moved; a recording
// of an earlier run on yet another group moves nobody; another key's
// room of the name is not followed.
func TestWatchFollowsTheRoom(t *testing.T) {
	teacher, teacherKey, _ := ed25519.GenerateKey(nil)
	student, studentKey, _ := ed25519.GenerateKey(nil)
	n := newFakeNet()
	ws := watch(t, Watch{Name: "Physics 101", Pin: Fingerprint(teacher)}, n)
	n.announce(heard(t, physics(teacher, 10), false, teacherKey))
	if ev := ws.waitFor(t, 1)[0]; ev.Kind != Found {
		t.Fatalf("%+v", ev)
	}
	n.announce(heard(t, physics(teacher, 11), false, teacherKey)) // restarted, same group
	n.entries <- fakeEntry{r: heard(t, physics(teacher, 11), true, teacherKey), del: true}
	moved := physics(teacher, 12)
	moved.Group = netip.MustParseAddrPort("239.255.99.1:2020")
	n.announce(heard(t, moved, false, teacherKey))
	evs := ws.waitFor(t, 2)
	if evs[1].Kind != Moved || evs[1].Room.Group != moved.Group || evs[1].Room.Version != 12 {
		t.Fatalf("after the move: %+v", evs[1])
	}
	old := physics(teacher, 9)
	old.Group = netip.MustParseAddrPort("239.255.98.1:2020")
	n.announce(heard(t, old, false, teacherKey))
	other := physics(student, 99)
	other.Group = netip.MustParseAddrPort("239.255.97.1:2020")
	n.announce(heard(t, other, false, studentKey))
	time.Sleep(100 * time.Millisecond)
	evs = ws.waitFor(t, 2)
	for _, ev := range evs[2:] {
		if ev.Kind != Ignored {
			t.Fatalf("a recording or another key's room was followed: %+v", ev)
		}
	}
}

// TestWatchUnpinned: without a key named, the room is taken once Settle
// has passed and it is the only one of its name; a room that appears
// later is taken at once; two rooms of the name end the watch, naming
// both.
func TestWatchUnpinned(t *testing.T) {
	teacher, teacherKey, _ := ed25519.GenerateKey(nil)
	student, studentKey, _ := ed25519.GenerateKey(nil)

	n := newFakeNet()
	start := time.Now()
	ws := watch(t, Watch{Name: "Physics 101"}, n)
	n.announce(heard(t, physics(teacher, 1), false, teacherKey))
	if ev := ws.waitFor(t, 1)[0]; ev.Kind != Found || ws.time(0).Sub(start) < Settle {
		t.Fatalf("%+v after %v; want Found after Settle", ev, ws.time(0).Sub(start))
	}

	n2 := newFakeNet()
	ws2 := watch(t, Watch{Name: "Physics 101"}, n2)
	if ev := ws2.waitFor(t, 1)[0]; ev.Kind != Waiting {
		t.Fatalf("%+v", ev)
	}
	appeared := time.Now()
	n2.announce(heard(t, physics(teacher, 1), false, teacherKey))
	if ev := ws2.waitFor(t, 2)[1]; ev.Kind != Found {
		t.Fatalf("%+v", ev)
	}
	t.Logf("found %v after it was announced", ws2.time(1).Sub(appeared))

	n3 := newFakeNet()
	ws3 := watch(t, Watch{Name: "Physics 101"}, n3)
	fake := physics(student, 1)
	fake.Origin = netip.MustParseAddr("198.18.0.66")
	n3.announce(heard(t, physics(teacher, 1), false, teacherKey))
	n3.announce(heard(t, fake, false, studentKey))
	var amb *AmbiguousError
	select {
	case err := <-ws3.done:
		ws3.done <- err
		if !errors.As(err, &amb) || len(amb.Rooms) != 2 {
			t.Fatalf("two rooms of the name: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the watch did not refuse two rooms of one name")
	}
	ws3.mu.Lock()
	defer ws3.mu.Unlock()
	if len(ws3.events) != 0 {
		t.Fatalf("reported %+v", ws3.events)
	}
}

// TestWatchRetriesDiscovery: a PC whose network is not up yet says it
// waits, with why, and listens again.
func TestWatchRetriesDiscovery(t *testing.T) {
	if testing.Short() {
		t.Skip("waits RetryGap")
	}
	teacher, teacherKey, _ := ed25519.GenerateKey(nil)
	n := newFakeNet()
	n.fail <- errors.New("no usable network interface")
	ws := watch(t, Watch{Name: "Physics 101", Pin: Fingerprint(teacher)}, n)
	if ev := ws.waitFor(t, 1)[0]; ev.Kind != Waiting || ev.Err == nil {
		t.Fatalf("%+v", ev)
	}
	n.announce(heard(t, physics(teacher, 1), false, teacherKey))
	if ev := ws.waitFor(t, 2)[1]; ev.Kind != Found {
		t.Fatalf("%+v", ev)
	}
}

// TestWatchIgnoresAFloodOfKeys: rooms of the name under made-up keys are
// reported at most MaxKnown times in all.
func TestWatchIgnoresAFloodOfKeys(t *testing.T) {
	teacher, _, _ := ed25519.GenerateKey(nil)
	n := newFakeNet()
	ws := watch(t, Watch{Name: "Physics 101", Pin: Fingerprint(teacher)}, n)
	ws.waitFor(t, 1) // waiting
	for range 2 * MaxKnown {
		pub, _, _ := ed25519.GenerateKey(nil)
		n.announce(physics(pub, 1)) // as ParseSAP would give it, signature checked
	}
	time.Sleep(200 * time.Millisecond)
	if evs := ws.waitFor(t, 1); len(evs) > 1+MaxKnown {
		t.Fatalf("%d reports for %d made-up keys", len(evs), 2*MaxKnown)
	}
}

// TestNewVersionTellsQuickRestartsApart: a teacher's program started
// again a moment later announces a newer version, which PCs follow.
func TestNewVersionTellsQuickRestartsApart(t *testing.T) {
	v1 := NewVersion()
	time.Sleep(2 * time.Millisecond)
	if v2 := NewVersion(); v2 <= v1 {
		t.Fatalf("versions %d then %d", v1, v2)
	}
}
