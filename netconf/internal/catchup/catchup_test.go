package catchup_test

import (
	"crypto/ed25519"
	"net/netip"
	"sort"
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

// An ask is answered from the archive after a random delay.
func TestAnswersAnAsk(t *testing.T) {
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
}

// timedAsk is an ask a newcomer's part sent, and when.
type timedAsk struct {
	at time.Time
	p  wire.Packet
}

// newcomer is the asks a member that keeps history (and has kept
// nothing) sends when it joins at joined and nobody answers it, as its
// own part sends them: a first ask and the retries.
func newcomer(t *testing.T, joined time.Time, id byte) []timedAsk {
	t.Helper()
	env := parttest.New(joined)
	env.SelfID, env.Name, env.Inline = wire.SenderID{id}, "Newcomer", true
	t.Cleanup(env.Close)
	p := catchup.New(env, catchup.Config{Archive: &fakeArchive{}, Judge: classroom.NewJudge(classroom.RoomKeys{}, joined, env.Led, &env.Counts), Timing: catchup.DefaultTiming()})
	var asks []timedAsk
	for end := joined.Add(time.Minute); ; {
		env.Drain()
		at := p.NextDeadline(env.Now)
		if at.IsZero() || at.After(end) {
			return asks
		}
		env.Now = at
		p.Tick(at)
		for _, w := range env.TakeWritten() {
			asks = append(asks, timedAsk{at, w})
		}
	}
}

// hear hands the answering part p the asks, each at its time, from src,
// and runs p (its archive answering at once) until end.
func hear(t *testing.T, env *parttest.Env, p *catchup.Part, asks []timedAsk, src netip.AddrPort, end time.Time) {
	t.Helper()
	for _, a := range asks {
		env.RunUntil(t, p, a.at)
		env.Drain()
		env.Step(p, a.p, src)
	}
	env.RunUntil(t, p, end)
	env.Drain()
	env.RunUntil(t, p, end)
}

// answerer is a member that keeps history (and a message) answering at
// once, with its archive read on the loop.
func answerer(t *testing.T, a *fakeArchive) (*parttest.Env, *catchup.Part) {
	t.Helper()
	env, p := start(t, a)
	env.Inline = true
	return env, p
}

// floods is the catch-up floods the ledger reports by end.
func floods(env *parttest.Env, end time.Time) []event.Unreadable {
	var out []event.Unreadable
	env.Led.Due(end, func(ev event.Event) {
		if u, ok := ev.(event.Unreadable); ok && u.Reason == event.UnreadableCatchUpFlood {
			out = append(out, u)
		}
	})
	return out
}

// Issue 30: the asks the protocol itself sends are answered, never
// refused or reported: a newcomer's first ask and its retries (its
// answers lost), and all of them again when its computer restarts.
func TestAnswersTheAsksTheProtocolSends(t *testing.T) {
	if n := len(catchup.DefaultTiming().Retries) + 1; n != catchup.AsksPerJoin {
		t.Fatalf("a membership asks %d times, answerers allow %d", n, catchup.AsksPerJoin)
	}
	env, p := answerer(t, &fakeArchive{kept: [][][]byte{{data(t, "hello")}}})
	first := newcomer(t, t0, 1)
	if len(first) != catchup.AsksPerJoin {
		t.Fatalf("a newcomer nobody answers asked %d times", len(first))
	}
	last := first[len(first)-1].at
	again := newcomer(t, last.Add(time.Second), 2) // the PC restarts: another sender id
	src := netip.MustParseAddrPort("10.0.0.2:5000")
	end := again[len(again)-1].at.Add(time.Second)
	hear(t, env, p, append(first, again...), src, end)
	if env.Counts.CatchUpRefused != 0 || env.Counts.CatchUpAsksIn != 2*catchup.AsksPerJoin || env.Counts.CatchUpOut != 2*catchup.AsksPerJoin {
		t.Fatalf("stats %+v", env.Counts)
	}
	if f := floods(env, end.Add(time.Minute)); len(f) != 0 {
		t.Fatalf("reported %+v", f)
	}
}

// A member with nothing to answer with sends nothing, and charges the
// asking computer nothing: however often newcomers of one computer ask,
// nothing is refused or reported.
func TestNothingToAnswerChargesNothing(t *testing.T) {
	env, p := answerer(t, &fakeArchive{})
	src := netip.MustParseAddrPort("10.0.0.2:5000")
	var asks []timedAsk
	for i := range 5 { // a PC restarting again and again
		asks = append(asks, newcomer(t, t0.Add(time.Duration(i)*time.Second), byte(i+1))...)
	}
	sort.Slice(asks, func(i, j int) bool { return asks[i].at.Before(asks[j].at) })
	end := asks[len(asks)-1].at.Add(time.Second)
	hear(t, env, p, asks, src, end)
	if env.Counts.CatchUpAsksIn != uint64(len(asks)) || env.Counts.CatchUpOut != 0 {
		t.Fatalf("stats %+v", env.Counts)
	}
	if f := floods(env, end.Add(time.Minute)); len(f) != 0 || env.Counts.CatchUpRefused != 0 {
		t.Fatalf("refused %d, reported %+v", env.Counts.CatchUpRefused, f)
	}
}

// An answer another member's made needless is not sent, and its asker's
// computer is not charged for it.
func TestSilencedAnswerChargesNothing(t *testing.T) {
	env, p := answerer(t, &fakeArchive{kept: [][][]byte{{data(t, "hello")}}})
	src := netip.MustParseAddrPort("10.0.0.2:5000")
	other := wire.Packet{Kind: wire.KindCatchUp, Sender: wire.SenderID{9}, Nick: "Keeper", Body: data(t, "hello")}
	for i := range 3 * catchup.HostAsks {
		env.Now = t0.Add(time.Duration(i) * time.Second)
		ask(env, p, byte(i+1), src)
		other.Time = env.Now.UnixMicro()
		env.Step(p, other, netip.MustParseAddrPort("10.0.0.3:5000"))
		env.RunUntil(t, p, env.Now.Add(500*time.Millisecond))
	}
	if env.Counts.CatchUpOut != 0 || env.Counts.CatchUpRefused != 0 {
		t.Fatalf("stats %+v", env.Counts)
	}
}

// Asks beyond what the protocol sends are a flood: one computer asking
// fifty times at once is answered once, for the HostAsks it may ask;
// the rest are refused and reported once; after catchup.Every it may
// ask once more.
func TestAFloodOfAsksIsRefusedAndReportedOnce(t *testing.T) {
	env, p := answerer(t, &fakeArchive{kept: [][][]byte{{data(t, "hello")}}})
	src := netip.MustParseAddrPort("10.0.0.2:5000")
	for i := range 50 { // a modified program, asking again and again
		env.Now = t0.Add(time.Duration(i) * time.Millisecond)
		ask(env, p, 1, src)
	}
	env.RunUntil(t, p, t0.Add(time.Second))
	if want := uint64(50 - catchup.HostAsks); env.Counts.CatchUpRefused != want || env.Counts.CatchUpOut != 1 {
		t.Fatalf("refused %d asks (want %d), sent %d", env.Counts.CatchUpRefused, want, env.Counts.CatchUpOut)
	}
	f := floods(env, t0.Add(2*time.Second))
	if len(f) != 1 || f[0].Count != 50-catchup.HostAsks || f[0].Host != src.Addr() {
		t.Fatalf("reported %+v", f)
	}
	if got, want := f[0].Sentence(), "A computer at 10.0.0.2 asked for earlier messages more often than anyone needs: 44 asks were not answered"; got != want {
		t.Fatalf("said %q, want %q", got, want)
	}
	env.Now = t0.Add(time.Second + catchup.Every)
	ask(env, p, 1, src)
	env.RunUntil(t, p, env.Now.Add(time.Second))
	if env.Counts.CatchUpOut != 2 {
		t.Fatalf("after %v: stats %+v", catchup.Every, env.Counts)
	}
	ask(env, p, 1, src)
	if env.Counts.CatchUpRefused != uint64(50-catchup.HostAsks)+1 {
		t.Fatalf("a second ask after %v: stats %+v", catchup.Every, env.Counts)
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

// A member answers only with what this room's key signed: its history's
// lines of a room of the same name under another key stay home (else the
// newcomer would report the honest member as a forger).
func TestAnswersOnlyWhatThisRoomsKeySigned(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	_, other, _ := ed25519.GenerateKey(nil)
	signed := func(key ed25519.PrivateKey, text string) []byte {
		p := wire.Packet{Kind: wire.KindData, Sender: wire.SenderID{7}, Seq: 1, Time: t0.Add(-time.Hour).UnixMicro(), Nick: "Ms Lee", Body: []byte(text)}
		wire.Sign(&p, key, "Chemistry 9", 1, p.Time)
		b, err := wire.AppendEncode(nil, &p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	env := parttest.New(t0)
	t.Cleanup(env.Close)
	env.Inline = true
	judge := classroom.NewJudge(classroom.RoomKeys{Room: true, Name: "Chemistry 9", Key: pub, Version: 1}, t0, env.Led, &env.Counts)
	a := &fakeArchive{kept: [][][]byte{{signed(other, "last term's")}, {signed(priv, "Open chapter 3")}, {data(t, "a student's")}}}
	p := catchup.New(env, catchup.Config{Archive: a, Judge: judge, Timing: catchup.DefaultTiming()})
	env.Drain()
	ask(env, p, 1, netip.MustParseAddrPort("10.0.0.2:5000"))
	env.RunUntil(t, p, env.Now.Add(2*time.Second))
	var texts []string
	for _, w := range env.TakeWritten() {
		if in, err := wire.ParseCatchUp(w.Body); err == nil {
			texts = append(texts, string(in.Body))
		}
	}
	sort.Strings(texts)
	if len(texts) != 2 || texts[0] != "Open chapter 3" || texts[1] != "a student's" {
		t.Fatalf("answered with %q; want this room's announcement and the student's line", texts)
	}
}
