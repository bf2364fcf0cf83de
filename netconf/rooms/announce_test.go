package rooms

import (
	"context"

	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/groupcast/groupcast/internal/testnet"
	"github.com/groupcast/groupcast/netconf"
)

// loopbackChoice is the loopback interface, to announce and listen on
// (nothing leaves the machine; scripts/isolated runs it in a namespace
// of its own).
func loopbackChoice(t *testing.T) netconf.Choice {
	t.Helper()
	name := testnet.Loopback(t)
	c, err := netconf.ResolveInterface(name, SAPGroup.Addr())
	if err != nil {
		t.Skipf("loopback: %v", err)
	}
	return c
}

// quietAnnouncer makes announcers send their first announcement only:
// what a directory hears after that is an answer.
func quietAnnouncer(t *testing.T) {
	old := announceSteps
	announceSteps = []time.Duration{time.Hour}
	t.Cleanup(func() { announceSteps = old })
}

// TestDiscoverSolicits: on real sockets, a directory started while a
// room is presented (its first announcements long gone) hears it at
// once: its solicitation is answered.
func TestDiscoverSolicits(t *testing.T) {
	iface := loopbackChoice(t)
	quietAnnouncer(t)
	room := netconf.Room{Name: "Physics 101", Group: netip.MustParseAddrPort("239.255.20.1:2020"), TTL: 1}
	a, err := Announce(room, iface, nil)
	if err != nil {
		t.Skipf("announce on %s: %v", iface.Name, err)
	}
	defer a.Close()
	time.Sleep(300 * time.Millisecond) // its first announcement is past

	start := time.Now()
	var heardAt time.Duration
	err = Discover(context.Background(), iface.Name, 2*time.Second, func(r netconf.Room, deleted bool) {
		if r.Name == room.Name && !deleted && heardAt == 0 {
			heardAt = time.Since(start)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if heardAt == 0 {
		t.Fatal("the room was not heard: the solicitation was not answered")
	}
	t.Logf("room heard %v after the directory started", heardAt.Round(time.Microsecond))
}

// TestSolicitationFloodOnTheWire: a student's program floods the SAP
// group with solicitations for a second; the presenter's announcer
// sends at most one announcement per AnswerGap meanwhile (counted by a
// listener on the group), and still answers.
func TestSolicitationFloodOnTheWire(t *testing.T) {
	iface := loopbackChoice(t)
	quietAnnouncer(t)
	room := netconf.Room{Name: "Physics 101", Group: netip.MustParseAddrPort("239.255.20.1:2020"), TTL: 1}
	in, _, err := Listen(iface.Name)
	if err != nil {
		t.Skipf("listen on %s: %v", iface.Name, err)
	}
	var mu sync.Mutex
	var heard []time.Time
	read := make(chan struct{})
	go func() {
		defer close(read)
		buf := make([]byte, 2048)
		for {
			n, _, err := in.ReadFrom(buf)
			if err != nil {
				return
			}
			if r, del, err := ParseSAP(buf[:n]); err == nil && r.Name == room.Name && !del {
				mu.Lock()
				heard = append(heard, time.Now())
				mu.Unlock()
			}
		}
	}()
	a, err := Announce(room, iface, nil)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)

	write, closeSender, err := OpenSender(iface, 1)
	if err != nil {
		t.Fatal(err)
	}
	ask := AppendSolicit(nil, iface.Addr())
	start, sent := time.Now(), 0
	for time.Since(start) < time.Second {
		if write(ask) == nil {
			sent++
		}
	}
	flood := time.Since(start)
	time.Sleep(2 * AnswerGap)
	closeSender()
	_ = a.Close()
	_ = in.Close()
	<-read

	mu.Lock()
	defer mu.Unlock()
	during := 0
	for _, at := range heard {
		if !at.Before(start) {
			during++
		}
	}
	most := int((flood+2*AnswerGap)/AnswerGap) + 1
	t.Logf("%d solicitations in %v: %d announcements heard (at most %d)", sent, flood.Round(time.Millisecond), during, most)
	if during == 0 {
		t.Fatal("the flood was not answered at all")
	}
	if during > most {
		t.Fatalf("%d announcements for the flood; at most %d", during, most)
	}
}
