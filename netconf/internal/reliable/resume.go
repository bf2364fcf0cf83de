package reliable

import "github.com/groupcast/groupcast/netconf/wire"

// ResumePoints remembers, for senders no longer tracked, the next seq to
// deliver, so a sender heard again — after a partition longer than the
// peer timeout, an eviction, or a forged LEAVE — resumes where it stopped
// and nothing is delivered twice. Sender ids are chosen anew at each join,
// so one id is one stream. The oldest entry is forgotten first.
type ResumePoints struct {
	next  map[wire.SenderID]resumePoint
	order []resumeRef // oldest first, from head; may hold stale refs
	head  int
	stamp uint64
	limit int
}

type resumePoint struct {
	seq   uint64
	stamp uint64
}

type resumeRef struct {
	id    wire.SenderID
	stamp uint64
}

// NewResumePoints remembers at most limit senders.
func NewResumePoints(limit int) *ResumePoints {
	return &ResumePoints{next: map[wire.SenderID]resumePoint{}, limit: limit}
}

// Put remembers that id's next seq to deliver is seq.
func (r *ResumePoints) Put(id wire.SenderID, seq uint64) {
	r.stamp++
	r.next[id] = resumePoint{seq: seq, stamp: r.stamp}
	r.order = append(r.order, resumeRef{id: id, stamp: r.stamp})
	for len(r.next) > r.limit {
		ref := r.order[r.head]
		r.order[r.head] = resumeRef{}
		r.head++
		if p, ok := r.next[ref.id]; ok && p.stamp == ref.stamp {
			delete(r.next, ref.id)
		}
	}
	if len(r.order)-r.head > 2*r.limit+64 {
		// Refs of replaced entries pile up when one id comes and goes:
		// keep only the live ones.
		live := r.order[:0]
		for _, ref := range r.order[r.head:] {
			if p, ok := r.next[ref.id]; ok && p.stamp == ref.stamp {
				live = append(live, ref)
			}
		}
		clear(r.order[len(live):])
		r.order, r.head = live, 0
	}
}

// Take returns and forgets id's resume point (0 when there is none).
func (r *ResumePoints) Take(id wire.SenderID) uint64 {
	p, ok := r.next[id]
	if !ok {
		return 0
	}
	delete(r.next, id)
	return p.seq
}
