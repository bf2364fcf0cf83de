package e2e

import (
	"bufio"
	"encoding/hex"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The classic tools' group: link-local, as lab programs often use.
const interopGroup, interopAddr, interopPort = "224.0.0.100:8888", "224.0.0.100", "8888"

func testdata(name string) string {
	_, here, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(here), "testdata", name)
}

func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("needs %s (CI installs it)", name)
	}
}

// TestLabPlainSendersShowInListen: bare UTF-8, GBK and Latin/symbol text
// from a plain Python sender, and a line from socat, appear correctly in
// groupcast listen, on the link-local group 224.0.0.100:8888.
func TestLabPlainSendersShowInListen(t *testing.T) {
	needTool(t, "python3")
	lab := NewLab(t, 2)
	bin := Binary(t)
	listen := Start(t, "listen", lab.Command(lab.Hosts[1], bin, "listen", "-group", interopGroup, "-json"))
	listen.WaitFor("joined", 1, 10*time.Second)
	if w := listen.Events("joined")[0]["warnings"]; w == nil || !strings.Contains(w.([]any)[0].(string), "link-local") {
		t.Fatalf("no link-local warning: %v", listen.Events("joined")[0])
	}
	code, _, errOut := lab.Run(lab.Hosts[0], "python3", testdata("mcast_send.py"), interopAddr, interopPort, "198.18.0.1",
		"hello from a plain sender\r\n", "--gbk", "你好，世界", "Grüße — naïve café, €5, ½ © ✓ ±∞",
		"--raw-hex", "0102ff00")
	if code != 0 {
		t.Fatalf("python sender: %s", errOut)
	}
	want := []struct{ text, encoding string }{
		{"hello from a plain sender", "utf-8"},
		{"你好，世界", "gb18030"},
		{"Grüße — naïve café, €5, ½ © ✓ ±∞", "utf-8"},
		{`\x01\x02\xff`, "binary"},
	}
	if _, err := exec.LookPath("socat"); err == nil {
		cmd := lab.Command(lab.Hosts[0], "socat", "-u", "-", "UDP4-DATAGRAM:"+interopGroup+",ip-multicast-if=198.18.0.1,ip-multicast-ttl=1")
		cmd.Stdin = strings.NewReader("hello from socat\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("socat: %v %s", err, out)
		}
		want = append(want, struct{ text, encoding string }{"hello from socat", "utf-8"})
	}
	listen.WaitFor("message", len(want), 5*time.Second)
	time.Sleep(300 * time.Millisecond)
	if code := listen.Stop(); code != 0 {
		t.Fatalf("listen exited %d", code)
	}
	msgs := listen.Events("message")
	if len(msgs) != len(want) {
		t.Fatalf("listen printed %d messages; want %d: %v", len(msgs), len(want), msgs)
	}
	for i, w := range want {
		m := msgs[i]
		if m["text"] != w.text || m["encoding"] != w.encoding || m["plain"] != true || !strings.HasPrefix(m["from"].(string), "198.18.0.1:") {
			t.Errorf("message %d = %v; want %q as %s from 198.18.0.1", i, m, w.text, w.encoding)
		}
	}
}

// TestLabPlainSendReachesClassicReceivers: groupcast send -plain, with
// UTF-8 and with GBK, reaches a plain Python receiver (and socat) as
// exactly the bare bytes, and nothing else (no Groupcast control
// traffic).
func TestLabPlainSendReachesClassicReceivers(t *testing.T) {
	needTool(t, "python3")
	lab := NewLab(t, 2)
	bin := Binary(t)
	rx := lab.Command(lab.Hosts[0], "python3", testdata("mcast_recv.py"), interopAddr, interopPort, "198.18.0.1", "3", "3")
	out, err := rx.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := rx.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	if !lines.Scan() || lines.Text() != "ready" {
		t.Fatalf("python receiver did not start: %q", lines.Text())
	}
	var socatOut strings.Builder
	var socat *exec.Cmd
	if _, err := exec.LookPath("socat"); err == nil {
		socat = lab.Command(lab.Hosts[0], "timeout", "4", "socat", "-u", "UDP4-RECV:"+interopPort+",ip-add-membership="+interopAddr+":198.18.0.1,reuseaddr", "-")
		socat.Stdout = &socatOut
		if err := socat.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, args := range [][]string{
		{"send", "-group", interopGroup, "-plain", "hello 世界 — plain"},
		{"send", "-group", interopGroup, "-plain", "-encoding", "gbk", "你好，世界"},
	} {
		if code, _, errOut := lab.Run(lab.Hosts[1], bin, args...); code != 0 {
			t.Fatalf("groupcast %v: %s", args, errOut)
		}
	}
	var got []string
	for lines.Scan() {
		got = append(got, lines.Text())
	}
	_ = rx.Wait()
	want := []string{hex.EncodeToString([]byte("hello 世界 — plain")), "c4e3bac3a3accac0bde7", "timeout"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("the Python receiver got %v; want %v (exact bytes, then nothing)", got, want)
	}
	if socat != nil {
		_ = socat.Wait()
		if wantS := "hello 世界 — plain" + "\xc4\xe3\xba\xc3\xa3\xac\xca\xc0\xbd\xe7"; socatOut.String() != wantS {
			t.Fatalf("socat received %q; want %q", socatOut.String(), wantS)
		}
	}
}

// TestLabDoctor: on a lab host the doctor names its interface, passes its
// self-test and reports the Groupcast member and the plain sender it heard.
func TestLabDoctor(t *testing.T) {
	needTool(t, "python3")
	lab := NewLab(t, 3)
	bin := Binary(t)
	member := Start(t, "member", lab.Command(lab.Hosts[1], bin, "listen", "-group", "239.255.3.3:3333", "-name", "Member", "-json"))
	member.WaitFor("joined", 1, 10*time.Second)
	stop := make(chan struct{})
	defer close(stop)
	go func() { // a classic tool keeps talking meanwhile
		for {
			_, _, _ = lab.Run(lab.Hosts[2], "python3", testdata("mcast_send.py"), "239.255.3.3", "3333", "198.18.0.3", "plain hello")
			select {
			case <-stop:
				return
			case <-time.After(300 * time.Millisecond):
			}
		}
	}()
	code, out, errOut := lab.Run(lab.Hosts[0], bin, "doctor", "-group", "239.255.3.3:3333", "-listen", "3s")
	if code != 0 {
		t.Fatalf("doctor exited %d: %s %s", code, out, errOut)
	}
	for _, want := range []string{
		"→ eth0", "198.18.0.1/24", "Using eth0 · 198.18.0.1 (chosen automatically", "Self-test: OK",
		"Groupcast member Member at 198.18.0.2", `plain sender 198.18.0.3: `, `"plain hello"`, "netsh advfirewall",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = lab.Run(lab.Hosts[0], bin, "doctor", "-group", "239.255.3.3:3333", "-listen", "0s", "-json")
	if code != 0 || !strings.Contains(out, `"iface":"eth0"`) || !strings.Contains(out, `"selftest_ok":true`) {
		t.Fatalf("doctor -json: exit %d: %s", code, out)
	}
	member.Stop()
	t.Logf("doctor report:\n%s", out)
}
