package e2e

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLabPresenterRestartsBesideAnImpostor: 6 hosts. A teacher starts the
// read-only room "Physics 101" by name alone (its group comes from the
// name); three PCs join it by name and get announcement 1. A student then
// announces the same room name, on the same group, with a key of their
// own: a fourth PC joining by name is refused, told there are two; a
// fifth, whose settings name the teacher's key, joins the teacher's room.
// The teacher's program is stopped and started again in the middle of the
// lesson: it finds its own room beside the impostor's (or starts it on
// the same group), and announcement 2 reaches the four PCs.
func TestLabPresenterRestartsBesideAnImpostor(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	lab := NewLab(t, 6)
	bin := Binary(t)
	const room = "Physics 101"
	keyFile := filepath.Join(t.TempDir(), "teacher.key")
	teacher := func() (*Proc, io.WriteCloser) { return presenter(t, lab, bin, lab.Hosts[0], keyFile) }

	ms, stdin := teacher()
	group := ms.Events("joined")[0]["group"].(string)
	pcs := joinByName(t, lab, bin, lab.Hosts[1:4], room)
	for _, p := range pcs {
		if g := p.Events("joined")[0]["group"]; g != group {
			t.Fatalf("%s joined %v, the teacher %v", p.Name, g, group)
		}
	}
	ms.WaitFor("peer_joined", 3, 15*time.Second)
	if _, err := io.WriteString(stdin, "/announce Announcement 1\n"); err != nil {
		t.Fatal(err)
	}
	for _, p := range pcs {
		p.WaitFor("message", 1, 10*time.Second)
	}
	waitReceipt(t, ms, 3, 3)

	// A student announces the room with a key of their own.
	impostorCmd := lab.Command(lab.Hosts[5], bin, "chat", "-room", room, "-group", group, "-present", "-readonly",
		"-presenter-key", filepath.Join(t.TempDir(), "student.key"), "-name", "Ms Lee", "-json")
	impostorIn, err := impostorCmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	impostor := Start(t, "impostor", impostorCmd)
	impostor.WaitFor("joined", 1, 15*time.Second)
	time.Sleep(time.Second) // its first announcements are out
	code, _, errOut := lab.Run(lab.Hosts[4], bin, "listen", "-room", room, "-name", "pc4")
	if code != 2 || !strings.Contains(errOut, "2 rooms are announced as") || !strings.Contains(errOut, "impostor") {
		t.Fatalf("a PC joining by name beside the impostor: exit %d, %s", code, errOut)
	}
	t.Logf("pc4 was told: %s", strings.TrimSpace(errOut))
	// A PC whose settings name the teacher's key joins the teacher's room
	// beside the impostor's, without asking.
	_, fp, ok := strings.Cut(ms.Stderr(), "* presenting "+room+" with key ")
	if !ok {
		t.Fatalf("the teacher does not show its key: %s", ms.Stderr())
	}
	fp = strings.TrimSpace(strings.SplitN(fp, "\n", 2)[0])
	pinned := Start(t, "pc5", lab.Command(lab.Hosts[4], bin, "listen", "-room", room, "-room-key", fp, "-name", "pc5", "-json"))
	pinned.WaitFor("joined", 1, 20*time.Second)
	pcs = append(pcs, pinned)

	// The teacher's program restarts in the middle of the lesson.
	_ = stdin.Close()
	if code := ms.Stop(); code != 0 {
		t.Fatalf("teacher exited %d", code)
	}
	ms, stdin = teacher()
	if g := ms.Events("joined")[0]["group"]; g != group {
		t.Fatalf("the restarted teacher joined %v, its students are on %v", g, group)
	}
	ms.WaitFor("peer_joined", 5, 15*time.Second) // the four PCs and the impostor
	before := map[*Proc]int{}
	for _, p := range pcs {
		before[p] = len(p.Events("message"))
	}
	if _, err := io.WriteString(stdin, "/announce Announcement 2\n"); err != nil {
		t.Fatal(err)
	}
	for _, p := range pcs {
		p.WaitFor("message", before[p]+1, 10*time.Second)
		if m := p.Events("message")[before[p]]; m["text"] != "Announcement 2" || m["announcement"] != true {
			t.Fatalf("%s got %v", p.Name, m)
		}
	}
	// The four PCs have it; the impostor's computer, in a room of its own
	// key, shows the teacher's announcements to nobody and is named.
	r := waitReceipt(t, ms, 4, 5)
	if missing := fmt.Sprint(r["missing"]); !strings.Contains(missing, "Ms Lee ("+lab.Addr(lab.Hosts[5]).String()+")") {
		t.Fatalf("the impostor's computer is not the one missing: %v", r)
	}
	_, _ = io.WriteString(impostorIn, "/announce FAKE: exam moved to today, 8am\n")
	time.Sleep(time.Second)
	for _, p := range pcs {
		for _, m := range p.Events("message") {
			if m["text"] == "FAKE: exam moved to today, 8am" {
				t.Fatalf("%s showed the impostor's post", p.Name)
			}
		}
	}
	_ = impostorIn.Close()
	_ = stdin.Close()
}

