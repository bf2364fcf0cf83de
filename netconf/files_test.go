package netconf

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/groupcast/groupcast/internal/lossy"
	"github.com/groupcast/groupcast/internal/memnet"
	"github.com/groupcast/groupcast/netconf/wire"
)

// joinSaving joins the bus with a save folder, its inbound datagrams
// suffering f.
func joinSaving(t *testing.T, hub *memnet.Hub, nick string, f lossy.Faults) (*busMember, string) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Nick, cfg.SaveDir = nick, t.TempDir()
	m := joinWith(t, hub, cfg, f, DefaultTiming())
	t.Cleanup(func() { _ = m.e.Close() })
	return m, cfg.SaveDir
}

func randomFile(t *testing.T, size int) (string, []byte) {
	t.Helper()
	b := make([]byte, size)
	_, _ = rand.Read(b)
	path := filepath.Join(t.TempDir(), "worksheet.pdf")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, b
}

// TestFileToTheRoomUnderLoss: a 3 MB file to four members who each lose
// 5% of what reaches them (NACKs, offers and answers too) arrives whole
// at each, under its name, and the sender's receipt says 4 of 4.
func TestFileToTheRoomUnderLoss(t *testing.T) {
	hub := memnet.NewHub()
	sender := joinBus(t, hub, "Ms Lee", lossy.Faults{}, DefaultTiming())
	defer sender.e.Close()
	type rx struct {
		m   *busMember
		dir string
	}
	var rxs []rx
	for i, nick := range []string{"PC01", "PC02", "PC03", "PC04"} {
		m, dir := joinSaving(t, hub, nick, lossy.Faults{Drop: 0.05, Seed: uint64(i + 1)})
		rxs = append(rxs, rx{m, dir})
	}
	waitPeers(t, sender.e, 4)
	path, content := randomFile(t, 3<<20+123)
	want := sha256.Sum256(content)
	sender.e.Do(SendFile{Path: path})

	results := make(chan string, len(rxs))
	for _, r := range rxs {
		go func() {
			for ev := range r.m.e.Events() {
				switch ev := ev.(type) {
				case FileReceived:
					results <- ev.Path + "|" + ev.SHA256
					return
				case FileFailed:
					results <- "failed: " + ev.Reason
					return
				}
			}
		}()
	}
	for range rxs {
		select {
		case got := <-results:
			path, sum, _ := strings.Cut(got, "|")
			if sum != hex.EncodeToString(want[:]) || filepath.Base(path) != "worksheet.pdf" {
				t.Fatalf("received %q", got)
			}
			b, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(b, content) {
				t.Fatalf("the file saved differs: %v", err)
			}
		case <-time.After(60 * time.Second):
			t.Fatal("a receiver did not get the file within 60 s")
		}
	}
	ev := waitEvent(t, sender.e, 20*time.Second, func(ev Event) bool {
		r, ok := ev.(FileReceipt)
		return ok && r.Done
	})
	if r := ev.(FileReceipt); len(r.Have) != 4 || r.Members != 4 || len(r.Failed) != 0 {
		t.Fatalf("receipt %+v", r)
	}
	for _, r := range rxs {
		if left, _ := filepath.Glob(filepath.Join(r.dir, ".groupcast-*")); len(left) != 0 {
			t.Fatalf("temporary files left: %v", left)
		}
	}
}

// receipt waits for the sender's final receipt.
func finalReceipt(t *testing.T, e *Engine, limit time.Duration) FileReceipt {
	t.Helper()
	return waitEvent(t, e, limit, func(ev Event) bool {
		r, ok := ev.(FileReceipt)
		return ok && r.Done
	}).(FileReceipt)
}

