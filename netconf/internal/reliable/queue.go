package reliable

// Queue holds events the user has not taken yet. When it holds
// maxMessages messages (IsMessage), it is Full: the engine then stops
// reading the network (the kernel buffers, and what it drops is repaired),
// so a slow user slows delivery down but loses nothing and never stalls
// the engine's loop. Other events always fit.
type Queue[T any] struct {
	items       []T
	head        int
	messages    int
	maxMessages int
	isMessage   func(T) bool
}

// NewQueue makes a queue that is full at maxMessages messages.
func NewQueue[T any](maxMessages int, isMessage func(T) bool) Queue[T] {
	return Queue[T]{maxMessages: max(maxMessages, 1), isMessage: isMessage}
}

// Len is how many events wait.
func (q *Queue[T]) Len() int { return len(q.items) - q.head }

// Full reports whether as many messages as allowed wait.
func (q *Queue[T]) Full() bool { return q.messages >= q.maxMessages }

// Push adds ev at the end.
func (q *Queue[T]) Push(ev T) {
	if q.isMessage(ev) {
		q.messages++
	}
	if q.head > 0 && q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	}
	q.items = append(q.items, ev)
}

// Peek returns the first event, if any.
func (q *Queue[T]) Peek() (T, bool) {
	if q.Len() == 0 {
		var zero T
		return zero, false
	}
	return q.items[q.head], true
}

// Pop removes the first event.
func (q *Queue[T]) Pop() {
	var zero T
	ev := q.items[q.head]
	q.items[q.head] = zero
	q.head++
	if q.isMessage(ev) {
		q.messages--
	}
	if q.Len() == 0 {
		q.items, q.head = q.items[:0], 0
	} else if q.head > 1024 && q.head > len(q.items)/2 {
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
}
