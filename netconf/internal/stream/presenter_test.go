package stream

import (
	"crypto/ed25519"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/classroom"
	"github.com/groupcast/groupcast/netconf/internal/part/parttest"
	"github.com/groupcast/groupcast/netconf/wire"
)

var (
	teacherKey  = ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	teacherAddr = netip.MustParseAddrPort("198.18.0.1:40000")
	teacherID   = wire.SenderID{0x7E}
)

// roomStream is a member's stream and classroom in the read-only room
// "Physics 101" (run 5), as its presenter when presenting.
func roomStream(env *parttest.Env, presenting bool) (*Part, *classroom.Part) {
	keys := classroom.RoomKeys{Room: true, Name: "Physics 101", Key: teacherKey.Public().(ed25519.PublicKey), ReadOnly: true, Version: 5}
	if presenting {
		keys.Presenter = teacherKey
	}
	judge := classroom.NewJudge(keys, env.Now, env.Led, &env.Counts)
	class := classroom.NewPart(env, judge)
	s := newStream(env)
	s.judge, s.class = judge, class
	return s, class
}

// teacher is the presenter's side: its stream and classroom, with its
// own id.
func teacher() (*parttest.Env, *Part, *classroom.Part) {
	env := parttest.New(t0)
	env.SelfID, env.Name = teacherID, "Ms Lee"
	s, c := roomStream(env, true)
	return env, s, c
}

// TestPresenterTalksAndAnnounces, the presenter's side: a line sent
// without Announce goes out signed as the presenter's message, is not
// pinned for a newcomer and has no receipts counted; an announcement is
// signed as one, pinned, and counted.
func TestPresenterTalksAndAnnounces(t *testing.T) {
	env, s, class := teacher()
	s.Send(t0, "Yes, chapter 3 only.", false)
	sent := env.TakeWritten()
	if len(sent) != 1 || sent[0].Kind != wire.KindData || !sent[0].Sig.Present() || !sent[0].Sig.Message {
		t.Fatalf("the presenter's message went out as %+v; want one DATA signed as a message", sent)
	}
	evs := env.Take()
	if len(evs) != 1 {
		t.Fatalf("events %+v; want Sent", evs)
	}
	if sentEv, ok := evs[0].(event.Sent); !ok || sentEv.Seq != 1 || sentEv.Text != "Yes, chapter 3 only." || !sentEv.Presenter || sentEv.Announcement {
		t.Fatalf("events %+v; want Sent as the presenter, not an announcement", evs)
	}
	// A student appears: nothing is pinned, nothing counted.
	pc := parttest.New(t0)
	env.Step(s, wire.Packet{Kind: wire.KindHello, Sender: pc.SelfID, Time: t0.UnixMicro(), Nick: "PC1",
		Body: wire.AppendControl(nil, wire.Control{Started: t0.UnixMicro(), Trail: 1})}, netip.MustParseAddrPort("198.18.0.9:40000"))
	class.Newcomer(t0)
	env.RunUntil(t, class, t0.Add(10*time.Second))
	for _, p := range env.TakeWritten() {
		if p.Kind == wire.KindPinned {
			t.Fatalf("the presenter's message was pinned: %q", p.Body)
		}
	}
	for _, ev := range env.Take() {
		if r, ok := ev.(event.Receipt); ok {
			t.Fatalf("receipts counted for the presenter's message: %+v", r)
		}
	}

	env.Now = t0.Add(11 * time.Second)
	s.Send(env.Now, "Open chapter 3", true)
	sent = env.TakeWritten()
	if len(sent) != 1 || !sent[0].Sig.Present() || sent[0].Sig.Message {
		t.Fatalf("the announcement went out as %+v", sent)
	}
	if evs := env.Take(); len(evs) != 1 || !evs[0].(event.Sent).Announcement || !evs[0].(event.Sent).Presenter {
		t.Fatalf("events %+v; want Sent as an announcement", evs)
	}
	class.Newcomer(env.Now)
	env.RunUntil(t, class, env.Now.Add(time.Second))
	var pins []string
	for _, p := range env.TakeWritten() {
		if p.Kind == wire.KindPinned {
			pins = append(pins, string(p.Body))
		}
	}
	var receipts []event.Receipt
	for _, ev := range env.Take() {
		if r, ok := ev.(event.Receipt); ok {
			receipts = append(receipts, r)
		}
	}
	if len(pins) == 0 || strings.Join(pins, "|") != strings.Repeat("Open chapter 3|", len(pins)-1)+"Open chapter 3" {
		t.Fatalf("pinned %q; want the announcement only", pins)
	}
	if len(receipts) == 0 || receipts[0].Seq != 2 || receipts[0].Number != 1 || receipts[0].Members != 1 {
		t.Fatalf("receipts %+v; want the announcement (seq 2, the first) counted", receipts)
	}
}

