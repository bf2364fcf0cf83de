package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/groupcast/groupcast/internal/testnet"
	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/wire"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// syncBuffer is written by the command and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func run(t *testing.T, ctx context.Context, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut syncBuffer
	code = Run(ctx, args, IO{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut}, nil)
	return code, out.String(), errOut.String()
}

func TestBadInputExits2(t *testing.T) {
	lo := testnet.Loopback(t)
	for _, tc := range []struct {
		name    string
		args    []string
		mention string
	}{
		{"unicast group", []string{"listen", "-iface", lo, "-group", "10.0.0.1:3333"}, "unicast"},
		{"broadcast group", []string{"send", "-iface", lo, "-group", "255.255.255.255:3333", "x"}, "broadcast"},
		{"port 70000", []string{"listen", "-iface", lo, "-group", "239.255.3.3:70000"}, "port 70000"},
		{"nonsense group", []string{"listen", "-iface", lo, "-group", "nonsense"}, "ADDRESS:PORT"},
		{"nonsense command", []string{"nonsense"}, "unknown command"},
		{"unknown interface", []string{"listen", "-group", "239.255.3.3:3333", "-iface", "nosuch0"}, `no network interface named "nosuch0"`},
		{"ttl 300", []string{"chat", "-iface", lo, "-ttl", "300"}, "TTL 300"},
		{"ttl not a number", []string{"chat", "-iface", lo, "-ttl", "many"}, "invalid value"},
		{"unknown flag", []string{"listen", "-colour"}, "not defined"},
		{"send nothing", []string{"send", "-iface", lo}, "nothing to send"},
		{"send too long", []string{"send", "-iface", lo, strings.Repeat("x", wire.MaxMessage+1)}, "65536 bytes"},
		{"send invalid UTF-8", []string{"send", "-iface", lo, "caf\xe9"}, "not valid UTF-8"},
		{"send unencodable in GBK", []string{"send", "-iface", lo, "-plain", "-encoding", "gbk", "café ☃ 🙂"}, "GBK cannot write"},
		{"send plain over a datagram", []string{"send", "-iface", lo, "-plain", strings.Repeat("x", 1401)}, "one datagram of at most 1400 bytes"},
		{"listen with text", []string{"listen", "-iface", lo, "hello"}, "takes no text"},
		{"bad name", []string{"listen", "-iface", lo, "-name", ""}, "name"},
		{"gui join unicast", []string{"-join", "10.1.1.1:5", "-iface", lo}, "unicast"},
		{"gui stray word", []string{"-name", "x", "extra"}, "unexpected"},
		{"send a missing file", []string{"send", "-iface", lo, "-file", "/nonexistent/worksheet.pdf"}, "no such file"},
		{"send a folder", []string{"send", "-iface", lo, "-file", "/"}, "is not a file"},
		{"send a file as plain text", []string{"send", "-iface", lo, "-plain", "-file", os.Args[0]}, "-plain"},
		{"save when sending", []string{"send", "-iface", lo, "-save", "/tmp", "x"}, "not defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, context.Background(), "", tc.args...)
			if code != ExitUsage {
				t.Fatalf("exit %d; want %d (stderr %q)", code, ExitUsage, stderr)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "groupcast: ") || !strings.Contains(stderr, tc.mention) {
				t.Fatalf("stderr = %q; want one line mentioning %q", stderr, tc.mention)
			}
			if stdout != "" {
				t.Fatalf("stdout = %q; want nothing", stdout)
			}
		})
	}
}

func TestHelpAndVersion(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"help"}, {"listen", "-h"}} {
		code, stdout, _ := run(t, context.Background(), "", args...)
		if code != ExitOK || !strings.Contains(stdout, "groupcast listen") {
			t.Fatalf("%v: exit %d, stdout %q", args, code, stdout)
		}
	}
	for _, args := range [][]string{{"-version"}, {"version"}} {
		code, stdout, _ := run(t, context.Background(), "", args...)
		if code != ExitOK || stdout != "groupcast "+Version+"\n" {
			t.Fatalf("%v: exit %d, stdout %q", args, code, stdout)
		}
	}
}

func TestGUIGetsConfig(t *testing.T) {
	lo := testnet.Loopback(t)
	var got netconf.Config
	var auto bool
	gui := func(_ context.Context, w Window) int { got, auto = w.Config, w.AutoJoin; return 7 }
	code := Run(context.Background(), []string{"-join", "239.255.3.3:4444", "-name", "Alice", "-iface", lo},
		IO{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}, gui)
	if code != 7 || !auto || got.Group.String() != "239.255.3.3:4444" || got.Nick != "Alice" || got.Interface != lo {
		t.Fatalf("code %d auto %v cfg %+v", code, auto, got)
	}
	code = Run(context.Background(), nil, IO{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}, gui)
	if code != 7 || auto || got.Group != netconf.DefaultGroup || got.Nick != DefaultNick() {
		t.Fatalf("no args: code %d auto %v cfg %+v", code, auto, got)
	}
}

