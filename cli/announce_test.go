package cli

import (
	"context"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/groupcast/groupcast/internal/testnet"
)

// TestChatPresenterTalksAndAnnounces: in chat -present each line is the
// presenter's message and "/announce TEXT" announces; a listener that
// joined the read-only room by name shows the one as the presenter's
// message and the other as an announcement, and the presenter's receipt
// numbers the announcement. "/announce" with nothing to announce is a
// bad line (exit 2), "//announce" is text, and a member that does not
// present cannot announce.
func TestChatPresenterTalksAndAnnounces(t *testing.T) {
	lo := testnet.Loopback(t)
	port := strconv.Itoa(int(testnet.FreePort(t)))
	group, room := "239.255.3.7:"+port, "Announce test "+port // a name no other test announces
	key := filepath.Join(t.TempDir(), "presenter.key")
	in, typed := io.Pipe()
	var pout, perr syncBuffer
	presenter := make(chan int, 1)
	go func() {
		presenter <- Run(context.Background(), []string{"chat", "-room", room, "-group", group, "-present", "-readonly",
			"-presenter-key", key, "-iface", lo, "-name", "Ms Lee", "-json"}, IO{Stdin: in, Stdout: &pout, Stderr: &perr}, nil)
	}()
	waitFor(t, &pout, "the presenter joined", func(s string) bool { return strings.Contains(s, `"event":"joined"`) })

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var lout, lerr syncBuffer
	listener := make(chan int, 1)
	go func() {
		listener <- Run(ctx, []string{"listen", "-room", room, "-iface", lo, "-name", "PC01", "-json"},
			IO{Stdin: strings.NewReader(""), Stdout: &lout, Stderr: &lerr}, nil)
	}()
	// Joining by name listens for the room's announcements for 6 s first.
	waitWithin(t, 30*time.Second, "the listener joined the room", func() bool { return strings.Contains(lout.String(), `"event":"joined"`) },
		func() string { return lout.String() + lerr.String() })

	lines := "/announce Open chapter 3\nYes, chapter 3 only.\n/announce  \n//announce is text\n"
	if _, err := io.WriteString(typed, lines); err != nil {
		t.Fatal(err)
	}
	typed.Close()
	var code int
	select {
	case code = <-presenter:
	case <-time.After(60 * time.Second):
		t.Fatal("the presenter's chat did not end")
	}
	if code != ExitUsage || !strings.Contains(pout.String()+perr.String(), "line 3: /announce: nothing to announce") {
		t.Fatalf("presenter exit %d (want %d for line 3): %s %s", code, ExitUsage, pout.String(), perr.String())
	}
	var sent []string
	numbered := false
	for _, ev := range jsonLines(t, pout.String()) {
		switch ev["event"] {
		case "sent":
			sent = append(sent, ev["text"].(string)+mark(ev))
		case "receipt":
			numbered = numbered || ev["seq"] == 1.0 && ev["number"] == 1.0
		}
	}
	if strings.Join(sent, "|") != "Open chapter 3 📢|Yes, chapter 3 only. presenter|/announce is text presenter" || !numbered {
		t.Fatalf("presenter sent %q, receipt numbered %v: %s", sent, numbered, pout.String())
	}

	waitWithin(t, 10*time.Second, "three messages", func() bool { return strings.Count(lout.String(), `"event":"message"`) >= 3 },
		func() string { return lout.String() })
	cancel()
	<-listener
	var got []string
	for _, ev := range jsonLines(t, lout.String()) {
		if ev["event"] == "message" {
			got = append(got, ev["text"].(string)+mark(ev))
		}
	}
	if strings.Join(got, "|") != "Open chapter 3 📢|Yes, chapter 3 only. presenter|/announce is text presenter" {
		t.Fatalf("the listener showed %q", got)
	}

	// Without -present there is nothing to announce with.
	code, out, serr := run(t, context.Background(), "/announce hi\nhello\n", "chat", "-group", group, "-iface", lo, "-name", "Bob", "-json")
	if code != ExitUsage || !strings.Contains(out+serr, "only a room's presenter announces") || !strings.Contains(out, `"text":"hello"`) {
		t.Fatalf("a member's /announce: exit %d: %s %s", code, out, serr)
	}
}

// mark is how a sent or message event is marked: " 📢" for an
// announcement, " presenter" for the presenter's message.
func mark(ev map[string]any) string {
	switch {
	case ev["announcement"] == true && ev["presenter"] == true:
		return " 📢"
	case ev["announcement"] == true:
		return " announcement without presenter"
	case ev["presenter"] == true:
		return " presenter"
	}
	return ""
}

// waitWithin polls cond until it holds, failing after limit with what
// have says.
func waitWithin(t *testing.T, limit time.Duration, what string, cond func() bool, have func() string) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; have %q", what, have())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