// TestFileRefusedSaysWhy: a member whose folder cannot be written, one
// whose limit is smaller than the file and one that saves no files each
// tell the sender why, and the sender's receipt names them, while the
// member that can take it has it.
func TestFileRefusedSaysWhy(t *testing.T) {
	hub := memnet.NewHub()
	sender := joinBus(t, hub, "Ms Lee", lossy.Faults{}, DefaultTiming())
	defer sender.e.Close()
	good, gooddir := joinSaving(t, hub, "PC01", lossy.Faults{})
	notADir := filepath.Join(t.TempDir(), "a file")
	if err := os.WriteFile(notADir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	join := func(nick string, mod func(*Config)) *busMember {
		cfg := DefaultConfig()
		cfg.Nick = nick
		mod(&cfg)
		m := joinWith(t, hub, cfg, lossy.Faults{}, DefaultTiming())
		t.Cleanup(func() { _ = m.e.Close() })
		drain(m.e)
		return m
	}
	join("PC02", func(c *Config) { c.SaveDir = filepath.Join(notADir, "sub") })
	join("PC03", func(c *Config) { c.SaveDir, c.MaxFileSize = t.TempDir(), 1000 })
	join("PC04", func(*Config) {})
	drain(good.e)
	waitPeers(t, sender.e, 4)
	path, content := randomFile(t, 200_000)
	sender.e.Do(SendFile{Path: path})
	r := finalReceipt(t, sender.e, 20*time.Second)
	if len(r.Have) != 1 || r.Have[0].Nick != "PC01" || len(r.Failed) != 3 || len(r.Waiting) != 0 {
		t.Fatalf("receipt %+v", r)
	}
	why := map[string]string{}
	for _, f := range r.Failed {
		why[f.Peer.Nick] = f.Reason
	}
	for nick, want := range map[string]string{"PC02": "could not write", "PC03": "larger than its limit", "PC04": "did not take it"} {
		if !strings.Contains(why[nick], want) {
			t.Errorf("%s: %q, want %q", nick, why[nick], want)
		}
	}
	b, err := os.ReadFile(filepath.Join(gooddir, "worksheet.pdf"))
	if err != nil || !bytes.Equal(b, content) {
		t.Fatalf("PC01's copy: %v", err)
	}
}

// TestLateJoinerGetsTheFileInALaterPass: a member who joins after every
// member had the file still gets it, whole, while the sender stays.
func TestLateJoinerGetsTheFileInALaterPass(t *testing.T) {
	hub := memnet.NewHub()
	sender := joinBus(t, hub, "Ms Lee", lossy.Faults{}, DefaultTiming())
	defer sender.e.Close()
	first, _ := joinSaving(t, hub, "PC01", lossy.Faults{})
	drain(first.e)
	waitPeers(t, sender.e, 1)
	path, content := randomFile(t, 1<<20)
	sender.e.Do(SendFile{Path: path})
	if r := finalReceipt(t, sender.e, 20*time.Second); len(r.Have) != 1 {
		t.Fatalf("receipt %+v", r)
	}
	late, dir := joinSaving(t, hub, "PC02", lossy.Faults{Drop: 0.02, Seed: 5})
	ev := waitEvent(t, late.e, 20*time.Second, func(ev Event) bool {
		_, ok := ev.(FileReceived)
		return ok
	}).(FileReceived)
	b, err := os.ReadFile(filepath.Join(dir, "worksheet.pdf"))
	if err != nil || !bytes.Equal(b, content) || ev.Path != filepath.Join(dir, "worksheet.pdf") {
		t.Fatalf("the late joiner's copy: %v (%+v)", err, ev)
	}
	r := finalReceipt(t, sender.e, 20*time.Second)
	if len(r.Have) != 2 {
		t.Fatalf("after the later pass: %+v", r)
	}
}

// TestNoOverwrite: a file arriving under a name already taken gets
// " (2)", and the file there stays as it was.
func TestNoOverwrite(t *testing.T) {
	hub := memnet.NewHub()
	sender := joinBus(t, hub, "Ms Lee", lossy.Faults{}, DefaultTiming())
	defer sender.e.Close()
	rx, dir := joinSaving(t, hub, "PC01", lossy.Faults{})
	if err := os.WriteFile(filepath.Join(dir, "worksheet.pdf"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitPeers(t, sender.e, 1)
	path, content := randomFile(t, 5000)
	sender.e.Do(SendFile{Path: path})
	ev := waitEvent(t, rx.e, 20*time.Second, func(ev Event) bool { _, ok := ev.(FileReceived); return ok }).(FileReceived)
	if filepath.Base(ev.Path) != "worksheet (2).pdf" {
		t.Fatalf("saved as %s", ev.Path)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "worksheet.pdf")); string(b) != "mine" {
		t.Fatal("the file there was overwritten")
	}
	if b, _ := os.ReadFile(ev.Path); !bytes.Equal(b, content) {
		t.Fatal("the new file differs")
	}
}

// TestFileOfferFlood: a computer offering a thousand files gets four
// taken (and reported) and the rest ignored, said once; a block naming
// one of its files from another sender id is not written.
func TestFileOfferFlood(t *testing.T) {
	hub := memnet.NewHub()
	rx, dir := joinSaving(t, hub, "PC01", lossy.Faults{})
	f := newForger(t, hub)
	id := wire.SenderID{9, 9}
	for i := range 1000 {
		o := wire.FileOffer{ID: wire.FileID{1, byte(i >> 8), byte(i)}, Size: 10_000, BlockSize: 1000, Group: 128, Pass: 1, Name: fmt.Sprintf("f%d.txt", i)}
		f.send(wire.Packet{Kind: wire.KindFileOffer, Sender: id, Body: wire.AppendFileOffer(nil, o)})
	}
	// A block of the first file, from another sender: not that file's.
	f.send(wire.Packet{Kind: wire.KindFileBlock, Sender: wire.SenderID{6}, Seq: 0, Body: wire.AppendFileBlock(nil, wire.FileID{1, 0, 0}, make([]byte, 1000))})
	offered, flood := 0, 0
	deadline := time.After(3 * time.Second)
	for flood == 0 {
		select {
		case ev := <-rx.e.Events():
			switch ev := ev.(type) {
			case FileOffered:
				offered++
			case Unreadable:
				if ev.Reason == UnreadableFileFlood {
					flood++
				}
			}
		case <-deadline:
			t.Fatalf("no flood report; %d offers reported", offered)
		}
	}
	for settle := time.After(300 * time.Millisecond); ; {
		select {
		case ev := <-rx.e.Events():
			if _, ok := ev.(FileOffered); ok {
				offered++
			}
			continue
		case <-settle:
		}
		break
	}
	if offered != fileOffersPerHost {
		t.Fatalf("%d offers reported; want %d", offered, fileOffersPerHost)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".groupcast-*")); len(left) != fileOffersPerHost {
		t.Fatalf("%d temporary files", len(left))
	}
}

// TestReadOnlyRoomFiles: in a read-only room a student's window or
// command does not send a file (said at once); a modified client's offer,
// even under the teacher's name, is refused by every member (said once);
// the presenter's arrives, marked as the presenter's.
func TestReadOnlyRoomFiles(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	room := &Room{Name: "Physics 101", Group: DefaultGroup, Presenter: "Ms Lee", PresenterKey: pub, ReadOnly: true}
	hub := memnet.NewHub()
	teacher := joinRoom(t, hub, "Ms Lee", room, priv)
	defer teacher.e.Close()
	cfg := DefaultConfig()
	cfg.Nick, cfg.Room, cfg.SaveDir = "PC01", room, t.TempDir()
	student := joinWith(t, hub, cfg, lossy.Faults{}, DefaultTiming())
	defer student.e.Close()
	// The teacher first: waitPeers counts the joins it sees, and a later
	// wait could take the teacher's and leave it short.
	waitPeers(t, student.e, 1)
	path, content := randomFile(t, 10_000)
	student.e.Do(SendFile{Path: path})
	ev := waitEvent(t, student.e, 5*time.Second, func(ev Event) bool { _, ok := ev.(FileFailed); return ok }).(FileFailed)
	if !strings.Contains(ev.Reason, "read-only") || ev.Why.Text != wFileReadOnly {
		t.Fatalf("a student's file: %q", ev.Reason)
	}

	// A modified client: it believes the room open, names itself after
	// the teacher and signs with a key of its own.
	_, forger, _ := ed25519.GenerateKey(nil)
	rogueRoom := &Room{Name: room.Name, Group: DefaultGroup, PresenterKey: forger.Public().(ed25519.PublicKey)}
	rogue := joinRoom(t, hub, "Ms Lee", rogueRoom, forger)
	defer rogue.e.Close()
	drain(rogue.e)
	waitPeers(t, student.e, 1)
	rogue.e.Do(SendFile{Path: path})
	u := waitEvent(t, student.e, 5*time.Second, func(ev Event) bool {
		switch ev := ev.(type) {
		case FileOffered:
			t.Fatalf("the rogue's offer was taken: %+v", ev)
		case Unreadable:
			return ev.Reason == UnreadableReadOnlyFile
		}
		return false
	}).(Unreadable)
	if !strings.Contains(u.Sentence(), "read-only room") {
		t.Fatalf("refusal: %q", u.Sentence())
	}

	teacher.e.Do(SendFile{Path: path})
	offered := waitEvent(t, student.e, 10*time.Second, func(ev Event) bool {
		if o, ok := ev.(FileOffered); ok && !o.Presenter {
			t.Fatalf("an offer not the presenter's was taken: %+v", o)
		}
		_, ok := ev.(FileOffered)
		return ok
	}).(FileOffered)
	if !offered.From.Presenter || !offered.Saving {
		t.Fatalf("the presenter's offer: %+v", offered)
	}
	got := waitEvent(t, student.e, 10*time.Second, func(ev Event) bool { _, ok := ev.(FileReceived); return ok }).(FileReceived)
	if b, _ := os.ReadFile(got.Path); !bytes.Equal(b, content) {
		t.Fatal("the presenter's file arrived different")
	}
	if st := student.e.Stats(); st.ReadOnlyDropped == 0 {
		t.Fatalf("the rogue's offers were not counted: %+v", st)
	}
}

// TestPresenterFileIsPinned: a presenter's file stays offered after
// everyone has it, past the linger of anyone else's, so a student who
// joins later gets it, shown as the presenter's; a fifth file retires
// the oldest rather than being refused.
func TestPresenterFileIsPinned(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	room := &Room{Name: "Physics 101", Group: DefaultGroup, Presenter: "Ms Lee", PresenterKey: pub}
	hub := memnet.NewHub()
	short := DefaultTiming()
	short.FileLinger = 100 * time.Millisecond
	tcfg := DefaultConfig()
	tcfg.Nick, tcfg.Room, tcfg.Presenter = "Ms Lee", room, priv
	teacher := joinWith(t, hub, tcfg, lossy.Faults{}, short)
	defer teacher.e.Close()
	bcfg := DefaultConfig()
	bcfg.Nick, bcfg.Room = "Bob", room
	bob := joinWith(t, hub, bcfg, lossy.Faults{}, short)
	defer bob.e.Close()
	first, _ := joinSaving(t, hub, "PC01", lossy.Faults{})
	drain(first.e)
	waitPeers(t, teacher.e, 2)
	waitPeers(t, bob.e, 2)

	path, content := randomFile(t, 200_000)
	teacher.e.Do(SendFile{Path: path})
	bob.e.Do(SendFile{Path: path})
	for _, e := range []*Engine{teacher.e, bob.e} {
		if r := finalReceipt(t, e, 20*time.Second); len(r.Have) != 1 {
			t.Fatalf("receipt %+v", r)
		}
	}
	time.Sleep(500 * time.Millisecond) // Bob's file is no longer offered

	cfg := DefaultConfig()
	cfg.Nick, cfg.Room, cfg.SaveDir = "PC02", room, t.TempDir()
	late := joinWith(t, hub, cfg, lossy.Faults{}, DefaultTiming())
	defer late.e.Close()
	var from []string
	got := waitEvent(t, late.e, 20*time.Second, func(ev Event) bool {
		if o, ok := ev.(FileOffered); ok {
			from = append(from, o.From.Nick)
			if !o.Presenter {
				t.Fatalf("a file offered after its linger: %+v", o)
			}
		}
		_, ok := ev.(FileReceived)
		return ok
	}).(FileReceived)
	if b, _ := os.ReadFile(got.Path); !bytes.Equal(b, content) || len(from) != 1 || from[0] != "Ms Lee" {
		t.Fatalf("the late joiner's copy (offers from %v)", from)
	}

	// Four more: the first is retired to make room, none refused.
	for i := range maxOutgoing {
		teacher.e.Do(SendFile{Path: path})
		waitEvent(t, teacher.e, 20*time.Second, func(ev Event) bool {
			if f, ok := ev.(FileFailed); ok {
				t.Fatalf("file %d of the presenter's: %+v", i+2, f)
			}
			r, ok := ev.(FileReceipt)
			return ok && r.Done
		})
	}
}

// TestChatDoesNotWaitForAFileToBeHashed: the SHA-256 of a file offered is
// taken beside the loop, not in it: a message typed just after offering
// a large file goes out before the file's offer does (it once waited for
// the whole file to be read).
func TestChatDoesNotWaitForAFileToBeHashed(t *testing.T) {
	hub := memnet.NewHub()
	sender := joinBus(t, hub, "Ms Lee", lossy.Faults{}, DefaultTiming())
	defer sender.e.Close()
	path := filepath.Join(t.TempDir(), "video.mp4")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(512 << 20); err != nil { // sparse: read as zeros
		t.Fatal(err)
	}
	_ = f.Close()
	sender.e.Do(SendFile{Path: path})
	sender.e.Do(Send{Text: "here it comes"})
	ev := waitEvent(t, sender.e, 30*time.Second, func(ev Event) bool {
		switch ev.(type) {
		case Sent, FileProgress, FileFailed:
			return true
		}
		return false
	})
	if _, ok := ev.(Sent); !ok {
		t.Fatalf("the message waited for the file to be hashed: first came %#v", ev)
	}
	p := waitEvent(t, sender.e, 30*time.Second, func(ev Event) bool { _, ok := ev.(FileProgress); return ok }).(FileProgress)
	if !p.Sending || p.Size != 512<<20 {
		t.Fatalf("the file's first progress: %+v", p)
	}
}
