package gui

import (
	"slices"
	"sync"
	"time"

	"github.com/groupcast/groupcast/internal/history"
	"github.com/groupcast/groupcast/internal/keep"
	"github.com/groupcast/groupcast/netconf"
)

// maxBatch bounds what the pump takes at once while history is kept: a
// stream that never pauses is still committed and shown in steps.
const maxBatch = 1000

// keeper writes what the window will show into the store, on the event
// pump's goroutine, before the UI goroutine gets it.
type keeper struct {
	mu    sync.Mutex
	store *history.Store // nil: no store open
	on    bool           // the setting: keep history
	next  nextConv       // what the last Join asked
	err   error          // a failure to keep, for the window to say once
	said  bool
	now   func() time.Time

	// The pump's own: the membership whose events are kept.
	conv    keep.Conv
	phrase  string         // its passphrase, until the store has its key
	keyedIn *history.Store // the store that has it
}

// nextConv is the conversation the last Join asked for.
type nextConv struct {
	name, passphrase string
}

func (k *keeper) state() (*history.Store, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.store, k.on
}

func (k *keeper) fail(err error) {
	k.mu.Lock()
	if k.err == nil {
		k.err = err
	}
	k.mu.Unlock()
}

// problem is the first failure to keep history, once.
func (k *keeper) problem() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.err == nil || k.said {
		return nil
	}
	k.said = true
	return k.err
}

// joinedKept is Joined with the conversation's latest history, read when
// the membership began (history on).
type joinedKept struct {
	netconf.Joined
	conv    string
	earlier []history.Record // oldest first
	more    bool             // there may be older rows
	err     error
}

// keptMessage and keptSent are a message with the history row it was
// kept as.
type keptMessage struct {
	netconf.Message
	id int64
}

type keptSent struct {
	netconf.Sent
	id int64
}

// pinOnly is an announcement pinned for newcomers that the history had
// kept already (shown before a restart): pinned on top, not logged again.
type pinOnly struct{ netconf.Message }

// messageOf is the message an event shows, if it is one.
func messageOf(ev netconf.Event) (netconf.Message, bool) {
	switch ev := ev.(type) {
	case netconf.Message:
		return ev, true
	case keptMessage:
		return ev.Message, true
	}
	return netconf.Message{}, false
}

// process keeps a batch: its rows are stored in one commit, then the
// batch goes on, a Joined with the conversation's history and messages
// with their rows' ids; a caught-up message the history already had
// (shown when it first came) does not. It runs on the pump's goroutine.
func (k *keeper) process(evs []netconf.Event) []netconf.Event {
	s, on := k.state()
	var recs []history.Record
	var at []int
	dropped := false
	flush := func() {
		if len(recs) == 0 {
			return
		}
		if err := s.Add(recs); err != nil {
			k.fail(err) // shown all the same: a full disk does not silence the group
		} else {
			for i, r := range recs {
				switch ev := evs[at[i]].(type) {
				case netconf.Message:
					if k.conv.AlreadyKept(ev, recs, i) {
						if ev.Announcement {
							evs[at[i]] = pinOnly{ev} // in the log already; still the one pinned
						} else {
							evs[at[i]], dropped = nil, true
						}
						continue
					}
					evs[at[i]] = keptMessage{ev, r.ID}
				case netconf.Sent:
					evs[at[i]] = keptSent{ev, r.ID}
				}
			}
		}
		recs, at = recs[:0], at[:0]
	}
	for i, ev := range evs {
		switch ev := ev.(type) {
		case netconf.Joined:
			flush()
			evs[i] = k.begin(s, on, ev)
			continue
		case netconf.Left:
			flush()
			k.conv, k.phrase, k.keyedIn = keep.Conv{}, "", nil
			continue
		}
		if !on || s == nil || k.conv.Group == "" || k.keyed(s) != nil {
			continue
		}
		if r, ok := keep.Row(ev, k.conv, k.now()); ok {
			recs, at = append(recs, r), append(at, i)
		}
	}
	flush()
	if dropped {
		evs = slices.DeleteFunc(evs, func(ev netconf.Event) bool { return ev == nil })
	}
	return evs
}

// begin starts keeping the membership j reports, and reads what is
// kept of its conversation.
func (k *keeper) begin(s *history.Store, on bool, j netconf.Joined) netconf.Event {
	k.mu.Lock()
	n := k.next
	k.mu.Unlock()
	k.conv = keep.Conv{Group: n.name, Private: n.passphrase != "", Self: j.Sender, Joined: k.now()}
	k.phrase, k.keyedIn = n.passphrase, nil
	if !on || s == nil || n.name == "" {
		return j
	}
	ev := joinedKept{Joined: j, conv: n.name}
	if ev.err = k.keyed(s); ev.err != nil {
		return ev
	}
	ev.earlier, ev.err = s.Recent(n.name, 0, pageSize)
	ev.more = len(ev.earlier) == pageSize
	return ev
}

// keyed makes sure the store has the key of a private conversation.
// Without it nothing of the membership is kept.
func (k *keeper) keyed(s *history.Store) error {
	if !k.conv.Private || k.keyedIn == s {
		return nil
	}
	if err := s.SetPassphrase(k.conv.Group, k.phrase); err != nil {
		k.fail(err)
		k.conv = keep.Conv{}
		return err
	}
	k.keyedIn = s
	return nil
}
