package e2e

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLabPrivateGroup: a keyed sender's message is read by a receiver with
// the same passphrase; a receiver with another passphrase shows nothing of
// it; a passive recorder never sees the text. Then the recording is
// replayed and 20 000 hostile datagrams made from it are sent: the
// receiver delivers nothing new, stays alive under 200 MB, and still
// delivers the next real message.
func TestLabPrivateGroup(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	lab := NewLab(t, 4)
	bin := Binary(t)
	tool := Tool(t, "gchostile")
	const group = "239.255.6.6:6666"
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "class.key")
	if err := os.WriteFile(keyFile, []byte("violet umbrella seventeen harbour\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	recording := filepath.Join(dir, "session.rec")

	friend := Start(t, "friend", lab.Command(lab.Hosts[1], bin, "listen", "-group", group, "-name", "Friend", "-key-file", keyFile, "-json"))
	strangerCmd := lab.Command(lab.Hosts[2], bin, "listen", "-group", group, "-name", "Stranger", "-json")
	strangerCmd.Env = append(os.Environ(), "GROUPCAST_KEY=a different passphrase of some length")
	stranger := Start(t, "stranger", strangerCmd)
	for _, p := range []*Proc{friend, stranger} {
		p.WaitFor("joined", 1, 10*time.Second)
		if p.Events("joined")[0]["private"] != true {
			t.Fatalf("%s did not join a private group: %v", p.Name, p.Events("joined"))
		}
	}
	rec := lab.Command(lab.Hosts[3], tool, "record", "-group", group, "-out", recording)
	var recOut bytes.Buffer
	rec.Stdout, rec.Stderr = &recOut, &recOut
	if err := rec.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)

	secret := "The exam moves to Tuesday, room 4.12"
	code, _, errOut := lab.Run(lab.Hosts[0], bin, "send", "-group", group, "-name", "Teacher", "-key-file", keyFile, secret)
	if code != 0 {
		t.Fatalf("send exited %d: %s", code, errOut)
	}
	friend.WaitFor("message", 1, 5*time.Second)
	if m := friend.Events("message")[0]; m["text"] != secret || m["from"] != "Teacher" {
		t.Fatalf("friend got %v", m)
	}
	stranger.WaitFor("unreadable", 1, 5*time.Second)
	if u := stranger.Events("unreadable")[0]; u["reason"] != "other_passphrase" {
		t.Fatalf("stranger reports %v", u)
	}
	_ = rec.Process.Signal(syscall.SIGINT)
	_ = rec.Wait()

	data, err := os.ReadFile(recording)
	if err != nil {
		t.Fatal(err)
	}
	datagrams := 0
	for b := data; len(b) >= 3; { // a record: port (0: the group's, 1: companion), length, bytes
		n := int(binary.BigEndian.Uint16(b[1:]))
		d := b[3 : 3+n]
		b = b[3+n:]
		datagrams++
		for _, word := range []string{secret, "Tuesday", "Teacher", "exam"} {
			if bytes.Contains(d, []byte(word)) {
				t.Fatalf("the recorder saw %q in a datagram", word)
			}
		}
	}
	if datagrams < 3 {
		t.Fatalf("the recorder caught only %d datagrams (%s)", datagrams, recOut.String())
	}

	before := len(friend.Events(""))
	code, out, errOut := lab.Run(lab.Hosts[3], tool, "replay", "-group", group, "-in", recording, "-hostile", "20000")
	if code != 0 {
		t.Fatalf("replay: %s %s", out, errOut)
	}
	time.Sleep(2 * time.Second)
	if !friend.Alive() {
		t.Fatalf("the receiver died: %s", friend.Stderr())
	}
	rss := friend.RSS()
	for _, e := range friend.Events("")[before:] {
		switch e["event"] {
		case "message", "peer_joined", "lost", "peer_left":
			t.Fatalf("the replay or the flood produced %v", e)
		}
	}
	if rss > 200<<20 {
		t.Fatalf("the receiver uses %d MB after the flood", rss>>20)
	}
	code, _, errOut = lab.Run(lab.Hosts[0], bin, "send", "-group", group, "-name", "Teacher", "-key-file", keyFile, "and one more thing")
	if code != 0 {
		t.Fatalf("second send exited %d: %s", code, errOut)
	}
	friend.WaitFor("message", 2, 5*time.Second)
	if m := friend.Events("message")[1]; m["text"] != "and one more thing" {
		t.Fatalf("after the flood the friend got %v", m)
	}
	if n := len(stranger.Events("message")); n != 0 {
		t.Fatalf("the stranger printed %d messages", n)
	}
	for _, p := range []*Proc{friend, stranger} {
		if code := p.Stop(); code != 0 {
			t.Errorf("%s exited %d", p.Name, code)
		}
	}
	var unread []string
	for _, u := range friend.Events("unreadable") {
		unread = append(unread, u["text"].(string))
	}
	t.Logf("recorded %d datagrams, none readable; after replay + 20 000 hostile: receiver alive, %d MB RSS; it reported: %s",
		datagrams, rss>>20, strings.Join(unread, "; "))
}
