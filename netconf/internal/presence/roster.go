package presence

import (
	"time"

	"github.com/groupcast/groupcast/netconf/event"
)

// RosterEvery is how often, at most, a changing roster is published: a
// snapshot copies every member, and members come thousands at a time in a
// flood of fake ones. Unchanged, it is published once a second (the
// members' LastHeard moves on).
const RosterEvery = 100 * time.Millisecond

// Roster says when the member list is next published for the user.
type Roster struct {
	at    time.Time // when it was last published
	dirty bool      // it changed since
}

// Changed notes that the roster must be published again.
func (r *Roster) Changed() { r.dirty = true }

// Age is how long ago the roster was last published.
func (r *Roster) Age(now time.Time) time.Duration { return now.Sub(r.at) }

// Deadline is when the roster is next published: a second after the last
// time, or sooner (RosterEvery) when it changed.
func (r *Roster) Deadline() time.Time {
	if r.dirty {
		return r.at.Add(RosterEvery)
	}
	return r.at.Add(time.Second)
}

// Snapshot is the roster at now, self first: what Roster publishes.
func (r *Roster) Snapshot(now time.Time, self event.Peer, t *Table) []event.Peer {
	r.at, r.dirty = now, false
	list := make([]event.Peer, 0, t.Len()+1)
	list = append(list, self)
	for pr := range t.All() {
		list = append(list, pr.View())
	}
	return list
}
