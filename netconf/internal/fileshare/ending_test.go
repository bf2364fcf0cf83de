package fileshare

import (
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/classroom"
	"github.com/groupcast/groupcast/netconf/internal/part/parttest"
	"github.com/groupcast/groupcast/netconf/wire"
)

// A file we send ends, with its final receipt, however its members
// behave: issue 30's teacher's chat waited for a file's final receipt
// long after its input closed. The part alone, with the time given.

type discard struct{}

func (discard) WriteControl([]byte) error { return nil }

// newSender is a part that sends files (its pump writes nowhere).
func newSender(t *testing.T) (*Part, *parttest.Env) {
	t.Helper()
	env := parttest.New(t0)
	j := classroom.NewJudge(classroom.RoomKeys{}, t0, env.Led, &env.Counts)
	pt := New(Options{Linger: time.Second, Judge: j, Link: func() Writer { return discard{} },
		Seal: func(_ [][]byte, buf []byte) []byte { return buf }}, env)
	t.Cleanup(func() {
		pt.Close()
		env.Close()
	})
	return pt, env
}

// member admits a member named nick on the computer at host.
func member(env *parttest.Env, id byte, nick string, host netip.AddrPort) wire.SenderID {
	p := wire.Packet{Kind: wire.KindHeartbeat, Sender: wire.SenderID{id}, Time: env.Now.UnixMicro(), Nick: nick}
	env.Member(env.Now, &p, host)
	return p.Sender
}

// send offers a file of size bytes and returns its id, once hashed.
func send(t *testing.T, pt *Part, env *parttest.Env, size int) wire.FileID {
	t.Helper()
	path := filepath.Join(t.TempDir(), "Worksheet.pdf")
	if err := os.WriteFile(path, make([]byte, size), 0o644); err != nil {
		t.Fatal(err)
	}
	pt.Send(env.Now, path)
	(<-env.Posted)(env.Now) // hashed
	for id := range pt.out {
		return id
	}
	t.Fatal("not offered")
	return wire.FileID{}
}

// step runs the part to now: each deadline in turn, the pump's bursts
// out before each (the pump is a goroutine: wait for it, no sleep).
func step(t *testing.T, pt *Part, env *parttest.Env, now time.Time) {
	t.Helper()
	for {
		for pt.pump != nil && !pt.pump.idle() {
			runtime.Gosched()
		}
		env.Drain()
		at := pt.NextDeadline(env.Now)
		if at.IsZero() || at.After(now) {
			env.Now = now
			pt.Tick(now)
			return
		}
		env.Now = later(env.Now, at)
		pt.Tick(env.Now)
		if next := pt.NextDeadline(env.Now); !next.IsZero() && !next.After(env.Now) {
			// The loop would spin (it did, waiting for answers after a
			// pass: a deadline a member's silence had passed).
			t.Fatalf("the deadline %v did not move on after its tick at %v", next, env.Now)
		}
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// from is a datagram of a file's kind from a member to us.
func from(env *parttest.Env, id wire.SenderID, nick string, kind wire.Kind, body []byte) wire.Packet {
	return wire.Packet{Kind: kind, Sender: id, Time: env.Now.UnixMicro(), Nick: nick, Body: body}
}

// Three PCs: Ann has the file and says so again to each offer repeated
// (at most once a second, as receivers do); Bob stays in the room but
// never answers for the file (an older Groupcast, a program whose writer
// hung); Cid asks for the same block again and again and never gets
// further. The transfer ends: Ann has it, Bob did not answer, Cid could
// not keep up, within seconds of the pass.
func TestAFileEndsWhateverItsMembersDo(t *testing.T) {
	pt, env := newSender(t)
	self := env.Self()
	pc := func(i byte) netip.AddrPort { return netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, i}), 40000) }
	ann, bob, cid := member(env, 1, "Ann", pc(1)), member(env, 2, "Bob", pc(2)), member(env, 3, "Cid", pc(3))
	_ = bob
	id := send(t, pt, env, 5000)
	var annSaid, cidAsked time.Time
	var final *event.FileReceipt
	start := env.Now
	for now := start; final == nil && now.Before(start.Add(time.Minute)); now = now.Add(25 * time.Millisecond) {
		step(t, pt, env, now)
		for _, p := range env.TakeWritten() {
			if p.Kind != wire.KindFileOffer {
				continue
			}
			if o, _ := wire.ParseFileOffer(p.Body); (o.EndOfPass() || o.Pass > 1) && now.Sub(annSaid) >= time.Second {
				annSaid = now
				env.Step(pt, from(env, ann, "Ann", wire.KindFileDone, wire.AppendFileDone(nil, wire.FileDone{Target: self, ID: id, Status: wire.FileHave})), pc(1))
			}
		}
		if !annSaid.IsZero() && now.Sub(cidAsked) >= 125*time.Millisecond {
			cidAsked = now
			env.Step(pt, from(env, cid, "Cid", wire.KindFileNack, wire.AppendFileNack(nil, wire.FileNack{Target: self, ID: id, Needs: []byte{1}})), pc(3))
		}
		for _, ev := range env.Take() {
			if r, ok := ev.(event.FileReceipt); ok && r.Done {
				final = &r
			}
		}
	}
	if final == nil {
		t.Fatalf("no final receipt a minute after the offer: %+v", pt.out[id].receipt(id))
	}
	took := env.Now.Sub(start)
	if took > 15*time.Second {
		t.Errorf("the final receipt came %v after the offer; want within 15 s", took)
	}
	why := map[string]string{}
	for _, f := range final.Failed {
		why[f.Peer.Nick] = f.Reason
	}
	if len(final.Have) != 1 || final.Have[0].Nick != "Ann" || why["Bob"] != wNoAnswer.With(nil).String() || why["Cid"] != wCannotKeepUp.With(nil).String() {
		t.Fatalf("final receipt %+v", final)
	}
	t.Logf("final receipt %v after the offer", took)
}