// TestLabAnnouncementMissedDuringADrop: 4 hosts. A PC's input is dropped
// for 5 s while the teacher announces; once it is back it gets the
// announcement within a few seconds, without anyone joining, and the
// teacher's receipts reach 3 of 3.
func TestLabAnnouncementMissedDuringADrop(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	lab := NewLab(t, 4)
	bin := Binary(t)
	const room = "Physics 101"
	ms, stdin := presenter(t, lab, bin, lab.Hosts[0], filepath.Join(t.TempDir(), "teacher.key"))
	pcs := joinByName(t, lab, bin, lab.Hosts[1:], room)
	ms.WaitFor("peer_joined", 3, 15*time.Second)

	cut := lab.Hosts[3]
	dropped := lab.DropUDP(cut, 100)
	time.Sleep(500 * time.Millisecond)
	if _, err := io.WriteString(stdin, "/announce Announcement 2\n"); err != nil {
		t.Fatal(err)
	}
	pcs[0].WaitFor("message", 1, 10*time.Second)
	time.Sleep(4500 * time.Millisecond) // 5 s cut off in all
	n := dropped()
	lab.StopDropping(cut)
	back := time.Now()
	pcs[2].WaitFor("message", 1, 10*time.Second)
	t.Logf("the PC cut off (%d datagrams dropped) had the announcement %v after it was back", n, time.Since(back).Round(10*time.Millisecond))
	if m := pcs[2].Events("message")[0]; m["text"] != "Announcement 2" || m["announcement"] != true {
		t.Fatalf("the PC cut off got %v", m)
	}
	waitReceipt(t, ms, 3, 3)
	_ = stdin.Close()
}

// TestLabForgedRoomDeletion: 3 hosts. While a teacher presents "Physics
// 101", a student captures its room announcement and sends it back with
// the SAP deletion flag set, a deletion without the teacher's signature
// and one signed by a key of their own. A directory listening meanwhile
// on another host deletes nothing, and a PC joining by name gets the
// room; the teacher's own deletion, when it leaves, is honoured.
func TestLabForgedRoomDeletion(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	lab := NewLab(t, 3)
	bin := Binary(t)
	hostile := Tool(t, "gchostile")
	const room = "Physics 101"
	ms, stdin := presenter(t, lab, bin, lab.Hosts[0], filepath.Join(t.TempDir(), "teacher.key"))
	defer stdin.Close()

	listed := make(chan string, 1)
	go func() { // a directory listening while the attack goes on
		_, out, _ := lab.Run(lab.Hosts[2], bin, "rooms", "-json", "-wait", "9s")
		listed <- out
	}()
	code, out, errOut := lab.Run(lab.Hosts[1], hostile, "sapdelete", "-group", "239.255.255.255:9875", "-iface", "eth0")
	if code != 0 || !strings.Contains(out, `"room":"Physics 101"`) {
		t.Fatalf("the attack did not run: exit %d, %s %s", code, out, errOut)
	}
	if got := <-listed; !strings.Contains(got, `"name":"Physics 101"`) || strings.Contains(got, "room_deleted") {
		t.Fatalf("a directory listening during the attack lost the room: %s", got)
	}
	pc := Start(t, "pc", lab.Command(lab.Hosts[2], bin, "listen", "-room", room, "-name", "pc1", "-json"))
	pc.WaitFor("joined", 1, 20*time.Second)
	t.Logf("attack: %s", strings.TrimSpace(out))

	// The teacher's own deletion, when it leaves, is honoured.
	go func() {
		_, out, _ := lab.Run(lab.Hosts[2], bin, "rooms", "-json", "-wait", "9s")
		listed <- out
	}()
	time.Sleep(6 * time.Second) // the directory has heard the room
	_ = stdin.Close()
	ms.WaitFor("left", 1, 30*time.Second)
	if got := <-listed; !strings.Contains(got, `"event":"room_deleted","name":"Physics 101"`) {
		t.Fatalf("the teacher's own deletion was not honoured: %s", got)
	}
}

