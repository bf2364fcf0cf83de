package reliable

import "testing"

// Events of a test: messages count toward Full, others do not.
type event struct {
	message bool
	n       int
}

func isMessage(ev event) bool { return ev.message }

func TestQueueOrderAndFull(t *testing.T) {
	q := NewQueue(3, isMessage)
	q.Push(event{n: 9})
	for i := range 3 {
		q.Push(event{message: true, n: i + 1})
	}
	if !q.Full() {
		t.Fatal("queue with 3 messages is not full")
	}
	q.Push(event{n: 10}) // state events always fit
	want := []event{{n: 9}, {true, 1}, {true, 2}, {true, 3}, {n: 10}}
	for i, w := range want {
		ev, ok := q.Peek()
		if !ok || ev != w {
			t.Fatalf("event %d = %#v; want %#v", i, ev, w)
		}
		q.Pop()
		if i == 1 && q.Full() {
			t.Fatal("still full after a message was taken")
		}
	}
	if _, ok := q.Peek(); ok {
		t.Fatal("queue not empty")
	}
}

func TestQueueCompacts(t *testing.T) {
	q := NewQueue(1<<20, isMessage)
	for i := range 5000 {
		q.Push(event{message: true, n: i})
		if i%2 == 1 {
			q.Pop()
		}
	}
	if q.Len() != 2500 || q.head > 1024+len(q.items)/2+1 {
		t.Fatalf("len %d head %d cap %d", q.Len(), q.head, cap(q.items))
	}
	for i := 2500; i < 5000; i++ {
		ev, _ := q.Peek()
		if ev.n != i {
			t.Fatalf("order broken at %d: %#v", i, ev)
		}
		q.Pop()
	}
}
