package rooms

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/groupcast/groupcast/netconf"
)

// DiscoverFunc is the shape of Discover (tests give their own).
type DiscoverFunc func(ctx context.Context, iface string, wait time.Duration, found func(r netconf.Room, deleted bool)) error

// Settle is how long Find listens at least. Discover solicits the rooms
// as it starts, and every presenter answers within AnswerWindow, so a
// second room announced under the name (an impostor's) is heard in that
// time too. (A presenter of a Groupcast from before solicitations
// answers nothing: its room is heard at its next steady announcement,
// up to AnnounceInterval later.)
const Settle = AnswerWindow

// Find listens for a room called name, through discover, for Settle or
// until it is heard, whichever is later, and at most wait. It fails with
// an AmbiguousError when more than one room is announced under that name
// (Known.Lookup), so that nobody is silently given an impostor's copy,
// and with a NotFoundError when none is.
func Find(ctx context.Context, discover DiscoverFunc, iface, name string, wait time.Duration) (netconf.Room, error) {
	k, err := listen(ctx, discover, iface, wait, func(k *Known, settled bool) bool {
		_, ok, err := k.Lookup(name)
		return err != nil || ok && settled // two rooms already: no need to wait
	})
	if err != nil {
		return netconf.Room{}, err
	}
	room, ok, err := k.Lookup(name)
	if err != nil {
		return netconf.Room{}, err
	}
	if !ok {
		return netconf.Room{}, &NotFoundError{Name: name, Wait: wait, Heard: k.List()}
	}
	return room, nil
}

// FindOwn is Find for the presenter of the room, whose key is key (nil:
// Find): only the room announced with its key counts, so a student's copy
// under the same name neither blocks nor misleads it. It ends as soon as
// that room is heard, or after Settle (at most wait): an earlier run of
// the room still announced answers the solicitation in that time. A
// NotFoundError means no room of that name is announced with its key.
func FindOwn(ctx context.Context, discover DiscoverFunc, iface, name string, wait time.Duration, key ed25519.PrivateKey) (netconf.Room, error) {
	if key == nil {
		return Find(ctx, discover, iface, name, wait)
	}
	own := func(k *Known) (netconf.Room, bool) {
		for _, r := range k.named(name) {
			if r.PresenterKey.Equal(key.Public()) {
				return r, true
			}
		}
		return netconf.Room{}, false
	}
	wait = min(wait, Settle)
	k, err := listen(ctx, discover, iface, wait, func(k *Known, settled bool) bool {
		_, ok := own(k)
		return ok || settled
	})
	if err != nil {
		return netconf.Room{}, err
	}
	if r, ok := own(k); ok {
		return r, nil
	}
	return netconf.Room{}, &NotFoundError{Name: name, Wait: wait, Heard: k.List()}
}

// FindPinned is Find where only a room whose presenter key has the
// fingerprint pin counts: with the teacher's key named in a lab's
// settings, an impostor's room of the same name is never taken, nor is
// the student asked to choose. It ends as soon as that room is heard:
// no other room can be mistaken for it. The NotFoundError says which
// rooms of that name were ignored.
func FindPinned(ctx context.Context, discover DiscoverFunc, iface, name string, wait time.Duration, pin string) (netconf.Room, error) {
	k, err := listen(ctx, discover, iface, wait, func(k *Known, _ bool) bool {
		_, ok := pinned(k, name, pin)
		return ok
	})
	if err != nil {
		return netconf.Room{}, err
	}
	if r, ok := pinned(k, name, pin); ok {
		return r, nil
	}
	return netconf.Room{}, &NotFoundError{Name: name, Wait: wait, Heard: k.List(), Pin: pin, Ignored: k.named(name)}
}

// pinned is the room called name whose presenter key has the fingerprint
// pin, if k holds it.
func pinned(k *Known, name, pin string) (netconf.Room, bool) {
	for _, r := range k.named(name) {
		if len(r.PresenterKey) == ed25519.PublicKeySize && Fingerprint(r.PresenterKey) == pin {
			return r, true
		}
	}
	return netconf.Room{}, false
}

// listen collects what discover hears, at most wait, until enough says
// it has what it needs: it is asked after each entry heard and once
// Settle has passed (settled).
func listen(ctx context.Context, discover DiscoverFunc, iface string, wait time.Duration, enough func(k *Known, settled bool) bool) (*Known, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	k := NewKnown()
	settled, over := false, false
	t := time.AfterFunc(min(Settle, wait), func() {
		mu.Lock()
		defer mu.Unlock()
		settled = true
		if !over && enough(k, true) {
			cancel()
		}
	})
	defer t.Stop()
	err := discover(ctx, iface, wait, func(r netconf.Room, deleted bool) {
		mu.Lock()
		defer mu.Unlock()
		k.Apply(r, deleted)
		if enough(k, settled) {
			cancel()
		}
	})
	mu.Lock()
	over = true // the settling timer may still run: it leaves k alone now
	mu.Unlock()
	return k, err
}

// NotFoundError says that no room of that name was heard: each front end
// adds where the user can see the rooms that were. Heard are the rooms
// that were (for FreeGroup, when the room is to be created).
type NotFoundError struct {
	Name  string
	Wait  time.Duration
	Heard []netconf.Room
	// Pin is the presenter key's fingerprint looked for (FindPinned), and
	// Ignored the rooms of that name announced with another key.
	Pin     string
	Ignored []netconf.Room
}

func (e *NotFoundError) Error() string {
	if e.Pin == "" {
		return fmt.Sprintf("no room named %q was announced on this network within %s", e.Name, roundWait(e.Wait))
	}
	s := fmt.Sprintf("no room named %q with presenter key %s was announced on this network within %s", e.Name, e.Pin, roundWait(e.Wait))
	if len(e.Ignored) > 0 {
		var who []string
		for _, r := range e.Ignored {
			who = append(who, Describe(r))
		}
		s += fmt.Sprintf("; ignored, as it may be an impostor: %s", strings.Join(who, "; "))
	}
	return s
}

// roundWait is a wait as a person reads it: whole seconds, or tenths
// under a second.
func roundWait(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}
