package fileshare

import (
	"crypto/sha256"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/classroom"
	"github.com/groupcast/groupcast/netconf/internal/part/parttest"
	"github.com/groupcast/groupcast/netconf/wire"
)

// The part alone, with the time given: no sockets, no sleeps.

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// newPart is a part of an open group (no room) that saves to dir ("":
// nowhere).
func newPart(t *testing.T, dir string) (*Part, *parttest.Env) {
	t.Helper()
	env := parttest.New(t0)
	j := classroom.NewJudge(classroom.RoomKeys{}, t0, env.Led, &env.Counts)
	pt := New(Options{SaveDir: dir, Linger: time.Second, Judge: j,
		Seal: func(_ [][]byte, buf []byte) []byte { return buf }}, env)
	t.Cleanup(func() {
		pt.Close()
		env.Close()
	})
	return pt, env
}

// offer is a FILE_OFFER from sender (whose first byte is from) of an
// empty file with id n.
func offer(from, n byte, now time.Time) wire.Packet {
	o := wire.FileOffer{Size: 0, BlockSize: 1024, Group: wire.MaxFileGroup, SHA256: sha256.Sum256(nil), Pass: 1, Name: "notes.txt"}
	o.ID[0] = n
	var sender wire.SenderID
	sender[0] = from
	return wire.Packet{Kind: wire.KindFileOffer, Sender: sender, Time: now.UnixMicro(), Nick: "Ann",
		Body: wire.AppendFileOffer(nil, o)}
}

var ann = netip.MustParseAddrPort("10.0.0.7:40000")

func count[T event.Event](evs []event.Event) (n int, last T) {
	for _, ev := range evs {
		if x, ok := ev.(T); ok {
			n, last = n+1, x
		}
	}
	return n, last
}

// An offer from a member is reported; with a folder for files the file
// is fetched, and an empty one is checked, named and answered for.
func TestOfferFromAMemberIsFetched(t *testing.T) {
	dir := t.TempDir()
	pt, env := newPart(t, dir)
	env.Step(pt, offer(1, 1, env.Now), ann)
	evs := env.Take()
	if n, _ := count[event.PeerJoined](evs); n != 1 {
		t.Fatalf("events %v: want the sender to join", evs)
	}
	n, offered := count[event.FileOffered](evs)
	if n != 1 || !offered.Saving || offered.Name != "notes.txt" || offered.From.Nick != "Ann" {
		t.Fatalf("offered %+v (%d)", offered, n)
	}
	// The writer checks the file and names it off the loop, and posts
	// what it did: the loop takes it (no sleep: this waits for it).
	f := <-env.Posted
	f(env.Now)
	n, got := count[event.FileReceived](env.Take())
	if n != 1 || got.Path != filepath.Join(dir, "notes.txt") {
		t.Fatalf("received %+v (%d)", got, n)
	}
	if _, err := os.Stat(got.Path); err != nil {
		t.Fatal(err)
	}
	// It is answered for at once, then twice more, and then over here.
	env.RunUntil(t, pt, env.Now.Add(time.Second))
	dones := 0
	for _, p := range env.TakeWritten() {
		if p.Kind == wire.KindFileDone {
			d, err := wire.ParseFileDone(p.Body)
			if err != nil || d.Status != wire.FileHave {
				t.Fatalf("FILE_DONE %+v, %v", d, err)
			}
			dones++
		}
	}
	if dones != 3 || len(pt.in) != 0 || !pt.NextDeadline(env.Now).IsZero() {
		t.Fatalf("%d answers, %d files still in, deadline %v", dones, len(pt.in), pt.NextDeadline(env.Now))
	}
}

// New offers from one computer are paced by the ledger: OffersPerHost
// at once, then one every two seconds; each refused offer is counted and
// the flood reported once.
func TestOfferFloodFromOneHostIsRefused(t *testing.T) {
	pt, env := newPart(t, "") // reported, not fetched: no writers
	for i := range 10 {
		env.Step(pt, offer(1, byte(i+1), env.Now), ann)
	}
	if n, _ := count[event.FileOffered](env.Take()); n != OffersPerHost {
		t.Fatalf("%d offers reported; want %d", n, OffersPerHost)
	}
	if env.Counts.Ignored != 10-OffersPerHost {
		t.Fatalf("%d offers refused; want %d", env.Counts.Ignored, 10-OffersPerHost)
	}
	// Another computer has a purse of its own.
	env.Step(pt, offer(2, 100, env.Now), netip.MustParseAddrPort("10.0.0.8:40000"))
	if n, _ := count[event.FileOffered](env.Take()); n != 1 {
		t.Fatal("another computer's offer was refused")
	}
	// Two seconds earn the flooding computer one more.
	env.Now = env.Now.Add(2 * time.Second)
	env.Step(pt, offer(1, 50, env.Now), ann)
	env.Step(pt, offer(1, 51, env.Now), ann)
	if n, _ := count[event.FileOffered](env.Take()); n != 1 {
		t.Fatalf("%d offers after two seconds; want 1", n)
	}
	var reports []event.Unreadable
	env.Led.Due(env.Now, func(ev event.Event) { reports = append(reports, ev.(event.Unreadable)) })
	if len(reports) != 1 || reports[0].Reason != event.UnreadableFileFlood || reports[0].Count != 10-OffersPerHost+1 ||
		reports[0].Host != ann.Addr() {
		t.Fatalf("reports %+v", reports)
	}
}

