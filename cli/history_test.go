package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/groupcast/groupcast/internal/testnet"
)

// listen -history keeps what it printed; groupcast history finds it by
// words (Chinese two-character words too), by person, and exports it.
func TestHistoryKeptAndSearched(t *testing.T) {
	lo := testnet.Loopback(t)
	group := "239.255.3.5:" + strconv.Itoa(int(testnet.FreePort(t)))
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var lout, lerr syncBuffer
	done := make(chan int)
	go func() {
		done <- Run(ctx, []string{"listen", "-group", group, "-iface", lo, "-name", "Listener", "-history-dir", dir},
			IO{Stdin: strings.NewReader(""), Stdout: &lout, Stderr: &lerr}, nil)
	}()
	waitFor(t, &lerr, "joined", func(s string) bool { return strings.Contains(s, "joined "+group) })
	code, _, cerr := run(t, context.Background(), "the worksheet is on page 4\n明天考试\n", "chat", "-group", group, "-iface", lo, "-name", "Ms Lee", "-history-dir", dir)
	if code != ExitOK {
		t.Fatalf("chat exit %d: %s", code, cerr)
	}
	waitFor(t, &lout, "two messages", func(s string) bool { return strings.Contains(s, "明天考试") })
	cancel()
	if code := <-done; code != ExitOK {
		t.Fatalf("listen exit %d: %s", code, lerr.String())
	}

	// Both kept the two lines: the listener as received, the chat as sent
	// (kept once each, although both wrote the same store).
	code, out, herr := run(t, context.Background(), "", "history", "-dir", dir, "-group", group, "-json")
	if code != ExitOK {
		t.Fatalf("history exit %d: %s", code, herr)
	}
	var texts []string
	for _, ev := range jsonLines(t, out) {
		if ev["kind"] == "message" {
			texts = append(texts, ev["nick"].(string)+": "+ev["text"].(string))
			if ev["group"] != group || ev["event"] != "history" {
				t.Fatalf("row %v", ev)
			}
		}
	}
	if strings.Join(texts, "|") != "Ms Lee: the worksheet is on page 4|Ms Lee: 明天考试" {
		t.Fatalf("kept: %q\n%s", texts, out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-search", "考试"}, "明天考试"},
		{[]string{"-search", "WORKSHEET"}, "the worksheet is on page 4"},
		{[]string{"-search", "worksheet", "-from", "Nobody"}, ""},
		{[]string{"-search", "page", "-since", "1h"}, "the worksheet is on page 4"},
		{[]string{"-search", "page", "-since", "2099-01-01"}, ""},
	} {
		code, out, herr := run(t, context.Background(), "", append([]string{"history", "-dir", dir}, c.args...)...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d: %s", c.args, code, herr)
		}
		if (c.want == "") != (strings.TrimSpace(out) == "") || !strings.Contains(out, c.want) {
			t.Errorf("%v: %q, want %q", c.args, out, c.want)
		}
	}
	html := filepath.Join(t.TempDir(), "lesson.html")
	if code, _, herr := run(t, context.Background(), "", "history", "-dir", dir, "-search", "page", "-export", html); code != ExitOK {
		t.Fatalf("export: %d %s", code, herr)
	}
	if b, _ := os.ReadFile(html); !bytes.Contains(b, []byte("Ms Lee: the worksheet is on page 4")) || !bytes.Contains(b, []byte("<table>")) {
		t.Fatalf("export: %s", b)
	}
	for _, bad := range [][]string{{"-export", "x.pdf"}, {"-since", "yesterday"}, {"-limit", "0"}, {"-group", "g", "-room", "r"}, {"words"}} {
		if code, _, _ := run(t, context.Background(), "", append([]string{"history", "-dir", dir}, bad...)...); code != ExitUsage {
			t.Errorf("history %v: exit %d, want %d", bad, code, ExitUsage)
		}
	}
	if code, _, herr := run(t, context.Background(), "", "history", "-dir", t.TempDir()); code != ExitFailure || !strings.Contains(herr, "no history") {
		t.Errorf("an empty folder: %d %q", code, herr)
	}
}

// A private group's history is sealed at rest with its passphrase.
func TestPrivateHistorySealed(t *testing.T) {
	lo := testnet.Loopback(t)
	group := "239.255.3.6:" + strconv.Itoa(int(testnet.FreePort(t)))
	dir := t.TempDir()
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte("correct horse battery staple\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, cerr := run(t, context.Background(), "the answers are zanzibar\n", "chat", "-group", group, "-iface", lo, "-key-file", keyFile, "-history-dir", dir)
	if code != ExitOK {
		t.Fatalf("chat exit %d: %s", code, cerr)
	}
	time.Sleep(10 * time.Millisecond)
	for _, f := range []string{"history.db", "history.db-wal"} {
		if b, err := os.ReadFile(filepath.Join(dir, f)); err == nil && bytes.Contains(b, []byte("zanzibar")) {
			t.Fatalf("%s holds the private line in clear", f)
		}
	}
	code, out, _ := run(t, context.Background(), "", "history", "-dir", dir)
	if code != ExitOK || !strings.Contains(out, "not readable without the group's passphrase") || strings.Contains(out, "zanzibar") {
		t.Fatalf("history without the passphrase: %d %q", code, out)
	}
	// With it, the rows read and are searched.
	code, out, _ = run(t, context.Background(), "", "history", "-dir", dir, "-group", group, "-key-file", keyFile, "-search", "zanzibar")
	if code != ExitOK || !strings.Contains(out, "the answers are zanzibar") {
		t.Fatalf("history with the passphrase: %d %q", code, out)
	}
	// Another passphrase opens nothing; a passphrase needs a conversation.
	other := filepath.Join(t.TempDir(), "other")
	if err := os.WriteFile(other, []byte("not the passphrase at all\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, _ = run(t, context.Background(), "", "history", "-dir", dir, "-group", group, "-key-file", other); code != ExitOK || strings.Contains(out, "zanzibar") {
		t.Fatalf("history with another passphrase: %d %q", code, out)
	}
	if code, _, errOut := run(t, context.Background(), "", "history", "-dir", dir, "-key-file", keyFile); code != ExitUsage || !strings.Contains(errOut, "-group or -room") {
		t.Fatalf("a passphrase for no conversation: %d %q", code, errOut)
	}
}
