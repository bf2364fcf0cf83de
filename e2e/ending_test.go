package e2e

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLabChatEndsWhateverMembersDo (issue 30): the teacher's chat -present
// offers a worksheet and its input closes while the file is going out.
// Meanwhile a PC is switched off mid-file (killed: no LEAVE) and started
// again, and another PC runs a Groupcast that knows no files (it is in
// the room, heartbeats, and never answers for the file: the lab's
// attacker plays it). The chat ends within the documented bound after
// its input closed: the file's blocks going out once, then at most
// fileWait (30 s) for the final receipt and the linger (at most 15 s).
// The engine decides well before the bound: its final receipt names the
// silent PC as not answering. (It waited for it for ever: that PC's
// silence was only judged while every member was silent, and the PCs
// that had the file said so again to each offer repeated.)
func TestLabChatEndsWhateverMembersDo(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	lab := NewLab(t, 5)
	bin, tool := Binary(t), Tool(t, "gchostile")
	const room, group = "Biology 2", "239.255.30.3:3030"
	content := make([]byte, 8<<20)
	_, _ = rand.Read(content)
	file := filepath.Join(t.TempDir(), "Worksheet.pdf")
	if err := os.WriteFile(file, content, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := lab.Command(lab.Hosts[0], bin, "chat", "-room", room, "-group", group, "-present",
		"-presenter-key", filepath.Join(t.TempDir(), "teacher.key"), "-name", "Ms Lee", "-json", "-file-rate", "40")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	teacher := Start(t, "teacher", cmd)
	teacher.WaitFor("joined", 1, 10*time.Second)
	listen := func(host int, name, dir string) *Proc {
		return Start(t, name, lab.Command(lab.Hosts[host], bin, "listen", "-room", room, "-group", group,
			"-name", name, "-save", dir, "-json"))
	}
	saves := []string{t.TempDir(), t.TempDir(), t.TempDir()}
	var pcs []*Proc
	for i, dir := range saves {
		pcs = append(pcs, listen(i+1, fmt.Sprintf("pc%d", i+1), dir))
	}
	// A PC whose Groupcast knows no files: in the room, never answering.
	Start(t, "old", lab.Command(lab.Hosts[4], tool, "ids", "-group", group, "-n", "1", "-rounds", "300", "-every", "1s"))
	teacher.WaitFor("peer_joined", 4, 15*time.Second)

	if _, err := fmt.Fprintf(stdin, "Worksheet for today\n/file %s\n", file); err != nil {
		t.Fatal(err)
	}
	_ = stdin.Close()
	closed := time.Now()
	teacher.WaitFor("file_progress", 1, 10*time.Second)
	time.Sleep(500 * time.Millisecond)
	_ = pcs[1].cmd.Process.Signal(syscall.SIGKILL) // switched off mid-file
	<-pcs[1].done
	pcs[1] = listen(2, "pc2", saves[1]) // and on again

	// The file going out (8 MB at 40 Mbit/s: 2 s; 10 s allowed), the wait
	// for its final receipt (cli.fileWait, 30 s), the linger (15 s).
	const bound = 10*time.Second + 30*time.Second + 15*time.Second
	select {
	case <-teacher.done:
	case <-time.After(bound):
		t.Fatalf("the teacher's chat still runs %v after its input closed: %s", bound, teacher.summary())
	}
	took := time.Since(closed)
	receipts := teacher.Events("file_receipt")
	if len(receipts) == 0 {
		t.Fatalf("no receipt: %s", teacher.summary())
	}
	final := receipts[len(receipts)-1]
	failed, _ := final["failed"].([]any)
	if final["done"] != true || len(failed) != 1 || !strings.Contains(failed[0].(map[string]any)["reason"].(string), "did not answer") {
		t.Fatalf("the final receipt %v; want done, the PC that knows no files named as not answering", final)
	}
	if have := names(final["have"]); strings.Join(have, " ") != "pc1 pc2 pc3" {
		t.Errorf("the final receipt says %v have it; want pc1 pc2 pc3", have)
	}
	if teacher.code != 1 || strings.Contains(teacher.Stderr(), "not waiting longer") {
		t.Errorf("chat exited %d (want 1: a PC did not get the file, as the engine said): %s", teacher.code, teacher.Stderr())
	}
	t.Logf("the teacher's chat ended %v after its input closed (bound %v)", took.Round(time.Millisecond), bound)
	if took > 25*time.Second {
		t.Errorf("the teacher's chat ended %v after its input closed; the engine should have decided within seconds of the file going out", took)
	}
	for _, p := range pcs {
		if code := p.Stop(); code != 0 {
			t.Errorf("%s exited %d: %s", p.Name, code, p.Stderr())
		}
	}
}
