package classroom

import (
	"testing"

	"github.com/groupcast/groupcast/netconf/internal/part/parttest"
	"github.com/groupcast/groupcast/netconf/wire"
	"github.com/groupcast/groupcast/netconf/wire/wiretest"
)

// teacherSays is what the teacher's judge sends: a DATA signed as its
// message, or as an announcement, encoded.
func teacherSays(t *testing.T, text string, announce bool) []byte {
	t.Helper()
	env := parttest.New(t0)
	j := NewJudge(RoomKeys{Room: true, Name: "Chemistry 9", Key: pub, ReadOnly: true, Version: 5, Presenter: sk}, t0, env.Led, &env.Counts)
	p := wire.Packet{Kind: wire.KindData, Sender: wire.SenderID{0x7E}, Seq: 4, Time: t0.UnixMicro(), Nick: "Teacher", Body: []byte(text)}
	if announce {
		j.Sign(&p)
	} else {
		j.SignMessage(&p)
	}
	return wiretest.Encode(t, p)
}

// TestJudgeTellsTheTeachersMessageFromAnnouncement: a student's judge
// takes the teacher's message as the teacher's, current, and a message
// (not an announcement); the class comes from the datagram.
func TestJudgeTellsTheTeachersMessageFromAnnouncement(t *testing.T) {
	env := parttest.New(t0)
	j := NewJudge(RoomKeys{Room: true, Name: "Chemistry 9", Key: pub, ReadOnly: true, Version: 5}, t0, env.Led, &env.Counts)
	for _, announce := range []bool{false, true} {
		p, err := wire.Decode(teacherSays(t, "Yes, chapter 3 only.", announce))
		if err != nil {
			t.Fatal(err)
		}
		if got := j.Check(t0, &p, teacher); got != Current || p.Sig.Message == announce {
			t.Fatalf("announce %v: judged %v, message %v", announce, got, p.Sig.Message)
		}
		if signed, ok := j.CheckEarlier(t0, &p, "PC2", teacher); !signed || !ok {
			t.Fatalf("announce %v: caught up, judged signed %v shown %v", announce, signed, ok)
		}
	}
}

// TestStudentCannotRelabelTheTeacher is the attack at the judge: a
// student relabels the teacher's message as an announcement (to have it
// pinned and notified on every screen), or an announcement as a mere
// message, and sends it live or passes it on as caught up. The judge
// finds no valid signature of the presenter either way: live, it is not
// the presenter's (a read-only room drops it); caught up, a forgery.
func TestStudentCannotRelabelTheTeacher(t *testing.T) {
	for _, announce := range []bool{false, true} {
		env := parttest.New(t0)
		j := NewJudge(RoomKeys{Room: true, Name: "Chemistry 9", Key: pub, ReadOnly: true, Version: 5}, t0, env.Led, &env.Counts)
		b := teacherSays(t, "Yes, chapter 3 only.", announce)
		at := wiretest.SigTypeAt(b)
		if at < 0 {
			t.Fatal("no signature extension")
		}
		b[at] ^= 0x02 ^ 0x03 // SIG <-> SIG_MESSAGE
		p, err := wire.Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		if p.Sig.Message != announce {
			t.Fatalf("announce %v: the relabelling did not take (message %v)", announce, p.Sig.Message)
		}
		if got := j.Check(t0, &p, teacher); got != Unsigned {
			t.Fatalf("announce %v: a relabelled datagram judged %v", announce, got)
		}
		if signed, ok := j.CheckEarlier(t0, &p, "PC2", teacher); signed || ok || env.Counts.Forged != 1 {
			t.Fatalf("announce %v: relabelled and caught up: signed %v shown %v forged %d", announce, signed, ok, env.Counts.Forged)
		}
	}
}
