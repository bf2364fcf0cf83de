package classroom

import (
	"crypto/ed25519"
	"net/netip"
	"testing"
	"time"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/part/parttest"
	"github.com/groupcast/groupcast/netconf/wire"
)

var (
	t0      = time.Unix(1_700_000_000, 0)
	teacher = netip.MustParseAddrPort("198.18.0.1:40000")
	sk      = ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	pub     = sk.Public().(ed25519.PublicKey)
)

func pinned(seq uint64, text string, session uint64, at time.Time) wire.Packet {
	p := wire.Packet{Kind: wire.KindPinned, Sender: wire.SenderID{0x7E}, Seq: seq, Time: at.UnixMicro(), Nick: "Teacher", Body: []byte(text)}
	wire.Sign(&p, sk, "Chemistry 9", session, at.UnixMicro())
	return p
}

func TestPinnedShownOnceAndAcknowledged(t *testing.T) {
	env := parttest.New(t0)
	judge := NewJudge(RoomKeys{Room: true, Name: "Chemistry 9", Key: pub, ReadOnly: true, Version: 5}, t0, env.Led, &env.Counts)
	c := NewPart(env, judge)
	env.Step(c, pinned(3, "Worksheet on page 4", 5, t0), teacher)
	env.Step(c, pinned(3, "Worksheet on page 4", 5, t0.Add(time.Second)), teacher) // pinned again for a newcomer
	var shown int
	for _, ev := range env.Take() {
		if m, ok := ev.(event.Message); ok && m.Announcement && m.Earlier && m.Text == "Worksheet on page 4" {
			shown++
		}
	}
	if shown != 1 {
		t.Fatalf("the pinned announcement was shown %d times; want once", shown)
	}
	if pr := env.Table.Get(wire.SenderID{0x7E}); pr == nil || !pr.Presenter || env.Roster == 0 {
		t.Fatal("the signer was not marked as the presenter on the roster")
	}
	env.RunUntil(t, c, t0.Add(time.Second))
	var receipts int
	for _, p := range env.TakeWritten() {
		if to, err := wire.ParseReceipt(p.Body); p.Kind == wire.KindReceipt && err == nil && to == (wire.SenderID{0x7E}) && p.Seq == 3 {
			receipts++
		}
	}
	if receipts == 0 {
		t.Fatal("no receipt for the pinned announcement")
	}
}

func TestPinnedOfEarlierSessionRefused(t *testing.T) {
	env := parttest.New(t0)
	judge := NewJudge(RoomKeys{Room: true, Name: "Chemistry 9", Key: pub, Version: 5}, t0, env.Led, &env.Counts)
	c := NewPart(env, judge)
	env.Step(c, pinned(1, "yesterday's", 4, t0), teacher)
	forged := pinned(2, "forged", 5, t0)
	forged.Body = []byte("changed after signing")
	env.Step(c, forged, teacher)
	if len(env.Events) != 0 || env.Table.Len() != 0 {
		t.Fatalf("events %v: a recording or a forgery was shown", env.Events)
	}
	var reports []event.Unreadable
	env.Led.Due(t0.Add(time.Second), func(ev event.Event) { reports = append(reports, ev.(event.Unreadable)) })
	if len(reports) != 1 || reports[0].Reason != event.UnreadableEarlierSession {
		t.Fatalf("reports %+v; want one earlier-session refusal", reports)
	}
}
