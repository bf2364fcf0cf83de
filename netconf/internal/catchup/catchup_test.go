package catchup_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/catchup"
	"github.com/groupcast/groupcast/netconf/internal/classroom"
	"github.com/groupcast/groupcast/netconf/internal/part/parttest"
	"github.com/groupcast/groupcast/netconf/wire"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

type fakeArchive struct {
	last time.Time
	kept [][][]byte
}

func (a *fakeArchive) Last() (time.Time, error) { return a.last, nil }

func (a *fakeArchive) Kept(time.Time, int) ([][][]byte, error) { return a.kept, nil }

// start is a part with archive a, once the archive has said when it last
// kept something.
func start(t *testing.T, a *fakeArchive) (*parttest.Env, *catchup.Part) {
	t.Helper()
	env := parttest.New(t0)
	t.Cleanup(env.Close)
	judge := classroom.NewJudge(classroom.RoomKeys{}, t0, env.Led, &env.Counts)
	p := catchup.New(env, catchup.Config{Archive: a, Judge: judge, Timing: catchup.DefaultTiming()})
	await(env)
	return env, p
}

// await runs the next work a goroutine of the part posts (blocking: the
// archive answers at once).
func await(env *parttest.Env) { (<-env.Posted)(env.Now) }

// data is a DATA datagram Ann sent an hour before t0.
func data(t *testing.T, text string) []byte {
	t.Helper()
	p := wire.Packet{Kind: wire.KindData, Sender: wire.SenderID{7}, Seq: 1, Time: t0.Add(-time.Hour).UnixMicro(), Nick: "Ann", Body: []byte(text)}
	b, err := wire.AppendEncode(nil, &p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ask(env *parttest.Env, p *catchup.Part, from byte, src netip.AddrPort) {
	body := wire.AppendCatchUpAsk(nil, env.Now.Add(-2*time.Hour).UnixMicro())
	env.Step(p, wire.Packet{Kind: wire.KindCatchUpAsk, Sender: wire.SenderID{from}, Time: env.Now.UnixMicro(), Nick: "Asker", Body: body}, src)
}

// An ask is answered from the archive after a random delay; the same
// computer asking again within catchup.Every is refused, and reported as
// a flood once.
func TestAnswersOnceAComputer(t *testing.T) {
	env, p := start(t, &fakeArchive{kept: [][][]byte{{data(t, "hello")}}})
	host := netip.MustParseAddrPort("10.0.0.2:5000")
	ask(env, p, 1, host)
	if env.Counts.CatchUpAsksIn != 1 {
		t.Fatalf("stats %+v", env.Counts)
	}
	at := p.NextDeadline(env.Now)
	if at.IsZero() || at.After(t0.Add(450*time.Millisecond)) {
		t.Fatalf("answer due at %v", at)
	}
	env.Now = at
	p.Tick(env.Now) // reads the archive
	await(env)
	p.Tick(env.Now) // sends
	w := env.TakeWritten()
	if len(w) != 1 || w[0].Kind != wire.KindCatchUp || env.Counts.CatchUpOut != 1 {
		t.Fatalf("sent %+v, stats %+v", w, env.Counts)
	}
	if in, err := wire.ParseCatchUp(w[0].Body); err != nil || string(in.Body) != "hello" {
		t.Fatalf("answer %+v, %v", in, err)
	}
	env.Now = env.Now.Add(time.Second)
	ask(env, p, 2, host)
	if env.Counts.CatchUpRefused != 1 {
		t.Fatalf("second ask: stats %+v", env.Counts)
	}
	var floods int
	env.Led.Due(env.Now.Add(2*time.Second), func(ev event.Event) {
		if u, ok := ev.(event.Unreadable); ok && u.Reason == event.UnreadableCatchUpFlood {
			floods++
		}
	})
	if floods != 1 {
		t.Fatalf("flood reported %d times", floods)
	}
	env.Now = at.Add(catchup.Every + time.Millisecond)
	ask(env, p, 3, host)
	if env.Counts.CatchUpRefused != 1 || env.Counts.CatchUpAsksIn != 3 {
		t.Fatalf("ask after %v: stats %+v", catchup.Every, env.Counts)
	}
}

// A member asks once the archive has said, and takes a message from an
// answer, once.
func TestAsksAndTakes(t *testing.T) {
	env, p := start(t, &fakeArchive{})
	at := p.NextDeadline(env.Now)
	if !at.Equal(t0.Add(catchup.DefaultTiming().FirstAsk)) {
		t.Fatalf("first ask at %v", at)
	}
	env.Now = at
	p.Tick(at)
	if w := env.TakeWritten(); len(w) != 1 || w[0].Kind != wire.KindCatchUpAsk {
		t.Fatalf("sent %+v", w)
	}
	answer := wire.Packet{Kind: wire.KindCatchUp, Sender: wire.SenderID{9}, Time: at.UnixMicro(), Nick: "Keeper", Body: data(t, "hello")}
	src := netip.MustParseAddrPort("10.0.0.3:5000")
	env.Step(p, answer, src)
	env.Step(p, answer, src)
	var got []event.Message
	for _, ev := range env.Take() {
		if m, ok := ev.(event.Message); ok {
			got = append(got, m)
		}
	}
	if len(got) != 1 || got[0].Text != "hello" || !got[0].CaughtUp || !got[0].Earlier || got[0].From != "Ann" || len(got[0].Wire) != 1 {
		t.Fatalf("took %+v", got)
	}
	if env.Counts.CatchUpIn != 1 || env.Counts.Duplicates != 1 {
		t.Fatalf("stats %+v", env.Counts)
	}
	// Answered: no second ask; answers are taken until Open has passed.
	env.RunUntil(t, p, at.Add(time.Minute))
	if w := env.TakeWritten(); len(w) != 0 {
		t.Fatalf("asked again: %+v", w)
	}
}

// A CATCHUP nobody asked for is ignored (its sender is still a member).
func TestUnaskedAnswerIgnored(t *testing.T) {
	env, p := start(t, &fakeArchive{})
	answer := wire.Packet{Kind: wire.KindCatchUp, Sender: wire.SenderID{9}, Time: t0.UnixMicro(), Nick: "Keeper", Body: data(t, "hello")}
	env.Step(p, answer, netip.MustParseAddrPort("10.0.0.3:5000"))
	evs := env.Take()
	if len(evs) != 1 || env.Counts.Ignored != 1 || env.Counts.CatchUpIn != 0 {
		t.Fatalf("events %+v, stats %+v", evs, env.Counts)
	}
	if _, ok := evs[0].(event.PeerJoined); !ok {
		t.Fatalf("event %+v", evs[0])
	}
}

// Without an archive the part asks nothing and answers nothing.
func TestWithoutArchive(t *testing.T) {
	env := parttest.New(t0)
	defer env.Close()
	p := catchup.New(env, catchup.Config{Judge: classroom.NewJudge(classroom.RoomKeys{}, t0, env.Led, &env.Counts)})
	ask(env, p, 1, netip.MustParseAddrPort("10.0.0.2:5000"))
	env.Step(p, wire.Packet{Kind: wire.KindCatchUpAsk, Sender: wire.SenderID{2}, Body: []byte{1}}, netip.MustParseAddrPort("10.0.0.2:5000"))
	if !p.NextDeadline(t0).IsZero() || env.Counts.Ignored != 1 || env.Counts.Rejected != 1 || env.Counts.CatchUpAsksIn != 0 {
		t.Fatalf("next %v, stats %+v", p.NextDeadline(t0), env.Counts)
	}
}
