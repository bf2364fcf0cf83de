package netconf

import "testing"

func TestEventQueueKeepsStateDropsExcessMessages(t *testing.T) {
	q := eventQueue{maxMessages: 4}
	q.push(Joined{})
	for i := range 10 {
		q.push(Message{Seq: uint64(i + 1)})
	}
	q.push(Left{})
	var got []Event
	for {
		ev, ok := q.peek()
		if !ok {
			break
		}
		got = append(got, ev)
		q.pop()
	}
	// joined, 4 messages, the overflow report, then left
	if len(got) != 7 {
		t.Fatalf("got %d events: %#v", len(got), got)
	}
	if _, ok := got[0].(Joined); !ok {
		t.Fatalf("first = %#v", got[0])
	}
	for i := 1; i <= 4; i++ {
		if m, ok := got[i].(Message); !ok || m.Seq != uint64(i) {
			t.Fatalf("event %d = %#v", i, got[i])
		}
	}
	if o, ok := got[5].(Overflow); !ok || o.Dropped != 6 {
		t.Fatalf("overflow = %#v; want 6 dropped", got[5])
	}
	if _, ok := got[6].(Left); !ok {
		t.Fatalf("state event lost: %#v", got[6])
	}
}

func TestEventQueueReportsOverflowBeforeNewMessages(t *testing.T) {
	q := eventQueue{maxMessages: 2}
	q.push(Message{Seq: 1})
	q.push(Message{Seq: 2})
	q.push(Message{Seq: 3}) // dropped
	q.pop()
	q.pop()
	q.push(Message{Seq: 4})
	want := []Event{Overflow{Dropped: 1}, Message{Seq: 4}}
	for i, w := range want {
		ev, ok := q.peek()
		if !ok || ev != w {
			t.Fatalf("event %d = %#v; want %#v", i, ev, w)
		}
		q.pop()
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
