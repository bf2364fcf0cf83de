package netconf

import (
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/groupcast/groupcast/internal/memnet"
)

// TestPresenterTalksInAReadOnlyRoom (issue 30): in a read-only room the
// teacher announces, a student cannot ask (refused at the source), and
// the teacher's reply — a message, not an announcement — reaches the
// students as the presenter's. It is not pinned in place of the
// announcement, has no receipts, and a PC joining later is pinned the
// announcement only.
func TestPresenterTalksInAReadOnlyRoom(t *testing.T) {
	pub, teacherKey, _ := ed25519.GenerateKey(nil)
	room := &Room{Name: "Physics 101", Group: DefaultGroup, Presenter: "Ms Lee", PresenterKey: pub, ReadOnly: true}
	hub := memnet.NewHub()
	var students []*busMember
	for _, n := range []string{"s1", "s2"} {
		s := joinRoom(t, hub, n, room, nil)
		defer s.e.Close()
		students = append(students, s)
	}
	teacher := joinRoom(t, hub, "Ms Lee", room, teacherKey)
	defer teacher.e.Close()
	waitPeers(t, teacher.e, 2)

	teacher.e.Do(Send{Text: "Open chapter 3", Announce: true})
	for _, s := range students {
		if m := expectText(t, s.e, 3*time.Second, "Open chapter 3"); !m.Announcement || !m.Presenter {
			t.Fatalf("the announcement arrived as %+v", m)
		}
	}
	waitEvent(t, teacher.e, 3*time.Second, func(ev Event) bool { r, ok := ev.(Receipt); return ok && r.Seq == 1 && r.Received == 2 })

	students[0].e.Do(Send{Text: "Chapter 3 only?"})
	if er := waitEvent(t, students[0].e, time.Second, func(ev Event) bool { _, ok := ev.(Error); return ok }).(Error); !IsInputError(er.Err) {
		t.Fatalf("a student's line in a read-only room: %+v", er)
	}

	teacher.e.Do(Send{Text: "Yes, chapter 3 only."})
	sent := waitEvent(t, teacher.e, 3*time.Second, func(ev Event) bool { _, ok := ev.(Sent); return ok }).(Sent)
	if !sent.Presenter || sent.Announcement || sent.Seq != 2 {
		t.Fatalf("the teacher's reply was sent as %+v", sent)
	}
	for _, s := range students {
		m := expectText(t, s.e, 3*time.Second, "Yes, chapter 3 only.")
		if !m.Presenter || m.Announcement || m.From != "Ms Lee" || m.Earlier {
			t.Fatalf("the teacher's reply arrived as %+v", m)
		}
		if st := s.e.Stats(); st.ReadOnlyDropped != 0 {
			t.Fatalf("a student dropped the teacher's reply: %+v", st)
		}
	}

	// A PC joining now is pinned the announcement, not the reply.
	time.Sleep(1500 * time.Millisecond) // well after the teacher started: the late PC's stream starts after both
	late := joinRoom(t, hub, "s3", room, nil)
	defer late.e.Close()
	if m := expectText(t, late.e, 3*time.Second, "Open chapter 3"); !m.Announcement || !m.Earlier {
		t.Fatalf("the late PC got %+v", m)
	}
	quiet(t, late.e, time.Second)
	// The teacher's receipts counted the announcement only.
	deadline := time.After(time.Second)
	for done := false; !done; {
		select {
		case ev := <-teacher.e.Events():
			if r, ok := ev.(Receipt); ok && r.Seq != 1 {
				t.Fatalf("receipts counted for the reply: %+v", r)
			}
		case <-deadline:
			done = true
		}
	}
}