// sized is offer with a file of size bytes: it stays being fetched
// until its blocks come.
func sized(from, n byte, size uint64, now time.Time) wire.Packet {
	p := offer(from, n, now)
	o, _ := wire.ParseFileOffer(p.Body)
	o.Size = size
	p.Body = wire.AppendFileOffer(nil, o)
	return p
}

// One computer sends us at most maxIncomingPerHost files at once, counted
// in the ledger: its next offer is reported, not fetched, until one of
// them is over here; another computer's is fetched meanwhile.
func TestIncomingFilesPerComputerAreBounded(t *testing.T) {
	pt, env := newPart(t, t.TempDir())
	for i := range maxIncomingPerHost - 1 {
		env.Step(pt, sized(1, byte(i+1), 4096, env.Now), ann)
	}
	env.Step(pt, offer(1, 9, env.Now), ann) // empty: over here at once
	if n := env.Led.Holds(ann.Addr(), pt.incoming); n != maxIncomingPerHost {
		t.Fatalf("the computer holds %d incoming; want %d", n, maxIncomingPerHost)
	}
	saving := func() (n int) {
		for _, ev := range env.Take() {
			if o, ok := ev.(event.FileOffered); ok && o.Saving {
				n++
			}
		}
		return n
	}
	saving()
	env.Now = env.Now.Add(2 * time.Second) // the purse of offers allows one more
	env.Step(pt, sized(1, 20, 4096, env.Now), ann)
	if saving() != 0 {
		t.Fatal("a fifth file from one computer was fetched")
	}
	env.Step(pt, sized(2, 21, 4096, env.Now), netip.MustParseAddrPort("10.0.0.8:40000"))
	if saving() != 1 {
		t.Fatal("another computer's file was not fetched")
	}
	// The empty file is checked and answered for: over here, its slot is
	// given back. (Five posts: the empty file's writer, and the folder
	// looked at for a copy of each of the four others fetched.)
	for range 5 {
		(<-env.Posted)(env.Now)
	}
	env.RunUntil(t, pt, env.Now.Add(time.Second))
	if n := env.Led.Holds(ann.Addr(), pt.incoming); n != maxIncomingPerHost-1 {
		t.Fatalf("after one is over here the computer holds %d; want %d", n, maxIncomingPerHost-1)
	}
	env.Now = env.Now.Add(2 * time.Second)
	env.Step(pt, sized(1, 22, 4096, env.Now), ann)
	if saving() != 1 {
		t.Fatal("a file was not fetched after a slot was given back")
	}
}

