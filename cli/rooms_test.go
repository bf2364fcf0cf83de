package cli

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/groupcast/groupcast/internal/testnet"
	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/rooms"
)

// TestWindowStudentRoleAndGivenFlags: the window is told which settings
// the command line (and the settings file) gave, so that saved ones fill
// only the others; a PC started in a room by name, or whose settings say
// role = student, is a student's; a student does not present.
func TestWindowStudentRoleAndGivenFlags(t *testing.T) {
	lo := testnet.Loopback(t)
	conf := filepath.Join(t.TempDir(), "groupcast.conf")
	if err := os.WriteFile(conf, []byte("role = student\nname = PC07\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var got Window
	gui := func(_ context.Context, w Window) int { got = w; return 0 }
	open := func(args ...string) (int, string) {
		var errOut bytes.Buffer
		got = Window{}
		code := Run(context.Background(), args, IO{Stdout: &bytes.Buffer{}, Stderr: &errOut}, gui)
		return code, errOut.String()
	}
	if code, e := open("-config", conf, "-iface", lo); code != 0 || !got.Student || got.AutoJoin || got.Config.Nick != "PC07" || !got.Given["name"] || !got.Given["iface"] || got.Given["join"] {
		t.Fatalf("role = student: exit %d %s, %+v", code, e, got)
	}
	if code, e := open("-name", "Bob", "-iface", lo); code != 0 || got.Student || got.Config.Nick != "Bob" || !got.Given["name"] || got.Given["ttl"] {
		t.Fatalf("-name Bob: exit %d %s, %+v", code, e, got)
	}
	if code, e := open("-room", "Chemistry 9", "-iface", lo, "-room-wait", "30s"); code != 0 || !got.Student || !got.AutoJoin || got.RoomWait != 30*time.Second {
		t.Fatalf("-room: exit %d %s, %+v", code, e, got)
	}
	key := filepath.Join(t.TempDir(), "presenter.key")
	if code, e := open("-room", "Chemistry 9", "-present", "-presenter-key", key, "-iface", lo); code != 0 || got.Student || got.Config.Presenter == nil {
		t.Fatalf("-room -present: exit %d %s, %+v", code, e, got)
	}
	for _, bad := range []struct {
		args    []string
		mention string
	}{
		{[]string{"-role", "teacher"}, "-role is student"},
		{[]string{"-config", conf, "-room", "Chemistry 9", "-present", "-presenter-key", key}, "does not present"},
		{[]string{"-room", "Chemistry 9", "-room-wait", "-1s"}, "negative"},
	} {
		if code, e := open(bad.args...); code != ExitUsage || !strings.Contains(e, bad.mention) {
			t.Errorf("%v: exit %d, %q", bad.args, code, e)
		}
	}
}

// loopbackRoom is a room on a free group, announced on loopback (rooms
// announced in a test never leave the machine).
func loopbackRoom(t *testing.T, name string) (netconf.Room, netconf.Choice) {
	t.Helper()
	lo := testnet.Loopback(t)
	iface, err := netconf.ResolveInterface(lo, rooms.SAPGroup.Addr())
	if err != nil {
		t.Skipf("loopback: %v", err)
	}
	g := netip.MustParseAddrPort(fmt.Sprintf("239.255.21.%d:%d", 1+testnet.FreePort(t)%200, testnet.FreePort(t)))
	return netconf.Room{Name: name, Group: g, TTL: 1, Version: rooms.NewVersion()}, iface
}

// TestListenWaitsForTheRoom: a lab PC started before the teacher (listen
// -room NAME -room-key KEY) says once that it waits, joins as soon as the
// room is announced, and follows it when the teacher starts it again on
// another group; interrupted, it exits 0.
func TestListenWaitsForTheRoom(t *testing.T) {
	room, iface := loopbackRoom(t, "Chemistry 9")
	pub, key, _ := ed25519.GenerateKey(nil)
	room.Presenter, room.PresenterKey = "Ms Lee", pub
	fp := rooms.Fingerprint(pub)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	code := make(chan int, 1)
	go func() {
		code <- Run(ctx, []string{"listen", "-iface", iface.Name, "-room", room.Name, "-room-key", fp, "-name", "PC1", "-json"},
			IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut}, nil)
	}()
	waiting := fmt.Sprintf("Waiting for Chemistry 9 (key %s) to start…", fp)
	waitFor(t, &errOut, "the waiting line", func(s string) bool { return strings.Contains(s, waiting) })
	waitFor(t, &out, "the waiting event", func(s string) bool { return strings.Contains(s, `"event":"waiting"`) })

	a, err := rooms.Announce(room, iface, key)
	if err != nil {
		t.Skipf("announce on %s: %v", iface.Name, err)
	}
	appeared := time.Now()
	waitFor(t, &out, "joining the room", func(s string) bool { return strings.Contains(s, `"event":"joined"`) })
	t.Logf("joined %v after the room was announced", time.Since(appeared).Round(time.Millisecond))
	if !strings.Contains(out.String(), `"group":"`+room.Group.String()+`"`) {
		t.Fatalf("joined elsewhere: %s", out.String())
	}

	// The teacher starts the room again on another group.
	_ = a.Close()
	moved, _ := loopbackRoom(t, room.Name)
	moved.Presenter, moved.PresenterKey, moved.Version = "Ms Lee", pub, room.Version+1
	a, err = rooms.Announce(moved, iface, key)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	waitFor(t, &out, "following the room", func(s string) bool {
		return strings.Contains(s, `"event":"room_moved"`) && strings.Count(s, `"event":"joined"`) == 2
	})
	if !strings.Contains(out.String(), `"group":"`+moved.Group.String()+`"`) {
		t.Fatalf("did not join the new group: %s", out.String())
	}
	cancel()
	if c := <-code; c != ExitOK {
		t.Fatalf("exit %d: %s", c, errOut.String())
	}
	if n := strings.Count(errOut.String(), "Waiting for"); n != 1 {
		t.Fatalf("said %d times that it waits: %s", n, errOut.String())
	}
}

// TestRoomWaitGivesUp: with -room-wait, a room that is not announced in
// that time ends the command with status 1 and the sentence.
func TestRoomWaitGivesUp(t *testing.T) {
	lo := testnet.Loopback(t)
	code, _, errOut := run(t, context.Background(), "", "listen", "-iface", lo, "-room", "Nothing here", "-room-wait", "2s")
	if code != ExitFailure || !strings.Contains(errOut, `no room named "Nothing here" was announced on this network within 2s`) ||
		strings.Count(errOut, "Waiting for Nothing here to start…") != 1 {
		t.Fatalf("exit %d: %q", code, errOut)
	}
}

// TestRoomsFoundAtOnce: while a room is presented (its first
// announcements long past), groupcast rooms -wait 1s lists it and listen
// -room NAME joins it in well under the old 6 s: the presenter answers
// their solicitations. The figures are printed.
func TestRoomsFoundAtOnce(t *testing.T) {
	room, iface := loopbackRoom(t, "Physics 101")
	a, err := rooms.Announce(room, iface, nil)
	if err != nil {
		t.Skipf("announce on %s: %v", iface.Name, err)
	}
	defer a.Close()
	time.Sleep(1700 * time.Millisecond) // past its announcements at 0, 0.5 and 1.5 s; the next is at 3.5 s

	var out syncBuffer
	start := time.Now()
	done := make(chan int, 1)
	go func() {
		done <- Run(context.Background(), []string{"rooms", "-iface", iface.Name, "-wait", "1s", "-json"}, IO{Stdout: &out, Stderr: &bytes.Buffer{}}, nil)
	}()
	waitFor(t, &out, "the room listed", func(s string) bool { return strings.Contains(s, `"name":"Physics 101"`) })
	listed := time.Since(start)
	if c := <-done; c != ExitOK {
		t.Fatalf("rooms exit %d", c)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var lout syncBuffer
	start = time.Now()
	go func() {
		done <- Run(ctx, []string{"listen", "-iface", iface.Name, "-room", room.Name, "-json"}, IO{Stdout: &lout, Stderr: &bytes.Buffer{}}, nil)
	}()
	waitFor(t, &lout, "joining by name", func(s string) bool { return strings.Contains(s, `"event":"joined"`) })
	joined := time.Since(start)
	cancel()
	if c := <-done; c != ExitOK {
		t.Fatalf("listen exit %d", c)
	}
	if joined >= rooms.AnnounceInterval {
		t.Fatalf("joined by name after %v: it waited for a steady announcement", joined)
	}
	t.Logf("rooms -wait 1s listed the room %v after it started; listen -room joined %v after it started", listed.Round(time.Millisecond), joined.Round(time.Millisecond))
}
