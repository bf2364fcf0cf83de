package e2e

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/groupcast/groupcast/netconf/rooms"
)

// TestLabLesson plays a lesson as a school runs one: seven lab PCs, and a
// teacher who arrives late.
//   - Six PCs start first, 10 s before the teacher, with the room's name
//     and the teacher's key pinned as CLASSROOM.md deploys them: they
//     wait, and each joins within moments of the room appearing.
//   - The teacher announces, replies in an ordinary message (not pinned)
//     and sends a 5 MB worksheet: every PC has it, SHA-256 equal, and it
//     crosses the wire about once, not once per PC.
//   - One PC is killed and started again mid-lesson: no second copy of the
//     file, no announcement shown again, counted once.
//   - A seventh PC joins late, by the room's name alone: it finds the room
//     at once and gets the pinned announcement and the file.
//   - The teacher's program restarts; the PCs follow and get the next
//     announcement.
//   - Nowhere a warning of floods, impostors or refusals; the teacher's
//     counts end at N of N PCs, naming everyone; its chat ends soon
//     after its input closes.
func TestLabLesson(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	const room = "Chemistry 9"
	lab := NewLab(t, 8)
	bin := Binary(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "teacher.key")
	key, _, err := rooms.LoadPresenterKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	fp := rooms.Fingerprint(key.Public().(ed25519.PublicKey))
	content := make([]byte, 5<<20)
	_, _ = rand.Read(content)
	sum := sha256.Sum256(content)
	worksheet := filepath.Join(dir, "Worksheet.pdf")
	if err := os.WriteFile(worksheet, content, 0o644); err != nil {
		t.Fatal(err)
	}

	// The PCs, started by the lab at boot: room and key pinned, history kept.
	type pc struct {
		host, name, save, hist string
		p                      *Proc
	}
	pcs := make([]*pc, 7)
	for i := range pcs {
		name := fmt.Sprintf("pc%d", i+1)
		pcs[i] = &pc{host: lab.Hosts[i+1], name: name, save: filepath.Join(dir, name, "files"), hist: filepath.Join(dir, name, "history")}
	}
	startPC := func(c *pc, args ...string) {
		all := append([]string{"listen", "-room", room, "-name", c.name, "-save", c.save, "-history", "-history-dir", c.hist, "-json"}, args...)
		c.p = Start(t, c.name, lab.Command(c.host, bin, all...))
	}
	booted := pcs[:6]
	for _, c := range booted {
		startPC(c, "-room-key", fp)
	}
	time.Sleep(10 * time.Second)
	for _, c := range booted {
		if len(c.p.Events("joined")) > 0 {
			t.Fatalf("%s joined before the teacher started the room: %v", c.name, c.p.Events("joined"))
		}
		if !strings.Contains(c.p.Stderr(), "Waiting for "+room) {
			t.Errorf("%s does not say it waits: %s", c.name, c.p.Stderr())
		}
	}

	teacher, stdin := lessonTeacher(t, lab, bin, keyFile)
	appeared := teacher.At("joined", 0)
	var delays []string
	for _, c := range booted {
		c.p.WaitFor("joined", 1, 10*time.Second)
		d := c.p.At("joined", 0).Sub(appeared)
		delays = append(delays, d.Round(time.Millisecond).String())
		if d > 4*time.Second {
			t.Errorf("%s joined %v after the room appeared; want within 2 s", c.name, d)
		}
	}
	t.Logf("join delays after the room appeared: %s", strings.Join(delays, " "))
	teacher.WaitFor("peer_joined", 6, 15*time.Second)

	say := func(line string) {
		t.Helper()
		if _, err := io.WriteString(stdin, line+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	say("/announce Open chapter 3, please.")
	for _, c := range booted {
		waitText(t, c.p, "Open chapter 3, please.", true)
	}
	waitReceipt(t, teacher, 6, 6)
	say("Yes, chapter 3 only.")
	for _, c := range booted {
		waitText(t, c.p, "Yes, chapter 3 only.", false)
	}

	txBefore := txBytes(t, lab, lab.Hosts[0])
	say("/file " + worksheet)
	for _, c := range booted {
		c.p.WaitFor("file_received", 1, 60*time.Second)
		checkFile(t, c.p.Events("file_received")[0], sum)
	}
	wire := txBytes(t, lab, lab.Hosts[0]) - txBefore
	t.Logf("the 5 MB worksheet to 6 PCs: %.2f MB on the teacher's wire (%.2f × the file)", float64(wire)/1e6, float64(wire)/float64(len(content)))
	if wire > 2*int64(len(content)) {
		t.Errorf("the worksheet took %d bytes on the wire for %d: sent per PC?", wire, len(content))
	}
	waitFileReceipt(t, teacher, 6, 6)

	// A PC is switched off and on again.
	restarted := booted[2]
	_ = restarted.p.cmd.Process.Signal(syscall.SIGKILL)
	<-restarted.p.done
	t.Logf("%s restarted at %s", restarted.name, time.Now().Format("15:04:05.000"))
	startPC(restarted, "-room-key", fp)
	restarted.p.WaitFor("joined", 1, 10*time.Second)
	restarted.p.WaitFor("file_received", 1, 20*time.Second)
	if got := restarted.p.Events("file_received")[0]; got["already"] != true || got["path"] != filepath.Join(restarted.save, "Worksheet.pdf") {
		t.Errorf("the restarted PC took the file again: %v", got)
	}
	if copies, _ := filepath.Glob(filepath.Join(restarted.save, "*")); len(copies) != 1 {
		t.Errorf("the restarted PC's folder holds %v; want the one worksheet", copies)
	}

	// A PC comes late, by the room's name alone.
	late := pcs[6]
	lateStart := time.Now()
	startPC(late)
	late.p.WaitFor("joined", 1, 10*time.Second)
	found := late.p.At("joined", 0).Sub(lateStart)
	t.Logf("a late PC found the room by name and joined in %v", found.Round(time.Millisecond))
	if found > 4*time.Second {
		t.Errorf("the late PC took %v to find the room; want under 2 s", found)
	}
	waitText(t, late.p, "Open chapter 3, please.", true)
	late.p.WaitFor("file_received", 1, 30*time.Second)
	checkFile(t, late.p.Events("file_received")[0], sum)
	time.Sleep(2 * time.Second) // receipts settle; the restarted PC's first member has gone
	for _, c := range []*pc{restarted} {
		for _, m := range c.p.Events("message") {
			if m["text"] == "Open chapter 3, please." || m["text"] == "Yes, chapter 3 only." {
				t.Errorf("%s showed the announcement again after its restart: %v; stderr %s", c.name, m, c.p.Stderr())
			}
		}
	}
	all := pcs
	if got := strings.Join(names(waitReceipt(t, teacher, 7, 7)["have"]), " "); got != "pc1 pc2 pc3 pc4 pc5 pc6 pc7" {
		t.Errorf("the announcement's receipt names %q", got)
	}
	r := waitFileReceipt(t, teacher, 7, 7)
	if got := strings.Join(names(r["have"]), " "); got != "pc1 pc2 pc3 pc4 pc5 pc6 pc7" {
		t.Errorf("the file's receipt names %q", got)
	}

	// The teacher's program restarts; the PCs follow.
	_ = stdin.Close()
	closed := time.Now()
	select {
	case <-teacher.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("the teacher's chat still runs 30 s after its input closed: %s", teacher.Stderr())
	}
	t.Logf("the teacher's chat ended %v after its input closed", time.Since(closed).Round(time.Millisecond))
	if d := time.Since(closed); d > 20*time.Second {
		t.Errorf("the teacher's chat ended %v after its input closed; want ≤ 20 s", d)
	}
	checkQuiet(t, teacher)
	teacher, stdin = lessonTeacher(t, lab, bin, keyFile)
	teacher.WaitFor("peer_joined", 7, 20*time.Second)
	say("/announce Hand in the worksheet.")
	for _, c := range all {
		waitText(t, c.p, "Hand in the worksheet.", true)
	}
	waitReceipt(t, teacher, 7, 7)
	_ = stdin.Close()
	<-teacher.done
	for _, c := range all {
		checkQuiet(t, c.p)
		if code := c.p.Stop(); code != 0 {
			t.Errorf("%s exited %d: %s", c.name, code, c.p.Stderr())
		}
	}
	checkQuiet(t, teacher)
}

func lessonTeacher(t *testing.T, lab *Lab, bin, keyFile string) (*Proc, io.WriteCloser) {
	t.Helper()
	return presenterOf(t, lab, bin, lab.Hosts[0], keyFile, "Chemistry 9")
}

// waitText waits for a message with text, an announcement or not.
func waitText(t *testing.T, p *Proc, text string, announcement bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range p.Events("message") {
			if m["text"] == text {
				if (m["announcement"] == true) != announcement || m["presenter"] != true {
					t.Errorf("%s: %q shown with announcement %v, presenter %v; want %v, true", p.Name, text, m["announcement"], m["presenter"], announcement)
				}
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never showed %q: %s", p.Name, text, p.summary())
}

// waitFileReceipt waits for a file receipt of have of members PCs.
func waitFileReceipt(t *testing.T, p *Proc, have int, members float64) map[string]any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		rs := p.Events("file_receipt")
		if n := len(rs); n > 0 && len(names(rs[n-1]["have"])) == have && rs[n-1]["members"] == members {
			return rs[n-1]
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no file receipt %d of %v: %v", have, members, p.Events("file_receipt"))
	return nil
}

// checkFile checks a file_received event's file.
func checkFile(t *testing.T, ev map[string]any, sum [32]byte) {
	t.Helper()
	b, err := os.ReadFile(ev["path"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(b) != sum || ev["sha256"] != hex.EncodeToString(sum[:]) {
		t.Errorf("%v: another SHA-256", ev["path"])
	}
}

// checkQuiet fails on any warning p printed: floods, impostors, refusals.
func checkQuiet(t *testing.T, p *Proc) {
	t.Helper()
	for _, u := range p.Events("unreadable") {
		t.Errorf("%s warned: %v", p.Name, u["text"])
	}
	for _, line := range strings.Split(p.Stderr(), "\n") {
		if strings.HasPrefix(line, "warning:") {
			t.Errorf("%s warned: %s", p.Name, line)
		}
	}
}

// txBytes is what host has sent on its eth0.
func txBytes(t *testing.T, lab *Lab, host string) int64 {
	t.Helper()
	_, out, _ := lab.Run(host, "cat", "/proc/net/dev")
	for _, line := range strings.Split(out, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || name != "eth0" {
			continue
		}
		f := strings.Fields(rest)
		n, _ := strconv.ParseInt(f[8], 10, 64)
		return n
	}
	t.Fatalf("no eth0 in %s", out)
	return 0
}
