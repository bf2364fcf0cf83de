package reliable

import (
	"time"

	"github.com/groupcast/groupcast/netconf/wire"
)

// ScheduleNack plans a NACK at now+delay() when data is missing and none
// is planned; it reports whether it planned one. delay is called only
// then (it draws a random number: not once per datagram).
func (s *Stream) ScheduleNack(now time.Time, delay func() time.Duration) bool {
	if !s.nackAt.IsZero() || !s.synced || s.highest < s.expected {
		return false
	}
	if _, ok := s.held[s.expected]; ok && len(s.held) == int(s.highest-s.expected+1) {
		return false
	}
	s.nackAt = now.Add(delay())
	return true
}

// NackDue reports whether a planned NACK is due.
func (s *Stream) NackDue(now time.Time) bool { return !s.nackAt.IsZero() && !now.Before(s.nackAt) }

// NackAgainAt plans the next NACK (zero: none).
func (s *Stream) NackAgainAt(at time.Time) { s.nackAt, s.nackBy = at, time.Time{} }

// Asked notes the NACK just sent, and plans the next at retry: it
// asked for more than one answer repairs (answered datagrams, or as
// many ranges as a NACK holds) when the receiver is far behind.
func (s *Stream) Asked(ranges []wire.Range, answered int, retry time.Time) {
	s.NackAgainAt(retry)
	n := uint64(0)
	for _, r := range ranges {
		n += r.Last - r.First + 1
	}
	s.behind = n > uint64(answered) || len(ranges) >= wire.MaxNackRanges
}

// Repaired notes that a repair came while a NACK is planned: when the
// last NACK asked for more than one answer repairs, the next one goes
// gap after the last repair of this answer, never later than it was
// planned. A sender repairs at most 512 datagrams a NACK, so a receiver
// far behind (its socket overflowed in a flood) asks for the next part
// as soon as this one is in, not a retry interval later: at one NACK per
// retry it recovered 3 800 datagrams a second, and a sender lingering
// 15 s left before a 100 000-message flood's last 25 000 were repaired.
// A receiver missing a few datagrams here and there keeps to the retry
// interval, in which other members' NACKs and repairs spare it asking.
func (s *Stream) Repaired(now time.Time, gap time.Duration) {
	if s.nackAt.IsZero() || !s.behind {
		return
	}
	if s.nackBy.IsZero() {
		s.nackBy = s.nackAt
	}
	s.nackAt = now.Add(gap)
	if s.nackBy.Before(s.nackAt) {
		s.nackAt = s.nackBy
	}
}

// Overheard reports whether a NACK another member sent for this stream
// asks for everything we miss while we are about to ask, so ours would
// add nothing: the repair is multicast to us too.
func (s *Stream) Overheard(asked []wire.Range) bool {
	return !s.nackAt.IsZero() && covers(asked, s.Missing())
}

// Missing lists the gaps between expected and highest (within the
// window), at most wire.MaxNackRanges of them.
func (s *Stream) Missing() []wire.Range {
	if !s.synced || s.highest < s.expected {
		return nil
	}
	// Walking the window costs up to its size in map lookups, and every
	// NACK overheard for this sender asks (a flood of them once cost the
	// loop all its time): the answer is kept until something it depends
	// on changes.
	key := missingKey{expected: s.expected, highest: s.highest, held: s.heldGen, window: s.params.Window}
	if s.missingFor == key {
		return s.missingWas
	}
	s.missingFor, s.missingWas = key, s.walkMissing(s.params.Window)
	return s.missingWas
}

// missingKey is what the gaps of a stream depend on.
type missingKey struct {
	expected, highest, held, window uint64
}

func (s *Stream) walkMissing(window uint64) []wire.Range {
	last := min(s.highest, s.expected+window-1)
	var out []wire.Range
	for seq := s.expected; seq <= last && len(out) < wire.MaxNackRanges; seq++ {
		if _, ok := s.held[seq]; ok {
			continue
		}
		r := wire.Range{First: seq, Last: seq}
		for r.Last < last {
			if _, ok := s.held[r.Last+1]; ok {
				break
			}
			r.Last++
		}
		out = append(out, r)
		seq = r.Last
	}
	return out
}

// covers reports whether the ranges of an overheard NACK include every
// range we are missing.
func covers(asked, want []wire.Range) bool {
	if len(want) == 0 {
		return false
	}
	for _, w := range want {
		ok := false
		for _, a := range asked {
			if a.First <= w.First && a.Last >= w.Last {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