// jsonLines decodes each line of out as a JSON object.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var evs []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not JSON: %q: %v", l, err)
		}
		evs = append(evs, m)
	}
	return evs
}

// waitFor polls until cond holds for the text written so far.
func waitFor(t *testing.T, buf *syncBuffer, what string, cond func(string) bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond(buf.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; have %q", what, buf.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestListenSendChatOnLoopback(t *testing.T) {
	lo := testnet.Loopback(t)
	group := "239.255.3.3:" + strconv.Itoa(int(testnet.FreePort(t)))
	ctx, cancel := context.WithCancel(context.Background())
	var lout, lerr syncBuffer
	done := make(chan int)
	go func() {
		done <- Run(ctx, []string{"listen", "-group", group, "-iface", lo, "-name", "Listener", "-json"},
			IO{Stdin: strings.NewReader(""), Stdout: &lout, Stderr: &lerr}, nil)
	}()
	waitFor(t, &lout, "joined", func(s string) bool { return strings.Contains(s, `"event":"joined"`) })

	code, sout, serr := run(t, context.Background(), "", "send", "-group", group, "-iface", lo, "-name", "Alice", "hello", "世界", "—", "1")
	if code != ExitOK {
		t.Fatalf("send exit %d: %s", code, serr)
	}
	if sout != "" || !strings.Contains(serr, "joined "+group) {
		t.Fatalf("send stdout %q stderr %q", sout, serr)
	}
	code, cout, cerr := run(t, context.Background(), "line one\n\nline two\r\n", "chat", "-group", group, "-iface", lo, "-name", "Bob", "-json")
	if code != ExitOK {
		t.Fatalf("chat exit %d: %s", code, cerr)
	}
	var sent []string
	for _, ev := range jsonLines(t, cout) {
		if ev["event"] == "sent" {
			sent = append(sent, ev["text"].(string))
		}
	}
	if strings.Join(sent, "|") != "line one|line two" {
		t.Fatalf("chat sent %q; output %s", sent, cout)
	}
	waitFor(t, &lout, "three messages", func(s string) bool { return strings.Count(s, `"event":"message"`) >= 3 })
	cancel()
	if code := <-done; code != ExitOK {
		t.Fatalf("listen exit %d: %s", code, lerr.String())
	}

	evs := jsonLines(t, lout.String())
	if evs[0]["event"] != "joined" || evs[0]["iface"] != lo || evs[0]["group"] != group || evs[0]["ttl"] != 1.0 {
		t.Fatalf("first event %v", evs[0])
	}
	var msgs []map[string]any
	for _, ev := range evs {
		if ev["event"] == "message" {
			msgs = append(msgs, ev)
		}
	}
	if len(msgs) != 3 {
		t.Fatalf("listener printed %d messages: %s", len(msgs), lout.String())
	}
	m := msgs[0]
	if m["from"] != "Alice" || m["text"] != "hello 世界 — 1" || m["seq"] != 1.0 || len(m["sender"].(string)) != 16 {
		t.Fatalf("message %v", m)
	}
	if _, err := time.Parse(time.RFC3339Nano, m["time"].(string)); err != nil {
		t.Fatalf("time %q: %v", m["time"], err)
	}
	if msgs[1]["from"] != "Bob" || msgs[1]["text"] != "line one" || msgs[2]["text"] != "line two" || msgs[2]["seq"] != 2.0 {
		t.Fatalf("chat messages %v %v", msgs[1], msgs[2])
	}
	if last := evs[len(evs)-1]; last["event"] != "left" {
		t.Fatalf("last event %v; want left", last)
	}
}

func TestTextOutputIsSafe(t *testing.T) {
	var out, errOut bytes.Buffer
	p := newPrinter(IO{Stdout: &out, Stderr: &errOut}, false, false)
	p.event(netconf.Message{From: "Eve", Text: "hi\x1b[2Jthere\nsecond\tline", Sent: time.Date(2026, 1, 2, 3, 4, 5, 0, time.Local)})
	p.flush()
	want := "03:04:05 Eve: hi\uFFFD[2Jthere\n         second\tline\n"
	if out.String() != want {
		t.Fatalf("got %q; want %q", out.String(), want)
	}
}

func TestPrivateGroupOnLoopback(t *testing.T) {
	lo := testnet.Loopback(t)
	group := "239.255.3.4:" + strconv.Itoa(int(testnet.FreePort(t)))
	dir := t.TempDir()
	keyFile := dir + "/key"
	if err := os.WriteFile(keyFile, []byte("a long shared passphrase\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args    []string
		mention string
	}{
		{[]string{"listen", "-iface", lo, "-key-file", dir + "/missing"}, "cannot read the passphrase file"},
		{[]string{"listen", "-iface", lo, "-key-file", os.DevNull}, "is empty"},
	} {
		code, _, stderr := run(t, context.Background(), "", tc.args...)
		if code != ExitUsage || !strings.Contains(stderr, tc.mention) {
			t.Fatalf("%v: exit %d, stderr %q", tc.args, code, stderr)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := func(args ...string) (*syncBuffer, chan int) {
		var out, errOut syncBuffer
		done := make(chan int, 1)
		go func() {
			done <- Run(ctx, args, IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut}, nil)
		}()
		waitFor(t, &out, "joined", func(s string) bool { return strings.Contains(s, `"event":"joined"`) })
		return &out, done
	}
	friend, friendDone := start("listen", "-group", group, "-iface", lo, "-name", "Friend", "-key-file", keyFile, "-json")
	t.Setenv("GROUPCAST_KEY", "somebody else's passphrase")
	stranger, strangerDone := start("listen", "-group", group, "-iface", lo, "-name", "Stranger", "-json")

	code, _, stderr := run(t, context.Background(), "", "send", "-group", group, "-iface", lo, "-name", "Alice", "-key", "a long shared passphrase", "for friends only")
	if code != ExitOK || !strings.Contains(stderr, "process list") || !strings.Contains(stderr, "(private: passphrase)") {
		t.Fatalf("send exit %d, stderr %q", code, stderr)
	}
	waitFor(t, friend, "the message", func(s string) bool { return strings.Contains(s, `"text":"for friends only"`) })
	waitFor(t, stranger, "the unreadable report", func(s string) bool {
		return strings.Contains(s, `"event":"unreadable","reason":"other_passphrase"`)
	})
	cancel()
	<-friendDone
	<-strangerDone
	if strings.Contains(stranger.String(), "for friends only") || strings.Contains(stranger.String(), `"event":"message"`) {
		t.Fatalf("the stranger read: %s", stranger.String())
	}
	if strings.Contains(friend.String()+stranger.String(), "a long shared passphrase") {
		t.Fatal("the passphrase was printed")
	}
}

func TestSettingsFile(t *testing.T) {
	lo := testnet.Loopback(t)
	dir := t.TempDir()
	conf := dir + "/groupcast.conf"
	if err := os.WriteFile(conf, []byte("# a lab PC\nroom = Physics 101\nname = PC07\niface = "+lo+"\ntray = true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var got netconf.Config
	var auto, tray, student bool
	var given map[string]bool
	gui := func(_ context.Context, w Window) int {
		got, auto, tray, student, given = w.Config, w.AutoJoin, w.Tray, w.Student, w.Given
		return 0
	}
	io := IO{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
	if code := Run(context.Background(), []string{"-config", conf, "-name", "Override"}, io, gui); code != 0 {
		t.Fatalf("exit %d: %v", code, io.Stderr)
	}
	if got.Room == nil || got.Room.Name != "Physics 101" || got.Nick != "Override" || got.Interface != lo || !auto || !tray || !student {
		t.Fatalf("cfg %+v auto %v tray %v student %v", got, auto, tray, student)
	}
	if !given["name"] || !given["iface"] || !given["room"] || given["ttl"] {
		t.Fatalf("given %v: want what the file and the command line said, and only that", given)
	}
	for content, want := range map[string]string{
		"colour = blue\n":       "unknown setting",
		"key = secret\n":        "-key-file",
		"just words\n":          "name = value",
		"ttl = 300\nroom = X\n": "TTL 300",
	} {
		if err := os.WriteFile(conf, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		var errOut bytes.Buffer
		code := Run(context.Background(), []string{"-config", conf}, IO{Stdout: &bytes.Buffer{}, Stderr: &errOut}, gui)
		if code != ExitUsage || !strings.Contains(errOut.String(), want) {
			t.Errorf("%q: exit %d, %q", content, code, errOut.String())
		}
	}
}

// TestChatBadLinesAreSkipped: a line over the message limit (10 MB), a
// line of invalid UTF-8 and one GBK cannot write each get an error of
// their own; the rest of the input is still sent, and the exit status
// says some input was invalid.
func TestChatBadLinesAreSkipped(t *testing.T) {
	lo := testnet.Loopback(t)
	group := "239.255.3.5:" + strconv.Itoa(int(testnet.FreePort(t)))
	long := strings.Repeat("y", 10<<20)
	in := "first\n" + long + "\nsecond\ncaf\xe9\nthird\n" + strings.Repeat("z", wire.MaxMessage) + "\n"
	code, out, stderr := run(t, context.Background(), in, "chat", "-group", group, "-iface", lo, "-name", "Script", "-json")
	if code != ExitUsage {
		t.Fatalf("exit %d; want %d (stderr %q)", code, ExitUsage, stderr)
	}
	var sent, errs []string
	for _, ev := range jsonLines(t, out) {
		switch ev["event"] {
		case "sent":
			sent = append(sent, ev["text"].(string)[:min(len(ev["text"].(string)), 6)])
		case "error":
			if ev["input"] != true {
				t.Fatalf("error not marked as input: %v", ev)
			}
			errs = append(errs, ev["error"].(string))
		}
	}
	if strings.Join(sent, "|") != "first|second|third|zzzzzz" {
		t.Fatalf("sent %q", sent)
	}
	if len(errs) != 2 || !strings.Contains(errs[0], "line 2") || !strings.Contains(errs[0], "10485760 bytes") || !strings.Contains(errs[1], "line 4") || !strings.Contains(errs[1], "UTF-8") {
		t.Fatalf("errors %q", errs)
	}

	code, _, stderr = run(t, context.Background(), "ok\ncafé ☃ 🙂\n", "chat", "-group", group, "-iface", lo, "-name", "Script", "-plain", "-encoding", "gbk")
	if code != ExitUsage || !strings.Contains(stderr, "line 2") || !strings.Contains(stderr, "GBK cannot write") {
		t.Fatalf("gbk: exit %d, stderr %q", code, stderr)
	}
}

// TestSendLongMessage: send takes what the engine takes, 64 KiB, not
// one datagram's worth.
func TestSendLongMessage(t *testing.T) {
	lo := testnet.Loopback(t)
	group := "239.255.3.6:" + strconv.Itoa(int(testnet.FreePort(t)))
	code, _, stderr := run(t, context.Background(), "", "send", "-group", group, "-iface", lo, "-name", "Alice", strings.Repeat("é", wire.MaxMessage/2))
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

// TestChatSendsAFile: in chat, "/file PATH" offers the file while the
// chat goes on, and chat waits for its final receipt before leaving; a
// listener with -save has it, byte for byte; "//file" is sent as text.
func TestChatSendsAFile(t *testing.T) {
	lo := testnet.Loopback(t)
	group := "239.255.3.6:" + strconv.Itoa(int(testnet.FreePort(t)))
	dir, save := t.TempDir(), t.TempDir()
	content := bytes.Repeat([]byte("worksheet 1 · "), 20_000)
	path := filepath.Join(dir, "worksheet.txt")
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var lout, lerr syncBuffer
	done := make(chan int)
	go func() {
		done <- Run(ctx, []string{"listen", "-group", group, "-iface", lo, "-name", "PC01", "-save", save, "-json"},
			IO{Stdin: strings.NewReader(""), Stdout: &lout, Stderr: &lerr}, nil)
	}()
	waitFor(t, &lout, "joined", func(s string) bool { return strings.Contains(s, `"event":"joined"`) })
	in := "before\n/file " + path + "\n//file is text\n/file " + filepath.Join(dir, "missing.pdf") + "\n"
	code, out, serr := run(t, context.Background(), in, "chat", "-group", group, "-iface", lo, "-name", "Ms Lee", "-json")
	if code != ExitUsage || !strings.Contains(serr+out, "line 4") {
		t.Fatalf("chat exit %d (want %d for the missing file): %s %s", code, ExitUsage, serr, out)
	}
	var sent []string
	receipt := false
	for _, ev := range jsonLines(t, out) {
		switch ev["event"] {
		case "sent":
			sent = append(sent, ev["text"].(string))
		case "file_receipt":
			receipt = receipt || ev["done"] == true && len(ev["have"].([]any)) == 1
		}
	}
	if strings.Join(sent, "|") != "before|/file is text" || !receipt {
		t.Fatalf("sent %q, receipt %v: %s", sent, receipt, out)
	}
	waitFor(t, &lout, "the file", func(s string) bool { return strings.Contains(s, `"event":"file_received"`) })
	cancel()
	<-done
	if b, err := os.ReadFile(filepath.Join(save, "worksheet.txt")); err != nil || !bytes.Equal(b, content) {
		t.Fatalf("the listener's copy: %v", err)
	}
}