// A member who leaves while a file of ours waits for it counts no more.
func TestPeerLeftIsNoLongerAwaited(t *testing.T) {
	pt, env := newPart(t, "")
	path := filepath.Join(t.TempDir(), "a.txt")
	if err := os.WriteFile(path, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	env.Step(pt, offer(1, 1, env.Now), ann) // Ann is a member
	pr := env.Table.Get(wire.SenderID{1})
	pt.Send(env.Now, path)
	f := <-env.Posted // hashed
	f(env.Now)
	if len(pt.out) != 1 {
		t.Fatalf("%d files sent", len(pt.out))
	}
	for _, o := range pt.out {
		if len(o.members) != 1 {
			t.Fatalf("%d members awaited", len(o.members))
		}
		pt.PeerLeft(env.Now, pr)
		if len(o.members) != 0 || !o.changed {
			t.Fatal("a member who left is still awaited")
		}
	}
}

// A file's receipt counts computers, as an announcement's does: a PC
// restarted mid-lesson (its earlier member answered have, its new one
// not yet) is one PC that has the file, and two people on one PC are one
// PC waited for until one of them has it.
func TestFileReceiptCountsComputers(t *testing.T) {
	pc := func(i int) netip.AddrPort {
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}), 40000)
	}
	o := &outgoing{name: "Worksheet.pdf", members: map[wire.SenderID]*fileMember{}}
	add := func(id byte, nick string, host int, st wire.FileStatus) {
		o.members[wire.SenderID{id}] = &fileMember{peer: event.Peer{ID: wire.SenderID{id}, Nick: nick, Host: pc(host).Addr()}, status: st}
	}
	add(1, "pc1", 1, wire.FileHave)
	add(2, "pc1", 1, 0) // pc1 after its restart
	add(3, "pc2", 2, wire.FileHave)
	add(4, "Ann", 3, 0) // two people on pc3
	add(5, "Bob", 3, 0)
	add(6, "pc4", 4, wire.FileFailed)
	r := o.receipt(wire.FileID{})
	if r.Members != 4 || r.People != 6 || len(r.Have) != 2 || len(r.Waiting) != 1 || len(r.Failed) != 1 {
		t.Fatalf("receipt %+v; want 2 of 4 PCs have it, 1 waited for, 1 failed, 6 people", r)
	}
	if r.Have[0].Host != pc(1).Addr() || r.Have[1].Host != pc(2).Addr() || r.Waiting[0].Nick != "Ann" || r.Failed[0].Peer.Nick != "pc4" {
		t.Fatalf("named %+v", r)
	}
	o.members[wire.SenderID{5}].status = wire.FileHave // Bob has it: pc3 has it
	if r := o.receipt(wire.FileID{}); len(r.Have) != 3 || len(r.Waiting) != 0 {
		t.Fatalf("after Bob has it: %+v", r)
	}
}

// offerOf is a FILE_OFFER from sender from of a file holding content,
// with id n.
func offerOf(from, n byte, content []byte, now time.Time) wire.Packet {
	p := offer(from, n, now)
	o, _ := wire.ParseFileOffer(p.Body)
	o.Size, o.SHA256 = uint64(len(content)), sha256.Sum256(content)
	p.Body = wire.AppendFileOffer(nil, o)
	return p
}

// A PC restarted mid-lesson hears the presenter's file offered again: the
// copy in its folder (here under the name a second copy gets) is the
// file, answered for at once, and neither asked for nor saved again. A
// file of the same name and size but other bytes is fetched.
func TestFileAlreadyInTheFolderIsNotFetchedAgain(t *testing.T) {
	dir := t.TempDir()
	worksheet := []byte("the worksheet, chapter 3")
	other := []byte("another file, same size!")[:len(worksheet)]
	for name, b := range map[string][]byte{"notes.txt": other, "notes (2).txt": worksheet} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pt, env := newPart(t, dir)
	env.Step(pt, offerOf(1, 1, worksheet, env.Now), ann)
	env.Take()
	(<-env.Posted)(env.Now) // the folder was looked at
	n, got := count[event.FileReceived](env.Take())
	if n != 1 || !got.Already || got.Path != filepath.Join(dir, "notes (2).txt") {
		t.Fatalf("received %+v (%d)", got, n)
	}
	env.RunUntil(t, pt, env.Now.Add(time.Second))
	for _, p := range env.TakeWritten() {
		if p.Kind == wire.KindFileNack {
			t.Fatal("a block of a file already here was asked for")
		}
		if p.Kind == wire.KindFileDone {
			if d, _ := wire.ParseFileDone(p.Body); d.Status != wire.FileHave {
				t.Fatalf("answered %+v", d)
			}
		}
	}
	if named, _ := filepath.Glob(filepath.Join(dir, "notes*")); len(named) != 2 {
		t.Fatalf("files in the folder: %v; want the 2 there before", named)
	}

	// Same name and size, other bytes: fetched, and asked for at once.
	// (A second pass: the whole file was sent, all of it may be asked for.)
	third := offerOf(1, 2, []byte("a third file, same size!!")[:len(worksheet)], env.Now)
	o, _ := wire.ParseFileOffer(third.Body)
	o.Pass = 2
	third.Body = wire.AppendFileOffer(nil, o)
	env.Step(pt, third, ann)
	env.TakeWritten()
	pt.Tick(env.Now)
	for _, p := range env.TakeWritten() {
		if p.Kind == wire.KindFileNack {
			t.Fatal("asked for blocks before the folder was looked at")
		}
	}
	(<-env.Posted)(env.Now)
	if n, _ := count[event.FileReceived](env.Take()); n != 0 {
		t.Fatal("another file of the same name and size was taken for it")
	}
	pt.Tick(env.Now)
	nacks := 0
	for _, p := range env.TakeWritten() {
		if p.Kind == wire.KindFileNack {
			nacks++
		}
	}
	if nacks != 1 {
		t.Fatalf("%d asks for the file once the folder had no copy; want 1", nacks)
	}
}