// TestStudentGetsThePresentersMessage, a student's side in a read-only
// room: the teacher's message is delivered as the presenter's but not as
// an announcement, whole or in pieces, and owes no receipt; the
// teacher's announcement is one, and is acknowledged; another student's
// line is dropped.
func TestStudentGetsThePresentersMessage(t *testing.T) {
	tenv, ts, _ := teacher()
	ts.Send(t0, "Yes, chapter 3 only.", false)
	ts.Send(t0, strings.Repeat("Read pages 10 to 20. ", 200), false) // in pieces
	ts.Send(t0, "Open chapter 3", true)
	said := tenv.TakeWritten()

	env := parttest.New(t0)
	s, class := roomStream(env, false)
	env.Step(s, wire.Packet{Kind: wire.KindHello, Sender: teacherID, Time: t0.UnixMicro(), Nick: "Ms Lee",
		Body: wire.AppendControl(nil, wire.Control{Started: t0.UnixMicro(), Trail: 1})}, teacherAddr)
	for _, p := range said {
		env.Step(s, p, teacherAddr)
	}
	student := netip.MustParseAddrPort("198.18.0.3:40000") // under the teacher's name
	env.Step(s, wire.Packet{Kind: wire.KindHello, Sender: wire.SenderID{0xB0}, Time: t0.UnixMicro(), Nick: "Ms Lee",
		Body: wire.AppendControl(nil, wire.Control{Started: t0.UnixMicro(), Trail: 1})}, student)
	env.Step(s, wire.Packet{Kind: wire.KindData, Sender: wire.SenderID{0xB0}, Seq: 1, Time: t0.UnixMicro(), Nick: "Ms Lee", Body: []byte("FAKE: no exam")}, student)
	var got []event.Message
	for _, ev := range env.Take() {
		if m, ok := ev.(event.Message); ok {
			got = append(got, m)
		}
	}
	if len(got) != 3 {
		t.Fatalf("%d messages shown; want the teacher's 3: %+v", len(got), got)
	}
	for i, m := range got[:2] {
		if !m.Presenter || m.Announcement {
			t.Fatalf("the presenter's message %d shown as presenter %v, announcement %v", i, m.Presenter, m.Announcement)
		}
	}
	if !got[2].Presenter || !got[2].Announcement || got[2].Text != "Open chapter 3" {
		t.Fatalf("the announcement shown as %+v", got[2])
	}
	if env.Counts.ReadOnlyDropped != 1 {
		t.Fatalf("ReadOnlyDropped = %d; want the student's line", env.Counts.ReadOnlyDropped)
	}
	if pr := env.Table.Get(teacherID); pr == nil || !pr.Presenter {
		t.Fatal("the teacher is not marked as the presenter")
	}
	env.RunUntil(t, class, t0.Add(2*time.Second))
	var acked []uint64
	for _, p := range env.TakeWritten() {
		if p.Kind == wire.KindReceipt {
			acked = append(acked, p.Seq)
		}
	}
	last := said[len(said)-1].Seq
	if len(acked) == 0 {
		t.Fatal("no receipt for the announcement")
	}
	for _, seq := range acked {
		if seq != last {
			t.Fatalf("receipts for %v; want only the announcement's seq %d", acked, last)
		}
	}
}

// TestOnlyThePresenterAnnounces: Announce from a member that does not
// present is refused, in words, and nothing is sent.
func TestOnlyThePresenterAnnounces(t *testing.T) {
	env := parttest.New(t0)
	s := newStream(env)
	s.Send(t0, "Exam moved", true)
	evs := env.Take()
	if len(env.TakeWritten()) != 0 || len(evs) != 1 {
		t.Fatalf("events %+v: an announcement from a member", evs)
	}
	if e, ok := evs[0].(event.Error); !ok || !strings.Contains(e.Err.Error(), "only a room's presenter can announce") {
		t.Fatalf("refused with %+v", evs[0])
	}
}
