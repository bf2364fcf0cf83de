package netconf

import (
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/groupcast/groupcast/internal/memnet"
	"github.com/groupcast/groupcast/netconf/wire"
)

func TestClassroom(t *testing.T) {
	pub, teacherKey, _ := ed25519.GenerateKey(nil)
	room := &Room{Name: "Physics 101", Group: DefaultGroup, Presenter: "Ms Lee", PresenterKey: pub, ReadOnly: true}
	hub := memnet.NewHub()
	var students []*busMember
	for _, n := range []string{"s1", "s2", "s3"} {
		s := joinRoom(t, hub, n, room, nil)
		defer s.e.Close()
		students = append(students, s)
	}
	teacher := joinRoom(t, hub, "Ms Lee", room, teacherKey)
	defer teacher.e.Close()

	// Everyone knows everyone before the announcement.
	joined := 0
	waitEvent(t, teacher.e, 3*time.Second, func(ev Event) bool {
		if _, ok := ev.(PeerJoined); ok {
			joined++
		}
		return joined == 3
	})
	teacher.e.Do(Send{Text: "Open chapter 3"})
	for _, s := range students {
		m := waitEvent(t, s.e, 3*time.Second, func(ev Event) bool { _, ok := ev.(Message); return ok }).(Message)
		if !m.Announcement || m.Earlier || m.Text != "Open chapter 3" {
			t.Fatalf("student got %+v", m)
		}
	}
	r := waitEvent(t, teacher.e, 3*time.Second, func(ev Event) bool {
		r, ok := ev.(Receipt)
		return ok && r.Received == 3
	}).(Receipt)
	if r.Members != 3 || r.Seq != 1 || len(r.Missing) != 0 {
		t.Fatalf("receipt %+v", r)
	}

	// A student's post is refused at the source...
	students[0].e.Do(Send{Text: "lol"})
	if er := waitEvent(t, students[0].e, time.Second, func(ev Event) bool { _, ok := ev.(Error); return ok }).(Error); !IsInputError(er.Err) {
		t.Fatalf("student send: %+v", er)
	}
	// ...and a modified client (not read-only aware, signing with its own
	// key, even naming itself after the teacher) reaches no screen.
	_, forger, _ := ed25519.GenerateKey(nil)
	rogue := joinRoom(t, hub, "Ms Lee", &Room{Name: "Physics 101", Group: DefaultGroup, PresenterKey: forger.Public().(ed25519.PublicKey)}, forger)
	defer rogue.e.Close()
	drain(rogue.e)
	rogue.e.Do(Send{Text: "no homework today"})
	time.Sleep(500 * time.Millisecond)
	for i, s := range students {
		if st := s.e.Stats(); st.ReadOnlyDropped == 0 {
			t.Fatalf("student %d did not drop the rogue post: %+v", i, st)
		}
	}

	// A PC joining afterwards gets the pinned announcement, marked earlier.
	time.Sleep(1500 * time.Millisecond) // well after the teacher started
	late := joinRoom(t, hub, "s4", room, nil)
	defer late.e.Close()
	m := waitEvent(t, late.e, 3*time.Second, func(ev Event) bool {
		m, ok := ev.(Message)
		if ok && m.Text == "no homework today" {
			t.Fatal("the late joiner showed the rogue post")
		}
		return ok
	}).(Message)
	if !m.Announcement || !m.Earlier || m.Text != "Open chapter 3" {
		t.Fatalf("late joiner got %+v", m)
	}
	// Students who had it do not see it twice.
	for _, s := range students {
		select {
		case ev := <-s.e.Events():
			if m, ok := ev.(Message); ok {
				t.Fatalf("a student saw %+v again", m)
			}
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// TestPresenterIsKnownByItsSignature: a member is the presenter once an
// announcement of it verified with the room's key; when it leaves,
// students are told it was the presenter (the room has ended). Another
// member calling itself by the presenter's name is not.
func TestPresenterIsKnownByItsSignature(t *testing.T) {
	pub, teacherKey, _ := ed25519.GenerateKey(nil)
	room := &Room{Name: "Physics 101", Group: DefaultGroup, Presenter: "Ms Lee", PresenterKey: pub, ReadOnly: true}
	hub := memnet.NewHub()
	student := joinRoom(t, hub, "s1", room, nil)
	defer student.e.Close()
	teacher := joinRoom(t, hub, "Ms Lee", room, teacherKey)
	impostor := joinRoom(t, hub, "Ms Lee", &Room{Name: "Physics 101", Group: DefaultGroup}, nil)
	drain(impostor.e)
	waitEvent(t, teacher.e, 3*time.Second, func(ev Event) bool { _, ok := ev.(PeerJoined); return ok })
	teacher.e.Do(Send{Text: "Open chapter 3"})
	waitEvent(t, student.e, 3*time.Second, func(ev Event) bool { m, ok := ev.(Message); return ok && m.Announcement })
	teacherID := teacher.e.Roster()[0].ID // our own entry comes first
	if !teacher.e.Roster()[0].Presenter {
		t.Fatal("the teacher's own roster entry is not the presenter")
	}
	presenters := func() (ids []wire.SenderID) {
		for _, p := range student.e.Roster() {
			if p.Presenter {
				ids = append(ids, p.ID)
			}
		}
		return ids
	}
	deadline := time.Now().Add(2 * time.Second)
	for len(presenters()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond) // the roster is published at most every 100 ms
	}
	if got := presenters(); len(got) != 1 || got[0] != teacherID {
		t.Fatalf("presenters in the student's roster: %v; want only %v", got, teacherID)
	}
	impostor.e.Close()
	left := waitEvent(t, student.e, 3*time.Second, func(ev Event) bool { _, ok := ev.(PeerLeft); return ok }).(PeerLeft)
	if left.Peer.Presenter {
		t.Fatalf("the impostor left as the presenter: %+v", left)
	}
	teacher.e.Close()
	left = waitEvent(t, student.e, 3*time.Second, func(ev Event) bool { _, ok := ev.(PeerLeft); return ok }).(PeerLeft)
	if !left.Peer.Presenter || left.Peer.Nick != "Ms Lee" {
		t.Fatalf("the teacher left, not as the presenter: %+v", left)
	}
}
