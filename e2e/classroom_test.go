package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
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
