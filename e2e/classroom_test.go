package e2e

import (
	"crypto/ed25519"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/groupcast/groupcast/netconf/rooms"
)

// TestLabClassroom: 22 hosts. A presenter in the read-only room
// "Physics 101"; rooms -json on another host lists it; 20 PCs join it by
// name; one announcement reaches all 20 and the presenter prints a receipt
// with received 20; a student's send is refused and a modified client's
// post shows on no PC; the presenter's reply, a message, reaches the 20
// as the presenter's and not as an announcement; a PC joining afterwards
// gets the pinned announcement, marked earlier, and not the reply.
func TestLabClassroom(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	lab := NewLab(t, 22)
	bin := Binary(t)
	const room, group = "Physics 101", "239.255.20.1:2020"
	keyFile := filepath.Join(t.TempDir(), "presenter.key")

	presenterCmd := lab.Command(lab.Hosts[0], bin, "chat", "-room", room, "-group", group, "-present", "-readonly",
		"-presenter-key", keyFile, "-name", "Ms Lee", "-json")
	stdin, err := presenterCmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	presenter := Start(t, "presenter", presenterCmd)
	presenter.WaitFor("joined", 1, 10*time.Second)

	code, out, errOut := lab.Run(lab.Hosts[1], bin, "rooms", "-json", "-wait", "7s")
	if code != 0 || !strings.Contains(out, `"name":"Physics 101","group":"239.255.20.1:2020"`) || !strings.Contains(out, `"readonly":true`) {
		t.Fatalf("rooms: exit %d, %s %s", code, out, errOut)
	}

	pcs := joinByName(t, lab, bin, lab.Hosts[2:], room)
	presenter.WaitFor("peer_joined", 20, 15*time.Second)

	if _, err := stdin.Write([]byte("/announce Open chapter 3\n")); err != nil {
		t.Fatal(err)
	}
	for _, p := range pcs {
		p.WaitFor("message", 1, 10*time.Second)
		m := p.Events("message")[0]
		if m["text"] != "Open chapter 3" || m["announcement"] != true || m["from"] != "Ms Lee" {
			t.Fatalf("%s got %v", p.Name, m)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	var full map[string]any
	for full == nil && time.Now().Before(deadline) {
		for _, r := range presenter.Events("receipt") {
			if r["received"] == 20.0 && r["members"] == 20.0 {
				full = r
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if full == nil {
		t.Fatalf("no receipt with received 20: %v", presenter.Events("receipt"))
	}

	// A student may not post; a modified client that ignores the room's
	// rules reaches no screen.
	code, _, errOut = lab.Run(lab.Hosts[2], bin, "send", "-room", room, "-name", "pc1", "no homework today")
	if code != 2 || !strings.Contains(errOut, "read-only") {
		t.Fatalf("student send: exit %d, %s", code, errOut)
	}
	code, _, errOut = lab.Run(lab.Hosts[2], bin, "send", "-group", group, "-name", "Ms Lee", "no homework today")
	if code != 0 {
		t.Fatalf("raw send: exit %d, %s", code, errOut)
	}
	// The teacher answers: a message, signed, not an announcement.
	if _, err := stdin.Write([]byte("Yes, chapter 3 only.\n")); err != nil {
		t.Fatal(err)
	}
	for _, p := range pcs {
		p.WaitFor("message", 2, 10*time.Second)
		if m := p.Events("message")[1]; m["text"] != "Yes, chapter 3 only." || m["presenter"] != true || m["announcement"] == true {
			t.Fatalf("%s got the teacher's reply as %v", p.Name, m)
		}
	}

	late := Start(t, "late", lab.Command(lab.Hosts[1], bin, "listen", "-room", room, "-name", "late", "-json"))
	late.WaitFor("message", 1, 15*time.Second)
	if m := late.Events("message")[0]; m["text"] != "Open chapter 3" || m["earlier"] != true || m["announcement"] != true {
		t.Fatalf("the late PC got %v", m)
	}
	time.Sleep(500 * time.Millisecond)
	for _, p := range append(pcs, late) {
		for _, m := range p.Events("message") {
			if m["text"] == "no homework today" {
				t.Fatalf("%s showed the modified client's post", p.Name)
			}
			if p == late && m["text"] == "Yes, chapter 3 only." {
				t.Fatal("the late PC was pinned the teacher's reply")
			}
		}
		if code := p.Stop(); code != 0 {
			t.Errorf("%s exited %d", p.Name, code)
		}
	}
	_ = stdin.Close()
	select {
	case <-presenter.done:
	case <-time.After(20 * time.Second):
		t.Fatal("the presenter did not leave at end of input")
	}
	if presenter.code != 0 {
		t.Fatalf("presenter exited %d: %s", presenter.code, presenter.Stderr())
	}
	t.Logf("receipt: %v", full)
}

// TestLabPCsStartBeforeTheTeacher: 8 hosts, deployed as CLASSROOM.md
// says. Six PCs start listen -room "Chemistry 9" -room-key KEY 6 s before
// the teacher: each says once that it waits, and joins within 2 s of the
// teacher's room appearing (the teacher's joined). groupcast rooms -wait
// 1s lists the room, and a PC joining by name without the key is in
// within 2 s. The teacher stops and starts again on the same group (the
// PCs stay), then on another group: every PC follows it there. The
// figures are printed.
func TestLabPCsStartBeforeTheTeacher(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	lab := NewLab(t, 8)
	bin := Binary(t)
	const room = "Chemistry 9"
	keyFile := filepath.Join(t.TempDir(), "teacher.key")
	key, _, err := rooms.LoadPresenterKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	fp := rooms.Fingerprint(key.Public().(ed25519.PublicKey))

	var pcs []*Proc
	for i, h := range lab.Hosts[1:7] {
		name := fmt.Sprintf("pc%d", i+1)
		pcs = append(pcs, Start(t, name, lab.Command(h, bin, "listen", "-room", room, "-room-key", fp, "-name", name, "-json")))
	}
	for _, p := range pcs {
		p.WaitFor("waiting", 1, 10*time.Second)
	}
	time.Sleep(6*time.Second - time.Since(pcs[0].Started))

	teacher := func(more ...string) (*Proc, io.WriteCloser) {
		return presenterOf(t, lab, bin, lab.Hosts[0], keyFile, room, more...)
	}
	ms, stdin := teacher()
	group := ms.Events("joined")[0]["group"]
	appeared := ms.At("joined", 0)
	t.Logf("the teacher was in %v after it started", appeared.Sub(ms.Started).Round(time.Millisecond))
	var delays []string
	for _, p := range pcs {
		p.WaitFor("joined", 1, 10*time.Second)
		d := p.At("joined", 0).Sub(appeared)
		delays = append(delays, d.Round(time.Millisecond).String())
		if g := p.Events("joined")[0]["group"]; g != group || d > 2*time.Second {
			t.Errorf("%s joined %v %v after the room appeared; the teacher is on %v", p.Name, g, d, group)
		}
		if n := strings.Count(p.Stderr(), "Waiting for "+room+" (key "+fp+") to start…"); n != 1 {
			t.Errorf("%s said %d times that it waits: %s", p.Name, n, p.Stderr())
		}
	}
	t.Logf("PCs started 6 s before the teacher joined %v after its room appeared", delays)

	lister := Start(t, "rooms", lab.Command(lab.Hosts[7], bin, "rooms", "-json", "-wait", "1s"))
	lister.WaitFor("room", 1, 5*time.Second)
	late := Start(t, "late", lab.Command(lab.Hosts[7], bin, "listen", "-room", room, "-name", "late", "-json"))
	late.WaitFor("joined", 1, 10*time.Second)
	listed, joined := lister.At("room", 0).Sub(lister.Started), late.At("joined", 0).Sub(late.Started)
	t.Logf("rooms -wait 1s listed the room %v after it started; a PC joining by name was in after %v", listed.Round(time.Millisecond), joined.Round(time.Millisecond))
	if joined > 2*time.Second {
		t.Errorf("joining by name took %v", joined)
	}
	pcs = append(pcs, late)
	say := func(text string) {
		t.Helper()
		before := map[*Proc]int{}
		for _, p := range pcs {
			before[p] = len(p.Events("message"))
		}
		if _, err := io.WriteString(stdin, text+"\n"); err != nil {
			t.Fatal(err)
		}
		for _, p := range pcs {
			p.WaitFor("message", before[p]+1, 10*time.Second)
			if m := p.Events("message")[before[p]]; m["text"] != text {
				t.Fatalf("%s got %v", p.Name, m)
			}
		}
	}
	say("Open chapter 3")

	// The teacher's program restarts: same group, the PCs stay.
	_ = ms.Stop()
	ms, stdin = teacher()
	if g := ms.Events("joined")[0]["group"]; g != group {
		t.Fatalf("the restarted teacher is on %v, the PCs on %v", g, group)
	}
	say("Chapter 3, page 2")

	// And again on another group: every PC follows.
	_ = ms.Stop()
	const elsewhere = "239.255.77.7:2020"
	ms, stdin = teacher("-group", elsewhere)
	appeared = ms.At("joined", 0)
	delays = nil
	for _, p := range pcs {
		p.WaitFor("room_moved", 1, 10*time.Second)
		p.WaitFor("joined", 2, 10*time.Second)
		d := p.At("joined", 1).Sub(appeared)
		delays = append(delays, d.Round(time.Millisecond).String())
		if g := p.Events("joined")[1]["group"]; g != elsewhere || d > 2*time.Second {
			t.Errorf("%s joined %v %v after the room moved there", p.Name, g, d)
		}
	}
	t.Logf("PCs followed the room to another group %v after it appeared there", delays)
	say("Chapter 4")
	_ = stdin.Close()
	for _, p := range pcs {
		if code := p.Stop(); code != 0 {
			t.Errorf("%s exited %d: %s", p.Name, code, p.Stderr())
		}
	}
	_ = ms.Stop()
}
