package netconf

import (
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/groupcast/groupcast/internal/lossy"
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

	waitPeers(t, teacher.e, 3) // everyone knows everyone before the announcement
	teacher.e.Do(Send{Text: "Open chapter 3", Announce: true})
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
	teacher.e.Do(Send{Text: "Open chapter 3", Announce: true})
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

// TestForgedReceiptsDoNotCount: a student's computer forges receipts with
// the id of a PC that never got the announcement, and makes 30 fake
// members that all acknowledge it. The PC stays missing, and the count is
// of computers: the fakes are one computer, never 30 members.
func TestForgedReceiptsDoNotCount(t *testing.T) {
	pub, teacherKey, _ := ed25519.GenerateKey(nil)
	room := &Room{Name: "Physics 101", Group: DefaultGroup, Presenter: "Ms Lee", PresenterKey: pub, ReadOnly: true}
	hub := memnet.NewHub()
	s1 := joinRoom(t, hub, "pc1", room, nil)
	defer s1.e.Close()
	cfg := DefaultConfig()
	cfg.Nick, cfg.Room = "pc2", room
	deaf := func(b []byte) bool { // pc2 never gets an announcement
		p, err := wire.Decode(b)
		return err == nil && (p.Kind == wire.KindData || p.Kind == wire.KindRepair || p.Kind == wire.KindPinned)
	}
	s2 := joinWith(t, hub, cfg, lossy.Faults{DropIf: deaf}, DefaultTiming())
	defer s2.e.Close()
	teacher := joinRoom(t, hub, "Ms Lee", room, teacherKey)
	defer teacher.e.Close()
	waitPeers(t, teacher.e, 2)
	teacher.e.Do(Send{Text: "Open chapter 3", Announce: true})
	waitEvent(t, s1.e, 3*time.Second, func(ev Event) bool { _, ok := ev.(Message); return ok })

	f := newForger(t, hub)
	receipt := func(id wire.SenderID) {
		f.send(wire.Packet{Kind: wire.KindReceipt, Sender: id, Seq: 1, Body: wire.AppendReceipt(nil, teacher.joined.Sender)})
	}
	for range 3 {
		receipt(s2.joined.Sender) // pc2's id, from another computer
		for i := range 30 {
			receipt(wire.SenderID{0xfa, byte(i + 1)})
		}
		time.Sleep(100 * time.Millisecond)
	}
	var last Receipt
	deadline := time.After(2 * time.Second)
	for done := false; !done; {
		select {
		case ev := <-teacher.e.Events():
			if r, ok := ev.(Receipt); ok && r.Seq == 1 {
				last = r
			}
		case <-deadline:
			done = true
		}
	}
	missing := false
	for _, p := range last.Missing {
		missing = missing || p.ID == s2.joined.Sender
	}
	if last.Members != 3 || last.Received != 2 || !missing {
		t.Fatalf("the count after forged receipts: %d of %d, missing %v; want 2 of 3 computers, pc2 missing", last.Received, last.Members, last.Missing)
	}
}

// TestRecordedAnnouncementsAreRefused: a student records the teacher's
// announcement in one lesson and, after the teacher started the room
// again, replays it as it was and relabelled as pinned. Neither is shown,
// to a PC that joined the new run or one that stayed joined through the
// restart; the replay is reported once, in words.
func TestRecordedAnnouncementsAreRefused(t *testing.T) {
	pub, teacherKey, _ := ed25519.GenerateKey(nil)
	first := &Room{Name: "Physics 101", Group: DefaultGroup, Presenter: "Ms Lee", PresenterKey: pub, ReadOnly: true, Version: 100}
	hub := memnet.NewHub()
	rec := record(hub)
	defer rec.stop()
	stayed := joinRoom(t, hub, "s1", first, nil)
	defer stayed.e.Close()
	teacher := joinRoom(t, hub, "Ms Lee", first, teacherKey)
	waitPeers(t, teacher.e, 1)
	teacher.e.Do(Send{Text: "FAKE: exam moved to today, 8am", Announce: true})
	expectText(t, stayed.e, 3*time.Second, "FAKE: exam moved to today, 8am")
	teacher.e.Close()

	// The next lesson: the room's next run, as rooms.NewVersion gives it.
	second := *first
	second.Version = 200
	teacher = joinRoom(t, hub, "Ms Lee", &second, teacherKey)
	defer teacher.e.Close()
	joined := joinRoom(t, hub, "s2", &second, nil)
	defer joined.e.Close()
	waitPeers(t, teacher.e, 2)
	teacher.e.Do(Send{Text: "Chapter 4 today", Announce: true})
	for _, s := range []*busMember{stayed, joined} {
		if m := expectText(t, s.e, 3*time.Second, "Chapter 4 today"); !m.Announcement {
			t.Fatalf("the restarted teacher's post is not an announcement: %+v", m)
		}
	}

	var recorded [][]byte
	for _, b := range rec.datagrams() {
		if isFrom("Ms Lee", 1, 1, wire.KindData)(b) {
			if p, _ := wire.Decode(b); p.Sig.Session == 100 {
				recorded = append(recorded, b)
			}
		}
	}
	if len(recorded) == 0 {
		t.Fatal("nothing recorded of the first lesson")
	}
	mallory := newForger(t, hub)
	for _, b := range recorded {
		mallory.write(b)
		p, _ := wire.Decode(b)
		p.Kind = wire.KindPinned // its signature kept
		mallory.send(p)
	}
	u := waitEvent(t, joined.e, 3*time.Second, func(ev Event) bool {
		if m, ok := ev.(Message); ok {
			t.Fatalf("the recording was shown: %+v", m)
		}
		u, ok := ev.(Unreadable)
		return ok && u.Reason == UnreadableEarlierSession
	}).(Unreadable)
	if u.Peer != "Ms Lee" || !strings.Contains(u.Sentence(), "earlier session") {
		t.Fatalf("report: %+v %q", u, u.Sentence())
	}
	quiet(t, stayed.e, 500*time.Millisecond)
	if st := joined.e.Stats(); st.Replayed == 0 || st.Ignored == 0 {
		t.Fatalf("the replay and the relabelled copy were not counted: %+v", st)
	}
}

// TestAnnouncementSignedFarFromOurClock: announcements signed more than
// five minutes from the student's clock are a recording (or a clock set
// wrong): refused, and the teacher's clock is named.
func TestAnnouncementSignedFarFromOurClock(t *testing.T) {
	pub, teacherKey, _ := ed25519.GenerateKey(nil)
	room := &Room{Name: "Physics 101", Group: DefaultGroup, Presenter: "Ms Lee", PresenterKey: pub, ReadOnly: true}
	hub := memnet.NewHub()
	student := joinRoom(t, hub, "s1", room, nil)
	defer student.e.Close()
	cfg := DefaultConfig()
	cfg.Nick, cfg.Room, cfg.Presenter = "Ms Lee", room, teacherKey
	teacher := joinWith(t, hub, cfg, lossy.Faults{}, DefaultTiming(), withClock(func() time.Time { return time.Now().Add(-10 * time.Minute) }))
	defer teacher.e.Close()
	waitPeers(t, teacher.e, 1)
	teacher.e.Do(Send{Text: "Open chapter 3", Announce: true})
	u := waitEvent(t, student.e, 3*time.Second, func(ev Event) bool {
		if m, ok := ev.(Message); ok {
			t.Fatalf("shown: %+v", m)
		}
		u, ok := ev.(Unreadable)
		return ok && u.Reason == UnreadableClock
	}).(Unreadable)
	if u.Peer != "Ms Lee" || u.Skew > -9*time.Minute || !strings.Contains(u.Sentence(), "10 min behind") {
		t.Fatalf("report: %+v %q", u, u.Sentence())
	}
}
