package rooms

import (
	"context"
	"crypto/ed25519"
	"sync"
	"time"

	"github.com/groupcast/groupcast/netconf"
)

// Watch waits for the room called Name and follows it while it runs: a
// lab PC started before the teacher gets in as soon as the room is
// announced, and stays with its presenter who restarts the room or
// moves it to another group. The window and the command line both use
// it.
type Watch struct {
	Discover DiscoverFunc // Discover, DiscoverThrough(…), or a test's
	Iface    string       // "" for automatic
	Name     string
	// Pin is the fingerprint the room's presenter key must have (a lab's
	// settings name the teacher's): a room of the name with another key
	// is never taken, and no wait is needed. Without it a room is taken
	// once Settle has passed and it is the only one of its name.
	Pin string
}

// WatchKind is what happened to the room watched.
type WatchKind int

// What a Watch reports.
const (
	// Waiting: the room is not announced (yet); said once, after Settle
	// or when discovery fails (Err; it is tried again every RetryGap).
	Waiting WatchKind = iota + 1
	// Found: the room is announced: join it.
	Found
	// Moved: the room found was started again on another group (its
	// presenter restarted elsewhere, or moved it): leave and join Room.
	Moved
	// Ignored: a room of the name announced with another key than Pin,
	// which may be an impostor's; said once a room, for at most MaxKnown.
	Ignored
)

// WatchEvent is one report of a Watch.
type WatchEvent struct {
	Kind WatchKind
	Room netconf.Room // Found, Moved, Ignored
	Err  error        // Waiting: why discovery failed (nil: nothing is announced yet)
}

// RetryGap is how long a Watch waits before listening again when
// discovery failed (no network yet: a PC that boots before its DHCP
// lease).
const RetryGap = 2 * time.Second

// watchRound is how long one Discover of a Watch lasts before the next
// (a fresh socket and solicitation now and then; nothing depends on it).
const watchRound = time.Hour

// Run reports what happens to the room, through report (called from
// discovery's goroutine, one call at a time: it must not block), until
// ctx ends (nil). Without Pin it fails with an AmbiguousError when two
// rooms are announced under the name before one is taken.
func (w Watch) Run(ctx context.Context, report func(WatchEvent)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	f := &follower{w: w, known: NewKnown(), ignored: map[string]bool{}, report: report, cancel: cancel}
	defer f.end()
	for {
		f.begin()
		settle := time.AfterFunc(Settle, f.settle)
		err := w.Discover(ctx, w.Iface, watchRound, f.heard)
		settle.Stop()
		if err := f.failure(); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			f.trouble(err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(RetryGap):
			}
		}
	}
}

// follower is a Watch's state, shared by discovery's callback and the
// settling timer.
type follower struct {
	mu      sync.Mutex
	w       Watch
	known   *Known // rooms of the name only
	report  func(WatchEvent)
	cancel  context.CancelFunc
	settled bool            // Settle has passed in this round of discovery
	said    bool            // Waiting was reported
	found   *netconf.Room   // the room taken, as last heard
	ignored map[string]bool // rooms reported Ignored, by Describe
	err     error           // the watch failed (ambiguous)
	over    bool            // Run returned: report nothing more
}

func (f *follower) begin() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settled = false
}

func (f *follower) end() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.over = true
}

func (f *follower) failure() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// heard takes one entry discovery heard.
func (f *follower) heard(r netconf.Room, deleted bool) {
	if r.Name != f.w.Name {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.known.Apply(r, deleted)
	if f.w.Pin != "" && !deleted {
		f.ignore(r)
	}
	f.check()
}

// settle is Settle passed: the room is taken if it is there; otherwise
// the watch says it waits.
func (f *follower) settle() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settled = true
	f.check()
	if f.found == nil && f.err == nil {
		f.say(WatchEvent{Kind: Waiting})
	}
}

// trouble is discovery failing: said as waiting, once.
func (f *follower) trouble(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.found == nil {
		f.say(WatchEvent{Kind: Waiting, Err: err})
	}
}

// say reports Waiting once.
func (f *follower) say(ev WatchEvent) {
	if !f.said && !f.over {
		f.said = true
		f.report(ev)
	}
}

func (f *follower) check() {
	if f.over || f.err != nil {
		return
	}
	switch {
	case f.found != nil:
		f.follow()
	case f.w.Pin != "":
		if r, ok := pinned(f.known, f.w.Name, f.w.Pin); ok {
			f.take(r)
		}
	case f.settled:
		r, ok, err := f.known.Lookup(f.w.Name)
		if err != nil {
			f.err = err
			f.cancel()
			return
		}
		if ok {
			f.take(r)
		}
	}
}

func (f *follower) take(r netconf.Room) {
	f.found = &r
	f.report(WatchEvent{Kind: Found, Room: r})
}

// ignore reports r, a room of the name, when its key is not the pin:
// once a room, and at most MaxKnown of them (a flood of made-up keys
// costs no more).
func (f *follower) ignore(r netconf.Room) {
	if f.over || len(r.PresenterKey) == ed25519.PublicKeySize && Fingerprint(r.PresenterKey) == f.w.Pin {
		return
	}
	if d := Describe(r); !f.ignored[d] && len(f.ignored) < MaxKnown {
		f.ignored[d] = true
		f.report(WatchEvent{Kind: Ignored, Room: r})
	}
}

// follow looks for a later run of the room taken: by its presenter key,
// or for a room without one by the computer announcing it. A later run on
// another group is reported Moved; on the same group the members have
// nothing to do (the engine follows a restarted presenter by itself).
func (f *follower) follow() {
	cur, best := *f.found, *f.found
	for _, r := range f.known.named(f.w.Name) {
		if sameRoomOf(r, cur) && r.Version > best.Version {
			best = r
		}
	}
	if best.Version == cur.Version {
		return
	}
	f.found = &best
	if best.Group != cur.Group {
		f.report(WatchEvent{Kind: Moved, Room: best})
	}
}

// sameRoomOf reports whether r is a run of the room a: announced with the
// same presenter key, or, without one, from the same computer.
func sameRoomOf(r, a netconf.Room) bool {
	if len(a.PresenterKey) == ed25519.PublicKeySize {
		return a.PresenterKey.Equal(r.PresenterKey)
	}
	return len(r.PresenterKey) == 0 && r.Origin == a.Origin
}