// TestLabReplayedAnnouncement: 4 hosts. A student's computer records a
// lesson: the teacher's announcement, and its pinned copy for a PC that
// joined late. The teacher's program is started again for the next
// lesson; a PC joins it by name, another stayed joined throughout. The
// student replays the recording as it was, and each signed DATA of it
// relabelled as pinned. Neither PC shows the old announcement again
// (before, it was shown as an announcement, "earlier"); the one that
// joined says an announcement of an earlier session was refused; both
// show the teacher's next one.
func TestLabReplayedAnnouncement(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	lab := NewLab(t, 4)
	bin := Binary(t)
	hostile := Tool(t, "gchostile")
	const room, old = "Physics 101", "FAKE: exam moved to today, 8am"
	keyFile := filepath.Join(t.TempDir(), "teacher.key")
	ms, stdin := presenter(t, lab, bin, lab.Hosts[0], keyFile)
	group := ms.Events("joined")[0]["group"].(string)
	stayed := joinByName(t, lab, bin, lab.Hosts[1:2], room)[0]
	ms.WaitFor("peer_joined", 1, 15*time.Second)

	recording := filepath.Join(t.TempDir(), "lesson.rec")
	rec := lab.Command(lab.Hosts[3], hostile, "record", "-group", group, "-iface", "eth0", "-out", recording)
	if err := rec.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := io.WriteString(stdin, "/announce "+old+"\n"); err != nil {
		t.Fatal(err)
	}
	stayed.WaitFor("message", 1, 10*time.Second)
	late := joinByName(t, lab, bin, lab.Hosts[2:3], room)[0] // draws the pinned copy
	late.WaitFor("message", 1, 10*time.Second)
	if m := late.Events("message")[0]; m["earlier"] != true {
		t.Fatalf("the late PC got %v", m)
	}
	late.Stop()
	_ = rec.Process.Signal(syscall.SIGINT)
	_ = rec.Wait()

	// The next lesson.
	_ = stdin.Close()
	if code := ms.Stop(); code != 0 {
		t.Fatalf("teacher exited %d", code)
	}
	ms, stdin = presenter(t, lab, bin, lab.Hosts[0], keyFile)
	defer stdin.Close()
	joined := joinByName(t, lab, bin, lab.Hosts[2:3], room)[0]
	ms.WaitFor("peer_joined", 2, 15*time.Second)
	code, out, errOut := lab.Run(lab.Hosts[3], hostile, "replay", "-group", group, "-iface", "eth0", "-in", recording, "-pinned")
	if code != 0 || !strings.Contains(out, `"relabelled":1`) {
		t.Fatalf("the replay did not run as planned: exit %d, %s %s", code, out, errOut)
	}
	t.Logf("replay: %s", strings.TrimSpace(out))
	if _, err := io.WriteString(stdin, "/announce Chapter 4 today\n"); err != nil {
		t.Fatal(err)
	}
	joined.WaitFor("message", 1, 10*time.Second)
	stayed.WaitFor("message", 2, 10*time.Second)
	time.Sleep(time.Second) // anything else the replay would make them show
	for _, p := range []*Proc{stayed, joined} {
		var texts []any
		for _, m := range p.Events("message") {
			texts = append(texts, m["text"])
		}
		want := []any{"Chapter 4 today"}
		if p == stayed {
			want = []any{old, "Chapter 4 today"}
		}
		if fmt.Sprint(texts) != fmt.Sprint(want) {
			t.Fatalf("%s showed %q; want %q", p.Name, texts, want)
		}
	}
	var told string
	for _, u := range joined.Events("unreadable") {
		if u["reason"] == "earlier_session" {
			told = u["text"].(string)
		}
	}
	if told == "" {
		t.Fatalf("the PC that joined did not say it refused the recording: %v", joined.Events("unreadable"))
	}
	t.Logf("%s was told: %s", joined.Name, told)
}

