package e2e

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLabCatchUp: 3 hosts. A teacher presents a room; two PCs listen
// keeping history. One PC is switched off while the teacher makes three
// announcements, one long enough to go in pieces (which the teacher
// never pins again). Switched on, it asks the room for what it missed:
// the other PC answers from its history, and within a few seconds it
// shows all three, each once, and the teacher's receipts count it.
func TestLabCatchUp(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	lab := NewLab(t, 3)
	bin := Binary(t)
	const room = "Physics 101"
	ms, stdin := presenter(t, lab, bin, lab.Hosts[0], filepath.Join(t.TempDir(), "teacher.key"))
	defer stdin.Close()
	dirs := []string{t.TempDir(), t.TempDir()}
	listen := func(i int) *Proc {
		p := Start(t, "pc", lab.Command(lab.Hosts[1+i], bin, "listen", "-room", room, "-name", []string{"pc1", "pc2"}[i],
			"-json", "-history-dir", dirs[i]))
		p.WaitFor("joined", 1, 20*time.Second)
		return p
	}
	pc1, pc2 := listen(0), listen(1)
	ms.WaitFor("peer_joined", 2, 15*time.Second)
	if code, _ := pc2.Terminate(); code != 0 {
		t.Fatalf("pc2 ended with %d: %s", code, pc2.Stderr())
	}
	ms.WaitFor("peer_left", 1, 10*time.Second)

	said := []string{"Announcement 1: open chapter 3", "Homework: " + strings.Repeat("read pages 10 to 20 and answer every question. ", 40), "Announcement 3: quiz at 10:40"}
	for _, s := range said {
		if _, err := io.WriteString(stdin, "/announce "+s+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	pc1.WaitFor("message", len(said), 10*time.Second)
	time.Sleep(1500 * time.Millisecond) // pc2 stays off a moment longer

	pc2 = listen(1) // it has joined the room (found by name) when this returns
	on := time.Now()
	pc2.WaitFor("message", len(said), 10*time.Second)
	took := time.Since(on)
	shown := map[string]int{}
	caught := 0
	for _, m := range pc2.Events("message") {
		text, _ := m["text"].(string)
		shown[text]++
		if m["announcement"] != true || m["earlier"] != true {
			t.Fatalf("pc2 showed %v", m)
		}
		if m["caught_up"] == true {
			caught++
		}
	}
	for _, s := range said {
		if shown[s] != 1 {
			t.Fatalf("pc2 showed %.30q %d times", s, shown[s])
		}
	}
	if shown[said[1]] == 1 && caught == 0 {
		t.Fatal("nothing was caught up: the long announcement came some other way")
	}
	sent := ms.Events("sent")
	last := sent[len(sent)-1]["seq"]
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok := false
		for _, r := range ms.Events("receipt") {
			ok = ok || r["seq"] == last && r["received"] == float64(2) && r["members"] == float64(2)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the teacher's receipts did not count pc2: %v", ms.Events("receipt"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("pc2, switched on, showed the %d announcements it missed %v after joining (%d caught up from pc1's history)", len(said), took.Round(10*time.Millisecond), caught)
}
