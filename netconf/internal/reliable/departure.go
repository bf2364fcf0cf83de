package reliable

import "time"

// Activity notes that someone needs our stream at now (a NACK for us, a
// member back from a silence): lingering waits for quiet after it.
func (o *Outbound) Activity(now time.Time) { o.lastActivity = now }

// Linger starts leaving at now, after the group has been quiet: our last
// messages can still be repaired meanwhile.
func (o *Outbound) Linger(now time.Time) {
	if !o.lingering && !o.leaving {
		o.lingering, o.lingerStart = true, now
	}
}

// Lingering reports whether we are waiting for quiet to leave.
func (o *Outbound) Lingering() bool { return o.lingering }

// Ending reports whether we linger or leave: no more messages.
func (o *Outbound) Ending() bool { return o.lingering || o.leaving }

// LastData is when we last sent a message.
func (o *Outbound) LastData() time.Time { return o.lastData }

// Departure is what leaving asks of the engine now.
type Departure int

// Departures.
const (
	Stay      Departure = iota
	SendLeave           // send a LEAVE now
	LastLeave           // send the last LEAVE now: then the membership ends
)

// Depart moves lingering and leaving on at now. Lingering ends when
// nobody has asked for a repeat for LingerQuiet and every member has been
// heard from since our last message (allHeard) for a third of LingerQuiet,
// or at LingerMax; then a LEAVE goes out at each of LeaveRepeats, and the
// membership ends. The wait after hearing everyone is for a member back
// from a silence (a computer frozen for a moment) that does not know what
// it missed: a heartbeat goes out as soon as everyone is heard, and its
// NACK follows a few milliseconds later.
func (o *Outbound) Depart(now time.Time, allHeard bool) Departure {
	t := &o.params
	if o.lingering {
		if !allHeard {
			o.allHeardAt = time.Time{}
		} else if o.allHeardAt.IsZero() {
			// Tell them at once where our stream ends: a member back
			// from a silence may not know what it missed.
			o.allHeardAt = now
			if !o.lastData.IsZero() {
				o.beatAt = now
			}
		}
		if !o.lingerDone(now) && now.Sub(o.lingerStart) < t.LingerMax {
			return Stay
		}
		o.lingering, o.leaving = false, true
		o.leaveStart, o.leaveAt, o.leaveStep = now, now, 0
	}
	if !o.leaving || now.Before(o.leaveAt) {
		return Stay
	}
	if o.leaveStep++; o.leaveStep >= len(t.LeaveRepeats) {
		o.leaving = false // gone: nothing more is due
		return LastLeave
	}
	o.leaveAt = o.leaveStart.Add(t.LeaveRepeats[o.leaveStep])
	return SendLeave
}

// lingerDone reports whether lingering may end at now (Depart). With
// nothing sent there is nothing to ask for, and no wait for a NACK.
func (o *Outbound) lingerDone(now time.Time) bool {
	if now.Before(o.quietAt()) || o.allHeardAt.IsZero() {
		return false
	}
	return o.lastData.IsZero() || !now.Before(o.allHeardAt.Add(o.params.LingerQuiet/3))
}

// quietAt is when lingering has been quiet for LingerQuiet: that long
// after the last activity, counting none before lingering started.
func (o *Outbound) quietAt() time.Time {
	since := o.lastActivity
	if floor := o.lingerStart.Add(-o.params.LingerQuiet); since.Before(floor) {
		since = floor
	}
	return since.Add(o.params.LingerQuiet)
}

// Leaving reports whether the LEAVEs are going out.
func (o *Outbound) Leaving() bool { return o.leaving }

// NextDeadline is when something of our stream is next due.
func (o *Outbound) NextDeadline(now time.Time) time.Time {
	if o.leaving {
		return o.leaveAt
	}
	next := o.beatAt
	if o.lingering {
		t := &o.params
		// Only what is still to come: a member not yet heard wakes us by
		// being heard, and an instant already past would spin the loop.
		next = earliest(next, o.lingerStart.Add(t.LingerMax))
		if q := o.quietAt(); q.After(now) {
			next = earliest(next, q)
		}
		if h := o.allHeardAt.Add(t.LingerQuiet / 3); !o.allHeardAt.IsZero() && h.After(now) {
			next = earliest(next, h)
		}
	}
	if ok, w := o.MayTake(now); !ok {
		next = earliest(next, now.Add(w))
	}
	return next
}
