package e2e

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/groupcast/groupcast/netconf/wire"
)

// lines collects a program's output lines as they come.
type lines struct {
	mu  sync.Mutex
	got []string
}

func collectLines(r io.Reader) *lines {
	l := &lines{}
	go func() {
		s := bufio.NewScanner(r)
		s.Buffer(make([]byte, 64<<10), 64<<10)
		for s.Scan() {
			l.mu.Lock()
			l.got = append(l.got, s.Text())
			l.mu.Unlock()
		}
	}()
	return l
}

func (l *lines) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.got...)
}

func (l *lines) waitFor(t *testing.T, line string, limit time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, g := range l.all() {
			if g == line {
				return
			}
		}
	}
	t.Fatalf("no %q within %v: %q", line, limit, l.all())
}

// TestLabMixedRoom: 5 hosts. Three Groupcast members talk normally (a
// chat, a listen, a send; not -plain) on a group that classic programs
// share: a C receiver written as textbooks write it (mcast_recv.c: bind
// 0.0.0.0 without SO_REUSEADDR, join on INADDR_ANY, recvfrom into a
// zeroed buffer, printf("%s")), a Python receiver, and a GBK sender like a
// Qt tool's toLocal8Bit. The C receiver prints each Groupcast message's
// text (a long one as its pieces, in order) and the GBK sender's lines,
// and no other line, though the members go on sending heartbeats (before:
// 3 of its 5 reads were Groupcast's control traffic); the Python receiver
// gets each message as its text and a NUL first, and nothing else;
// Groupcast shows the GBK 谢谢 and 你好，世界 as written.
func TestLabMixedRoom(t *testing.T) {
	needTool(t, "cc")
	needTool(t, "python3")
	lab := NewLab(t, 5)
	bin := Binary(t)
	const group, addr, port = "239.255.40.1:5000", "239.255.40.1", "5000"
	cRecv := filepath.Join(t.TempDir(), "mcast_recv")
	if out, err := exec.Command("cc", "-o", cRecv, testdata("mcast_recv.c")).CombinedOutput(); err != nil {
		t.Fatalf("cc: %v %s", err, out)
	}
	start := func(host, name string, args ...string) (*exec.Cmd, *lines) {
		cmd := lab.Command(host, name, args...)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd, collectLines(out)
	}
	c, cOut := start(lab.Hosts[3], cRecv, addr, port, "4")
	py, pyOut := start(lab.Hosts[4], "python3", testdata("mcast_recv.py"), addr, port, lab.Addr(lab.Hosts[4]).String(), "100", "4")
	cOut.waitFor(t, "ready", 5*time.Second)
	pyOut.waitFor(t, "ready", 5*time.Second)

	listen := Start(t, "listen", lab.Command(lab.Hosts[1], bin, "listen", "-group", group, "-name", "Bob", "-json"))
	listen.WaitFor("joined", 1, 10*time.Second)
	chatCmd := lab.Command(lab.Hosts[0], bin, "chat", "-group", group, "-name", "Alice", "-json")
	stdin, err := chatCmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	chat := Start(t, "chat", chatCmd)
	chat.WaitFor("joined", 1, 10*time.Second)
	listen.WaitFor("peer_joined", 1, 10*time.Second)

	long := strings.Repeat("é", 2600) // 5 200 bytes: five pieces
	texts := []string{"hello from Groupcast", "第二条 — second", long}
	for i, text := range texts {
		if _, err := io.WriteString(stdin, text+"\n"); err != nil {
			t.Fatal(err)
		}
		listen.WaitFor("message", i+1, 10*time.Second)
	}
	if code, _, errOut := lab.Run(lab.Hosts[2], bin, "send", "-group", group, "-name", "Carol", "one-shot from send"); code != 0 {
		t.Fatalf("send: %s", errOut)
	}
	texts = append(texts, "one-shot from send")
	if code, _, errOut := lab.Run(lab.Hosts[4], "python3", testdata("mcast_send.py"), addr, port, lab.Addr(lab.Hosts[4]).String(),
		"--gbk", "谢谢", "--gbk", "你好，世界"); code != 0 {
		t.Fatalf("GBK sender: %s", errOut)
	}
	listen.WaitFor("message", 6, 10*time.Second)
	for i, want := range []string{"谢谢", "你好，世界"} {
		if m := listen.Events("message")[4+i]; m["text"] != want || m["encoding"] != "gb18030" {
			t.Fatalf("Groupcast showed the GBK sender's line as %v; want %q", m, want)
		}
	}

	// What each classic receiver must have got: each message's text (the
	// long one as the pieces it is sent in), the GBK lines as bytes.
	gbk := func(s string) string {
		b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	var want []string
	for _, text := range texts {
		want = append(want, wire.SplitText(text, wire.MaxText, wire.MaxFragmentText)...)
	}
	want = append(want, gbk("谢谢"), gbk("你好，世界"))

	if err := c.Wait(); err != nil { // it stops after 4 s without a datagram, heartbeats going on
		t.Fatalf("C receiver: %v", err)
	}
	var printed []string
	for _, l := range cOut.all() {
		if l != "ready" && l != "idle" {
			printed = append(printed, strings.TrimPrefix(l, "RECV: "))
		}
	}
	if strings.Join(printed, "\n") != strings.Join(want, "\n") {
		t.Fatalf("the C receiver printed %d lines:\n%q\nwant %d:\n%q", len(printed), short(printed), len(want), short(want))
	}
	_ = py.Wait()
	var got []string
	for _, l := range pyOut.all() {
		if l == "ready" || l == "timeout" {
			continue
		}
		b, err := hex.DecodeString(l)
		if err != nil {
			t.Fatalf("python receiver: %q", l)
		}
		text, _, _ := bytes.Cut(b, []byte{0})
		got = append(got, string(text))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("the Python receiver got %d datagrams, %q; want %d", len(got), short(got), len(want))
	}
	t.Logf("the C receiver printed %d lines, each a message's text or a piece of one: %q", len(printed), short(printed))
	_ = stdin.Close()
	chat.WaitFor("left", 1, 10*time.Second)
}

// short abbreviates long lines for a failure message.
func short(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		if r := []rune(s); len(r) > 40 {
			s = string(r[:40]) + "…"
		}
		out[i] = s
	}
	return out
}
