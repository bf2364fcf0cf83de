package netconf

import (
	"crypto/ed25519"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/groupcast/groupcast/internal/lossy"
	"github.com/groupcast/groupcast/internal/memnet"
	"github.com/groupcast/groupcast/netconf/internal/catchup"
	"github.com/groupcast/groupcast/netconf/wire"
)

// memArchive is a history kept in memory: the messages an engine
// delivered, with their datagrams.
type memArchive struct {
	mu    sync.Mutex
	kept  []keptMessage
	asked []time.Time // the since of each Kept
	max   []int
}

type keptMessage struct {
	at   time.Time
	text string
	wire [][]byte
}

func (a *memArchive) Last() (time.Time, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.kept) == 0 {
		return time.Time{}, nil
	}
	return a.kept[len(a.kept)-1].at, nil
}

func (a *memArchive) Kept(since time.Time, most int) ([][][]byte, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.asked, a.max = append(a.asked, since), append(a.max, most)
	var out [][][]byte
	for _, k := range a.kept {
		if !k.at.Before(since) {
			out = append(out, k.wire)
		}
	}
	return out[max(len(out)-most, 0):], nil
}

func (a *memArchive) keep(m Message) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if m.Wire != nil {
		a.kept = append(a.kept, keptMessage{at: m.Received, text: m.Text, wire: m.Wire})
	}
}

func (a *memArchive) texts() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, k := range a.kept {
		out = append(out, k.text)
	}
	return out
}

// keeping reads e's events in the background, keeping its messages.
func keeping(e *Engine, a *memArchive) {
	go func() {
		for ev := range e.Events() {
			if m, ok := ev.(Message); ok {
				a.keep(m)
			}
		}
	}()
}

