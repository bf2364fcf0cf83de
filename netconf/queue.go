package netconf

// eventQueue holds events the consumer has not taken yet. Messages are
// bounded by maxMessages; state events (joined, left, errors) are always
// kept, so a slow consumer can lose chat lines, never the engine's state,
// and is told how many it lost.
type eventQueue struct {
	items       []Event
	head        int
	messages    int
	maxMessages int
	dropped     int
}

func (q *eventQueue) len() int { return len(q.items) - q.head }

func (q *eventQueue) push(ev Event) {
	if _, ok := ev.(Message); ok {
		if q.messages >= q.maxMessages {
			q.dropped++
			return
		}
		q.messages++
	}
	// The loss is reported where it happened: before the next message
	// that fits, or before any state event.
	if _, isMsg := ev.(Message); q.dropped > 0 && (!isMsg || q.messages < q.maxMessages/2) {
		q.append(Overflow{Dropped: q.dropped})
		q.dropped = 0
	}
	q.append(ev)
}

func (q *eventQueue) append(ev Event) {
	if q.head > 0 && q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	}
	q.items = append(q.items, ev)
}

func (q *eventQueue) peek() (Event, bool) {
	if q.len() == 0 {
		return nil, false
	}
	return q.items[q.head], true
}

func (q *eventQueue) pop() {
	ev := q.items[q.head]
	q.items[q.head] = nil
	q.head++
	if _, ok := ev.(Message); ok {
		q.messages--
	}
	if q.len() == 0 {
		q.items, q.head = q.items[:0], 0
		if q.dropped > 0 {
			q.append(Overflow{Dropped: q.dropped})
			q.dropped = 0
		}
	} else if q.head > 1024 && q.head > len(q.items)/2 {
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
}