// presenter starts, on host, the teacher of the read-only room
// "Physics 101" by name alone (chat -present, its key in keyFile) and
// waits until it has joined; its standard input is what it says ("/announce
// TEXT" announces TEXT).
func presenter(t *testing.T, lab *Lab, bin, host, keyFile string) (*Proc, io.WriteCloser) {
	t.Helper()
	return presenterOf(t, lab, bin, host, keyFile, "Physics 101")
}

// presenterOf is presenter of the room called room, with more arguments
// for its chat (-group, say).
func presenterOf(t *testing.T, lab *Lab, bin, host, keyFile, room string, more ...string) (*Proc, io.WriteCloser) {
	t.Helper()
	cmd := lab.Command(host, bin, append([]string{"chat", "-room", room, "-present", "-readonly",
		"-presenter-key", keyFile, "-name", "Ms Lee", "-json"}, more...)...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := Start(t, "teacher", cmd)
	p.WaitFor("joined", 1, 15*time.Second)
	return p, stdin
}

// waitReceipt waits up to 10 s for p to report received of members for an
// announcement, and returns that report.
func waitReceipt(t *testing.T, p *Proc, received, members float64) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, r := range p.Events("receipt") {
			if r["received"] == received && r["members"] == members {
				return r
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no receipt %v of %v: %v", received, members, p.Events("receipt"))
	return nil
}

// TestLabForgedReceipts: 4 hosts. While a PC's input is dropped, so that
// it does not get the announcement, a student's PC sends receipts for it
// with that PC's id and 30 ids of its own making. The teacher counts
// computers, 2 of 3, with the cut-off PC named as missing; once it is back
// it gets the announcement and the count reaches 3 of 3.
func TestLabForgedReceipts(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	lab := NewLab(t, 4)
	bin := Binary(t)
	hostile := Tool(t, "gchostile")
	ms, stdin := presenter(t, lab, bin, lab.Hosts[0], filepath.Join(t.TempDir(), "teacher.key"))
	defer stdin.Close()
	pc1 := Start(t, "pc1", lab.Command(lab.Hosts[1], bin, "listen", "-room", "Physics 101", "-name", "pc1", "-json"))
	pc2 := Start(t, "pc2", lab.Command(lab.Hosts[2], bin, "listen", "-room", "Physics 101", "-name", "pc2", "-json"))
	pc1.WaitFor("joined", 1, 20*time.Second)
	pc2.WaitFor("joined", 1, 20*time.Second)
	ms.WaitFor("peer_joined", 2, 15*time.Second)
	group := ms.Events("joined")[0]["group"].(string)
	teacherID, pc2ID := ms.Events("joined")[0]["sender"].(string), pc2.Events("joined")[0]["sender"].(string)

	lab.DropUDP(lab.Hosts[2], 100)
	if _, err := io.WriteString(stdin, "/announce Open chapter 3\n"); err != nil {
		t.Fatal(err)
	}
	pc1.WaitFor("message", 1, 10*time.Second)
	code, out, errOut := lab.Run(lab.Hosts[3], hostile, "receipts", "-group", group, "-iface", "eth0",
		"-presenter", teacherID, "-id", pc2ID, "-last", "1", "-n", "30", "-rounds", "3", "-every", "300ms")
	if code != 0 {
		t.Fatalf("the attack did not run: exit %d, %s %s", code, out, errOut)
	}
	time.Sleep(time.Second)
	r := waitReceipt(t, ms, 2, 3)
	if missing := fmt.Sprint(r["missing"]); !strings.Contains(missing, "pc2") {
		t.Fatalf("the cut-off PC is not named: %v", r)
	}
	for _, r := range ms.Events("receipt") {
		if r["received"] == r["members"] {
			t.Fatalf("forged receipts filled the count: %v", r)
		}
	}
	lab.StopDropping(lab.Hosts[2])
	pc2.WaitFor("message", 1, 15*time.Second)
	waitReceipt(t, ms, 3, 3)
}

// joinByName starts a headless PC (listen -json) on each of hosts, named
// pc1, pc2, ..., joining room by name, and waits until each has joined.
func joinByName(t *testing.T, lab *Lab, bin string, hosts []string, room string) []*Proc {
	t.Helper()
	var pcs []*Proc
	for i, h := range hosts {
		name := fmt.Sprintf("pc%d", i+1)
		pcs = append(pcs, Start(t, name, lab.Command(h, bin, "listen", "-room", room, "-name", name, "-json")))
	}
	for _, p := range pcs {
		p.WaitFor("joined", 1, 20*time.Second)
	}
	return pcs
}