// A receiver that has every block says so once a second, with a NACK
// that needs nothing, while its writer checks the file; then it answers.
func TestReceiverSaysItIsChecking(t *testing.T) {
	pt, env := newPart(t, t.TempDir())
	content := []byte("chapter 3, exercises 1-4")
	p := offerOf(1, 1, content, env.Now)
	o, _ := wire.ParseFileOffer(p.Body)
	env.Step(pt, p, ann)
	(<-env.Posted)(env.Now) // the folder has no copy
	block := wire.Packet{Kind: wire.KindFileBlock, Sender: p.Sender, Seq: wire.FileShard{}.Seq(), Time: env.Now.UnixMicro(), Nick: "Ann",
		Body: wire.AppendFileBlock(nil, o.ID, content)}
	env.Step(pt, block, ann)
	pt.Tick(env.Now)
	env.TakeWritten()
	// The writer's check is posted, not yet run: the file is being checked.
	start := env.Now
	for env.Now = start; env.Now.Before(start.Add(3500 * time.Millisecond)); env.Now = env.Now.Add(50 * time.Millisecond) {
		pt.Tick(env.Now)
	}
	var still []time.Duration
	for _, w := range env.TakeWritten() {
		if w.Kind != wire.KindFileNack {
			t.Fatalf("sent %v while checking", w.Kind)
		}
		n, err := wire.ParseFileNack(w.Body)
		if err != nil || n.Target != p.Sender || n.ID != o.ID || len(n.Needs) != 1 || n.Needs[0] != 0 {
			t.Fatalf("NACK %+v, %v", n, err)
		}
		still = append(still, time.UnixMicro(w.Time).Sub(start))
	}
	if len(still) < 3 || len(still) > 4 {
		t.Fatalf("said it checks at %v; want once a second", still)
	}
	(<-env.Posted)(env.Now) // checked and named
	env.RunUntil(t, pt, env.Now.Add(time.Second))
	if n, _ := count[event.FileReceived](env.Take()); n != 1 {
		t.Fatal("not received")
	}
}

// The sender waits for a member that says it is checking the file,
// beyond the silence that names those that do not answer, and counts it
// when it has it.
func TestSenderWaitsForAMemberChecking(t *testing.T) {
	pt, env := newSender(t)
	self := env.Self()
	ann := member(env, 1, "Ann", netip.MustParseAddrPort("10.0.0.1:40000"))
	id := send(t, pt, env, 5000)
	start := env.Now
	var final *event.FileReceipt
	for now := start; final == nil && now.Before(start.Add(20*time.Second)); now = now.Add(25 * time.Millisecond) {
		step(t, pt, env, now)
		env.TakeWritten()
		body := wire.AppendFileNack(nil, wire.FileNack{Target: self, ID: id, Needs: []byte{0}})
		kind := wire.KindFileNack
		if now.Sub(start) >= 8*time.Second {
			kind, body = wire.KindFileDone, wire.AppendFileDone(nil, wire.FileDone{Target: self, ID: id, Status: wire.FileHave})
		}
		if now.Sub(start)%time.Second == 0 {
			env.Step(pt, from(env, ann, "Ann", kind, body), netip.MustParseAddrPort("10.0.0.1:40000"))
		}
		for _, ev := range env.Take() {
			if r, ok := ev.(event.FileReceipt); ok && r.Done {
				final = &r
			}
		}
	}
	if final == nil || len(final.Have) != 1 || len(final.Failed) != 0 || env.Now.Sub(start) < 8*time.Second {
		t.Fatalf("final receipt %+v at %v", final, env.Now.Sub(start))
	}
}
