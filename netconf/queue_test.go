package netconf

import "testing"

func TestEventQueueOrderAndFull(t *testing.T) {
	q := eventQueue{maxMessages: 3}
	q.push(Sent{Seq: 9})
	for i := range 3 {
		q.push(Message{Seq: uint64(i + 1)})
	}
	if !q.full() {
		t.Fatal("queue with 3 messages is not full")
	}
	q.push(Left{}) // state events always fit
	want := []Event{Sent{Seq: 9}, Message{Seq: 1}, Message{Seq: 2}, Message{Seq: 3}, Left{}}
	for i, w := range want {
		ev, ok := q.peek()
		if !ok || ev != w {
			t.Fatalf("event %d = %#v; want %#v", i, ev, w)
		}
		q.pop()
		if i == 1 && q.full() {
			t.Fatal("still full after a message was taken")
		}
	}
	if _, ok := q.peek(); ok {
		t.Fatal("queue not empty")
	}
}

func TestEventQueueCompacts(t *testing.T) {
	q := eventQueue{maxMessages: 1 << 20}
	for i := range 5000 {
		q.push(Message{Seq: uint64(i)})
		if i%2 == 1 {
			q.pop()
		}
	}
	if q.len() != 2500 || q.head > 1024+len(q.items)/2+1 {
		t.Fatalf("len %d head %d cap %d", q.len(), q.head, cap(q.items))
	}
	for i := 2500; i < 5000; i++ {
		ev, _ := q.peek()
		if ev.(Message).Seq != uint64(i) {
			t.Fatalf("order broken at %d: %#v", i, ev)
		}
		q.pop()
	}
}
