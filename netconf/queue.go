package netconf

// eventQueue holds events the consumer has not taken yet. When it holds
// maxMessages messages the engine stops reading the network (the kernel
// buffers, and what it drops is repaired), so a slow consumer slows
// delivery down but loses nothing and never stalls the engine's loop.
type eventQueue struct {
	items       []Event
	head        int
	messages    int
	maxMessages int
}

func (q *eventQueue) len() int { return len(q.items) - q.head }

func (q *eventQueue) full() bool { return q.messages >= q.maxMessages }

func (q *eventQueue) push(ev Event) {
	if _, ok := ev.(Message); ok {
		q.messages++
	}
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
	} else if q.head > 1024 && q.head > len(q.items)/2 {
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
}
