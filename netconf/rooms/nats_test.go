package rooms

import (
	"context"
	"crypto/ed25519"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/groupcast/groupcast/internal/hub"
	"github.com/groupcast/groupcast/netconf"
)

// A presenter joined through NATS announces its room there; a member
// through NATS hears it, marked remote, and hears its end.
func TestRoomsThroughNATS(t *testing.T) {
	h, err := hub.Start(hub.Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	o := netconf.NATSOptions{URL: h.URL()}
	pub, priv, _ := ed25519.GenerateKey(nil)
	room := netconf.Room{Name: "Home study", Group: netip.MustParseAddrPort("239.255.20.9:2020"), TTL: 1, Presenter: "Ms Lee", PresenterKey: pub}

	var mu sync.Mutex
	var heard []netconf.Room
	var ended bool
	done := make(chan error, 1)
	go func() {
		done <- discoverNATS(context.Background(), o, 3*time.Second, func(r netconf.Room, deleted bool) {
			mu.Lock()
			defer mu.Unlock()
			if deleted {
				ended = true
				return
			}
			heard = append(heard, r)
		})
	}()
	time.Sleep(200 * time.Millisecond) // subscribed
	a, err := AnnounceNATS(room, o, priv)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond) // the first announcements: at once and after 0.5 s
	_ = a.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(heard) < 2 || heard[0].Name != room.Name || !heard[0].Remote || !heard[0].PresenterKey.Equal(pub) || !ended {
		t.Fatalf("heard %d announcements: %+v; ended %v", len(heard), heard, ended)
	}
	k := NewKnown()
	local := heard[0]
	local.Remote = false
	k.Apply(local, false)
	k.Apply(heard[0], false) // also passed on by a bridge: still this network's
	if got, ok, _ := k.Lookup(room.Name); !ok || got.Remote {
		t.Fatalf("known: %+v %v", got, ok)
	}
}

// TestNATSPresenterAnswers: a member through NATS that starts listening
// while a room is presented there hears it at once: its solicitation,
// published to natsnet.SAPAskSubject, is answered.
func TestNATSPresenterAnswers(t *testing.T) {
	h, err := hub.Start(hub.Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	o := netconf.NATSOptions{URL: h.URL()}
	quietAnnouncer(t)
	room := netconf.Room{Name: "Home study", Group: netip.MustParseAddrPort("239.255.20.9:2020"), TTL: 1}
	a, err := AnnounceNATS(room, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	time.Sleep(300 * time.Millisecond) // its first announcement is past

	start := time.Now()
	var heardAt time.Duration
	if err := discoverNATS(context.Background(), o, 2*time.Second, func(r netconf.Room, deleted bool) {
		if r.Name == room.Name && !deleted && heardAt == 0 {
			heardAt = time.Since(start)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if heardAt == 0 {
		t.Fatal("the room was not heard: the solicitation was not answered")
	}
	t.Logf("room heard through NATS %v after the member started listening", heardAt.Round(time.Microsecond))
}
