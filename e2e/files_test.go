package e2e

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestLabFileToTheRoom: a 20 MB file from one lab host to the others,
// each dropping 1% of the UDP it receives (nftables): five receivers get
// it whole (SHA-256 equal); a sixth, whose folder is a 2 MB tmpfs, fails
// with the disk full and says so, and the sender's receipt names it; a
// seventh, started while the file is on its way, gets it in a later pass.
// The sender's JSON receipt counts who has it.
func TestLabFileToTheRoom(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	lab := NewLab(t, 8)
	bin := Binary(t)
	const group = "239.255.6.6:6666"
	var dropped []func() int
	for _, h := range lab.Hosts {
		dropped = append(dropped, lab.DropUDP(h, 1))
	}
	content := make([]byte, 20<<20)
	_, _ = rand.Read(content)
	sum := sha256.Sum256(content)
	file := filepath.Join(t.TempDir(), "worksheet.pdf")
	if err := os.WriteFile(file, content, 0o644); err != nil {
		t.Fatal(err)
	}
	// The sixth receiver's folder: a 2 MB tmpfs, full long before 20 MB.
	full := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", full).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", full).Run() })

	listen := func(host, name, dir string) *Proc {
		return Start(t, name, lab.Command(host, bin, "listen", "-group", group, "-name", name, "-save", dir, "-json"))
	}
	dirs := map[string]string{}
	var rxs []*Proc
	for i, h := range lab.Hosts[1:6] {
		name := fmt.Sprintf("rx%d", i+1)
		dirs[name] = t.TempDir()
		rxs = append(rxs, listen(h, name, dirs[name]))
	}
	diskFull := listen(lab.Hosts[6], "full", full)
	for _, p := range append(rxs, diskFull) {
		p.WaitFor("joined", 1, 10*time.Second)
	}

	start := time.Now()
	sender := Start(t, "sender", lab.Command(lab.Hosts[0], bin, "send", "-group", group, "-name", "Teacher", "-file", file, "-json"))
	sender.WaitFor("file_progress", 1, 10*time.Second)
	dirs["late"] = t.TempDir()
	late := listen(lab.Hosts[7], "late", dirs["late"])
	rxs = append(rxs, late)

	select {
	case <-sender.done:
	case <-time.After(90 * time.Second):
		var last []string
		for _, p := range append(rxs, diskFull) {
			evs := p.Events("")
			if n := len(evs); n > 0 {
				last = append(last, fmt.Sprintf("%s: %v", p.Name, evs[n-1]))
			}
		}
		receipts := sender.Events("file_receipt")
		t.Fatalf("send -file did not finish in 90 s; stderr: %s; its last receipt: %v; receivers' last events: %v",
			sender.Stderr(), receipts[max(len(receipts)-1, 0):], last)
	}
	took := time.Since(start)
	if sender.code != 1 {
		t.Errorf("send -file exited %d, want 1 (one receiver failed): %s", sender.code, sender.Stderr())
	}
	receipts := sender.Events("file_receipt")
	if len(receipts) == 0 {
		t.Fatalf("no receipt; stderr: %s", sender.Stderr())
	}
	final := receipts[len(receipts)-1]
	have := names(final["have"])
	if strings.Join(have, " ") != "late rx1 rx2 rx3 rx4 rx5" || final["done"] != true {
		t.Errorf("the receipt says %v have it (done %v); want late rx1 … rx5", have, final["done"])
	}
	failed, _ := final["failed"].([]any)
	if len(failed) != 1 || !strings.HasPrefix(failed[0].(map[string]any)["who"].(string), "full ") ||
		!strings.Contains(failed[0].(map[string]any)["reason"].(string), "could not write") {
		t.Errorf("the receipt's failures: %v; want the full disk named", failed)
	}

	for _, p := range rxs {
		for _, f := range p.Events("file_failed") {
			t.Errorf("%s failed: %v", p.Name, f["reason"])
		}
		p.WaitFor("file_received", 1, 30*time.Second)
		got := p.Events("file_received")[0]
		path := got["path"].(string)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if s := sha256.Sum256(b); s != sum || got["sha256"] != hex.EncodeToString(sum[:]) || filepath.Dir(path) != dirs[p.Name] {
			t.Errorf("%s saved %s with another SHA-256", p.Name, path)
		}
	}
	diskFull.WaitFor("file_failed", 1, 10*time.Second)
	if r := diskFull.Events("file_failed")[0]["reason"].(string); !strings.Contains(r, "no space") && !strings.Contains(r, "could not write") {
		t.Errorf("the full disk says %q", r)
	}
	if left, _ := filepath.Glob(filepath.Join(full, "*")); len(left) != 0 {
		t.Errorf("the full disk keeps %v", left)
	}
	if left, _ := filepath.Glob(filepath.Join(full, ".groupcast-*")); len(left) != 0 {
		t.Errorf("a temporary file stayed on the full disk: %v", left)
	}
	for _, p := range append(rxs, diskFull) {
		if code := p.Stop(); code != 0 {
			t.Errorf("%s exited %d: %s", p.Name, code, p.Stderr())
		}
	}
	total := 0
	for i, d := range dropped {
		n := d()
		if n == 0 && i > 0 {
			t.Errorf("host %d dropped nothing: the loss did not happen", i+1)
		}
		total += n
	}
	t.Logf("20 MB to 7 receivers (one a full disk, one late) through 1%% loss in %v; nft dropped %d datagrams in all", took.Round(time.Millisecond), total)
}

// names lists the nicknames of a receipt's "have" (each "nick (host)").
func names(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, s := range list {
		nick, _, _ := strings.Cut(s.(string), " (")
		out = append(out, nick)
	}
	sort.Strings(out)
	return out
}