// waitKept waits until a holds n messages.
func waitKept(t *testing.T, a *memArchive, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); len(a.texts()) < n; {
		if time.Now().After(deadline) {
			t.Fatalf("kept %q, want %d messages", a.texts(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// joinKeeping joins cfg on the bus with an archive.
func joinKeeping(t *testing.T, hub *memnet.Hub, cfg Config, a *memArchive) *busMember {
	t.Helper()
	cfg.Archive = a
	b := joinWith(t, hub, cfg, lossy.Faults{}, DefaultTiming())
	t.Cleanup(func() { _ = b.e.Close() })
	return b
}

// messagesFor collects e's messages for d.
func messagesFor(e *Engine, d time.Duration) []Message {
	var out []Message
	deadline := time.After(d)
	for {
		select {
		case ev := <-e.Events():
			if m, ok := ev.(Message); ok {
				out = append(out, m)
			}
		case <-deadline:
			return out
		}
	}
}

func TestCatchUpAfterBeingAway(t *testing.T) {
	hub := memnet.NewHub()
	cfg := DefaultConfig()
	cfg.Nick = "Keeper"
	ka := &memArchive{}
	keeper := joinKeeping(t, hub, cfg, ka)
	keeping(keeper.e, ka)
	sender := joinBus(t, hub, "Bob", lossy.Faults{}, DefaultTiming())
	defer sender.e.Close()
	drain(sender.e)
	long := strings.Repeat("長い話 ", 700) // pieces: 7 000 bytes
	said := []string{"one", "two", long, "three"}
	for _, s := range said {
		sender.e.Do(Send{Text: s})
	}
	waitKept(t, ka, len(said))
	// Later: a member that joins within a second of a sender's start
	// has its stream from the start, repaired by the sender itself.
	time.Sleep(1500 * time.Millisecond)

	cfg.Nick = "Late"
	la := &memArchive{}
	late := joinKeeping(t, hub, cfg, la)
	got := messagesFor(late.e, 3*time.Second)
	if len(got) != len(said) {
		t.Fatalf("caught up %d messages, want %d: %+v", len(got), len(said), got)
	}
	for i, m := range got {
		if m.Text != said[i] || !m.CaughtUp || !m.Earlier || m.Sender != sender.joined.Sender || m.From != "Bob" ||
			m.Source.String() != keeper.raw.LocalAddr().String() || len(m.Wire) == 0 {
			t.Fatalf("message %d: %+v", i, m)
		}
	}
	if n := len(got[2].Wire); n < 2 {
		t.Fatalf("the long message came in %d datagrams", n)
	}
	// What is said now comes live, once; nothing comes twice.
	sender.e.Do(Send{Text: "four"})
	got = messagesFor(late.e, 2*time.Second)
	if len(got) != 1 || got[0].Text != "four" || got[0].CaughtUp || got[0].Earlier {
		t.Fatalf("after catching up: %+v", got)
	}
	if st := late.e.Stats(); st.CatchUpIn != uint64(len(said)) {
		t.Fatalf("stats %+v", st)
	}
	if st := keeper.e.Stats(); st.CatchUpOut < uint64(len(said)) || st.CatchUpAsksIn == 0 {
		t.Fatalf("keeper stats %+v", st)
	}
}

// A PC that was off while the teacher made four announcements (one long
// enough to go in pieces, which is never pinned; the first older than
// the three the presenter pins) shows each once when it joins, and the
// teacher's receipts count it.
func TestCatchUpCountsInReceipts(t *testing.T) {
	pub, teacherKey, _ := ed25519.GenerateKey(nil)
	room := &Room{Name: "Physics 101", Group: DefaultGroup, Presenter: "Ms Lee", PresenterKey: pub, ReadOnly: true}
	hub := memnet.NewHub()
	cfg := DefaultConfig()
	cfg.Nick, cfg.Room = "PC01", room
	ka := &memArchive{}
	keeper := joinKeeping(t, hub, cfg, ka)
	keeping(keeper.e, ka)
	teacher := joinRoom(t, hub, "Ms Lee", room, teacherKey)
	defer teacher.e.Close()
	said := []string{"Open chapter 3", "Exercise 2 is for Monday", strings.Repeat("Read pages 10-20 carefully. ", 100), "Quiz at 10:40"}
	for _, s := range said {
		teacher.e.Do(Send{Text: s, Announce: true})
	}
	// The teacher's message, not an announcement: caught up, the class is
	// the one its DATA was signed with.
	reply := "Yes, chapter 3 only."
	teacher.e.Do(Send{Text: reply})
	waitKept(t, ka, len(said)+1)
	time.Sleep(1500 * time.Millisecond)

	cfg.Nick = "PC02"
	late := joinKeeping(t, hub, cfg, &memArchive{})
	got := map[string]int{}
	for _, m := range messagesFor(late.e, 3*time.Second) {
		if m.Text == reply {
			if m.Announcement || !m.Presenter || !m.Earlier || !m.CaughtUp {
				t.Fatalf("late PC showed the teacher's message as %+v", m)
			}
			got[m.Text]++
			continue
		}
		if !m.Announcement || !m.Presenter || !m.Earlier {
			t.Fatalf("late PC showed %+v", m)
		}
		got[m.Text]++
	}
	for _, s := range append(said, reply) {
		if got[s] != 1 {
			t.Fatalf("late PC showed %q %d times (all: %v)", s[:10], got[s], got)
		}
	}
	last := teacher.joined.Sender
	_ = last
	waitEvent(t, teacher.e, 5*time.Second, func(ev Event) bool {
		r, ok := ev.(Receipt)
		return ok && r.Received == 2 && r.Members == 2 && r.Seq >= uint64(len(said))
	})
}

// A student's modified program that keeps history answers a late PC
// with announcements it forged (signed with its own key, or the
// teacher's signature on other words) and its own posts: the PC shows
// none of them, and says so once.
func TestCatchUpRefusesForgedAnnouncements(t *testing.T) {
	pub, teacherKey, _ := ed25519.GenerateKey(nil)
	_, forgerKey, _ := ed25519.GenerateKey(nil)
	room := &Room{Name: "Physics 101", Group: DefaultGroup, Presenter: "Ms Lee", PresenterKey: pub, ReadOnly: true}
	now := time.Now()
	teacherID := wire.SenderID{7}
	data := func(seq uint64, text string, key ed25519.PrivateKey, tamper bool) [][]byte {
		p := wire.Packet{Kind: wire.KindData, Sender: teacherID, Seq: seq, Time: now.Add(-time.Minute).UnixMicro(), Nick: "Ms Lee", Body: []byte(text)}
		if key != nil {
			wire.Sign(&p, key, room.Name, room.Version, p.Time)
		}
		if tamper {
			p.Body = []byte("FAKE: exam moved to today, 8am")
		}
		b, err := wire.AppendEncode(nil, &p)
		if err != nil {
			t.Fatal(err)
		}
		return [][]byte{b}
	}
	rogueArchive := &memArchive{kept: []keptMessage{
		{at: now.Add(-time.Minute), wire: data(1, "no homework today", forgerKey, false)},
		{at: now.Add(-time.Minute), wire: data(2, "Open chapter 3", teacherKey, true)},
		{at: now.Add(-time.Minute), wire: data(3, "a student's own post", nil, false)},
	}}
	hub := memnet.NewHub()
	cfg := DefaultConfig()
	// The rogue is a modified program: it passes on what its archive holds
	// unjudged (ours passes on only what the room's key signed, Vouches),
	// as a member of the same group that does not know the room.
	cfg.Nick = "Ms Lee"
	rogue := joinKeeping(t, hub, cfg, rogueArchive)
	cfg.Room = room
	drain(rogue.e)
	time.Sleep(200 * time.Millisecond)
	cfg.Nick = "PC02"
	late := joinKeeping(t, hub, cfg, &memArchive{})
	u := waitEvent(t, late.e, 5*time.Second, func(ev Event) bool {
		if m, ok := ev.(Message); ok {
			t.Fatalf("showed %+v", m)
		}
		u, ok := ev.(Unreadable)
		return ok && u.Reason == UnreadableForgedCatchUp
	}).(Unreadable)
	if u.Count != 2 || u.Host.String() != "198.18.0.1" {
		t.Fatalf("%+v: %s", u, u.Sentence())
	}
	quiet(t, late.e, time.Second)
	if st := late.e.Stats(); st.ReadOnlyDropped != 1 || st.CatchUpIn != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// Asks for earlier messages are answered as often as the protocol asks
// (catchUpHostAsks at once per computer, then one per catchup.Every), at
// most catchUpMessages messages back and CatchUpSpan far, and within an
// allowance over all: a flood of asks, from one computer or many, costs
// the group little.
func TestCatchUpAsksAreBounded(t *testing.T) {
	hub := memnet.NewHub()
	now := time.Now()
	a := &memArchive{}
	for i := range 700 {
		p := wire.Packet{Kind: wire.KindData, Sender: wire.SenderID{9}, Seq: uint64(i + 1), Time: now.UnixMicro(), Nick: "Bob", Body: []byte("hello")}
		b, err := wire.AppendEncode(nil, &p)
		if err != nil {
			t.Fatal(err)
		}
		a.kept = append(a.kept, keptMessage{at: now.Add(-time.Hour), wire: [][]byte{b}})
	}
	cfg := DefaultConfig()
	cfg.Nick = "Keeper"
	keeper := joinKeeping(t, hub, cfg, a)
	events := make(chan Event, 1024)
	go func() {
		for ev := range keeper.e.Events() {
			events <- ev
		}
	}()
	var forgers []*forger
	for range 8 {
		forgers = append(forgers, newForger(t, hub))
	}
	start := time.Now()
	for round := range 50 {
		for i, f := range forgers {
			f.send(wire.Packet{Kind: wire.KindCatchUpAsk, Sender: wire.SenderID{byte(i + 1), byte(round)}, Body: wire.AppendCatchUpAsk(nil, 0)})
		}
		time.Sleep(2 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond)
	st := keeper.e.Stats()
	elapsed := time.Since(start).Seconds()
	if limit := uint64(catchUpAllowance + catchUpRate*elapsed); st.CatchUpOut > limit || st.CatchUpOut == 0 {
		t.Fatalf("sent %d catch-up datagrams in %.1f s (at most %d)", st.CatchUpOut, elapsed, limit)
	}
	// Each computer's first catchUpHostAsks asks are what the protocol
	// may send (a membership's asks, and a restart's): the rest are refused.
	if st.CatchUpRefused < 8*(50-catchUpHostAsks) {
		t.Fatalf("refused %d asks", st.CatchUpRefused)
	}
	a.mu.Lock()
	for i, since := range a.asked {
		if since.Before(start.Add(-CatchUpSpan-time.Second)) || a.max[i] > catchUpMessages {
			t.Errorf("asked the archive for %d since %v", a.max[i], since)
		}
	}
	a.mu.Unlock()
	var floods int
	for len(events) > 0 {
		if u, ok := (<-events).(Unreadable); ok && u.Reason == UnreadableCatchUpFlood {
			floods++
			t.Log(u.Sentence())
		}
	}
	if floods != 1 {
		t.Fatalf("flood reported %d times", floods)
	}
}

// In a private group the answer is sealed as everything else: a member
// with the passphrase catches up, and the datagrams carry nothing a
// computer without it can read.
func TestCatchUpInAPrivateGroup(t *testing.T) {
	hub := memnet.NewHub()
	rec := record(hub)
	cfg := DefaultConfig()
	cfg.Nick, cfg.Passphrase = "Keeper", "correct horse battery staple"
	ka := &memArchive{}
	keeper := joinKeeping(t, hub, cfg, ka)
	keeping(keeper.e, ka)
	sender := joinKeyed(t, hub, "Bob", cfg.Passphrase)
	defer sender.e.Close()
	drain(sender.e)
	sender.e.Do(Send{Text: "the secret plan"})
	waitKept(t, ka, 1)
	time.Sleep(1500 * time.Millisecond)
	cfg.Nick = "Late"
	late := joinKeeping(t, hub, cfg, &memArchive{})
	got := messagesFor(late.e, 3*time.Second)
	if len(got) != 1 || got[0].Text != "the secret plan" || !got[0].CaughtUp {
		t.Fatalf("caught up %+v", got)
	}
	rec.stop()
	var caught int
	for _, b := range rec.datagrams() {
		if strings.Contains(string(b), "secret") {
			t.Fatalf("the text went out in the clear: %q", b)
		}
		if p, err := wire.Decode(b); err == nil && p.Kind == wire.KindCatchUp {
			t.Fatalf("a CATCHUP went out unsealed")
		}
		caught++
	}
	if caught == 0 || keeper.e.Stats().CatchUpOut != 1 {
		t.Fatalf("%d datagrams recorded, keeper stats %+v", caught, keeper.e.Stats())
	}
}

// An ask's since is a claim: one in the future (the largest value), or
// from before the epoch (the smallest), gets no more than the span.
func TestCatchUpAskSinceAtItsLimits(t *testing.T) {
	hub := memnet.NewHub()
	now := time.Now()
	p := wire.Packet{Kind: wire.KindData, Sender: wire.SenderID{9}, Seq: 1, Time: now.UnixMicro(), Nick: "Bob", Body: []byte("hello")}
	b, err := wire.AppendEncode(nil, &p)
	if err != nil {
		t.Fatal(err)
	}
	a := &memArchive{kept: []keptMessage{{at: now.Add(-time.Hour), wire: [][]byte{b}}}}
	cfg := DefaultConfig()
	cfg.Nick = "Keeper"
	keeper := joinKeeping(t, hub, cfg, a)
	drain(keeper.e)
	f := newForger(t, hub)
	f.send(wire.Packet{Kind: wire.KindCatchUpAsk, Sender: wire.SenderID{1}, Body: wire.AppendCatchUpAsk(nil, 1<<63-1)})
	time.Sleep(600 * time.Millisecond)
	if st := keeper.e.Stats(); st.CatchUpOut != 0 {
		t.Fatalf("answered an ask from the future: %+v", st)
	}
	f.send(wire.Packet{Kind: wire.KindCatchUpAsk, Sender: wire.SenderID{2}, Body: wire.AppendCatchUpAsk(nil, -1<<63)})
	time.Sleep(600 * time.Millisecond)
	if st := keeper.e.Stats(); st.CatchUpOut != 1 {
		t.Fatalf("the earliest ask: %d datagrams sent", st.CatchUpOut)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.asked) != 1 || a.asked[0].Before(now.Add(-CatchUpSpan-time.Second)) {
		t.Fatalf("asked the archive since %v", a.asked)
	}
}

// warnings collects the Unreadable events of engines, and keeps their
// messages in their archives.
type warnings struct {
	mu  sync.Mutex
	got []string
}

func (w *warnings) watch(nick string, e *Engine, a *memArchive) {
	go func() {
		for ev := range e.Events() {
			switch ev := ev.(type) {
			case Message:
				a.keep(ev)
			case Unreadable:
				w.mu.Lock()
				w.got = append(w.got, nick+": "+ev.Sentence())
				w.mu.Unlock()
			}
		}
	}()
}

func (w *warnings) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.got...)
}

// A lesson's start (issue 30): ten PCs that keep history join an empty
// room one after another, a second apart. Each asks for earlier messages
// as the protocol does (a first ask, and two more when nobody answers);
// nobody has anything to answer with, and nobody anywhere is warned of
// anything.
func TestJoinsOneAfterAnotherRaiseNoWarnings(t *testing.T) {
	if testing.Short() {
		t.Skip("twenty seconds of joins")
	}
	hub := memnet.NewHub()
	var w warnings
	var members []*busMember
	for i := range 10 {
		cfg := DefaultConfig()
		cfg.Nick = fmt.Sprintf("PC%02d", i+1)
		a := &memArchive{}
		b := joinKeeping(t, hub, cfg, a)
		w.watch(cfg.Nick, b.e, a)
		members = append(members, b)
		time.Sleep(time.Second)
	}
	// The last one's asks: a first one and its retries, then the second
	// a refusal waits before it is reported.
	timing := catchup.DefaultTiming()
	wait := timing.FirstAsk + time.Second
	for _, r := range timing.Retries {
		wait += r
	}
	time.Sleep(wait)
	if got := w.all(); len(got) > 0 {
		t.Fatalf("warnings:\n%s", strings.Join(got, "\n"))
	}
	// Each newcomer asked three times, heard by those already there.
	var asked uint64
	for _, b := range members {
		asked += b.e.Stats().CatchUpAsksIn
	}
	if asked < 3*9*10/2 {
		t.Fatalf("%d asks heard", asked)
	}
}
