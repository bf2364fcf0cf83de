package netconf

import (
	"bytes"
	"math/rand/v2"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/groupcast/groupcast/internal/memnet"
	"github.com/groupcast/groupcast/netconf/internal/seal"
	"github.com/groupcast/groupcast/netconf/wire"
)

func TestPassphraseGroup(t *testing.T) {
	hub := memnet.NewHub()
	rec := record(hub)
	bob := joinKeyed(t, hub, "Bob", "correct horse battery staple")
	defer bob.e.Close()
	eve := joinKeyed(t, hub, "Eve", "wrong passphrase entirely")
	defer eve.e.Close()
	open := joinKeyed(t, hub, "Olga", "")
	defer open.e.Close()
	alice := joinKeyed(t, hub, "Alice", "correct horse battery staple")
	defer alice.e.Close()
	drain(alice.e)

	secret := "the exam is on Tuesday"
	alice.e.Do(Send{Text: secret})
	m := waitEvent(t, bob.e, 3*time.Second, func(ev Event) bool { _, ok := ev.(Message); return ok }).(Message)
	if m.Text != secret || m.From != "Alice" {
		t.Fatalf("bob got %+v", m)
	}
	for _, c := range []struct {
		who    *busMember
		reason UnreadableReason
	}{{eve, UnreadableOtherPassphrase}, {open, UnreadableNeedsPassphrase}} {
		u := waitEvent(t, c.who.e, 3*time.Second, func(ev Event) bool {
			if m, ok := ev.(Message); ok {
				t.Fatalf("a member without the passphrase read %q", m.Text)
			}
			if p, ok := ev.(PeerJoined); ok && p.Peer.Nick != "Olga" && p.Peer.Nick != "Eve" {
				t.Fatalf("a member without the passphrase saw %s join", p.Peer.Nick)
			}
			u, ok := ev.(Unreadable)
			return ok && u.Reason == c.reason // Eve may first report Olga's open datagrams
		}).(Unreadable)
		if u.Reason != c.reason || u.Count == 0 {
			t.Fatalf("unreadable %+v; want %s", u, c.reason)
		}
		t.Logf("%s: %s", c.reason, u.Sentence())
	}
	// Olga's open datagrams are refused by the keyed members.
	u := waitEvent(t, bob.e, 3*time.Second, func(ev Event) bool { _, ok := ev.(Unreadable); return ok }).(Unreadable)
	if u.Reason != UnreadableNoPassphrase && u.Reason != UnreadableOtherPassphrase {
		t.Fatalf("bob reports %+v", u)
	}
	time.Sleep(200 * time.Millisecond)
	rec.stop()
	keyedSeen := 0
	for _, d := range rec.datagrams() {
		if !wire.IsSealed(d) {
			continue // Olga's open datagrams
		}
		keyedSeen++
		for _, word := range []string{secret, "Tuesday", "Alice", "Bob"} {
			if bytes.Contains(d, []byte(word)) {
				t.Fatalf("a recorded sealed datagram shows %q", word)
			}
		}
	}
	if keyedSeen < 5 {
		t.Fatalf("recorded only %d sealed datagrams", keyedSeen)
	}
}

// TestReplayAndHostileFlood: replaying a whole recorded session, then
// 20 000 hostile datagrams, delivers nothing; the next real message is.
func TestReplayAndHostileFlood(t *testing.T) {
	hub := memnet.NewHub()
	rec := record(hub)
	const pass = "replay protection test passphrase"
	bob := joinKeyed(t, hub, "Bob", pass)
	defer bob.e.Close()
	alice := joinKeyed(t, hub, "Alice", pass)
	drain(alice.e)
	for i := range 20 {
		alice.e.Do(Send{Text: "real " + strings.Repeat("x", i)})
	}
	for range 20 {
		waitEvent(t, bob.e, 3*time.Second, func(ev Event) bool { _, ok := ev.(Message); return ok })
	}
	alice.e.Do(Leave{})
	waitEvent(t, bob.e, 3*time.Second, func(ev Event) bool { _, ok := ev.(PeerLeft); return ok })
	_ = alice.e.Close()

	recorded := rec.datagrams()
	rec.stop()
	injector := hub.Join()
	defer injector.Close()
	rec.replay(injector)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 20_000 {
		src := recorded[rng.IntN(len(recorded))]
		var d []byte
		switch i % 4 {
		case 0: // random bytes, some with our magic
			d = make([]byte, rng.IntN(1500))
			for j := range d {
				d[j] = byte(rng.Uint32())
			}
			if len(d) > 8 && i%8 == 0 {
				copy(d, src[:8])
			}
		case 1: // truncated
			d = src[:rng.IntN(len(src))]
		case 2: // bit-flipped
			d = append([]byte(nil), src...)
			d[rng.IntN(len(d))] ^= 1 << rng.IntN(8)
		case 3: // spliced from two
			other := recorded[rng.IntN(len(recorded))]
			cut := rng.IntN(min(len(src), len(other)))
			d = append(append([]byte(nil), src[:cut]...), other[cut:]...)
		}
		_, _ = injector.WriteTo(d, []*net.UDPAddr{memnet.Group, memnet.Control}[i%2])
		if i%2000 == 0 {
			time.Sleep(5 * time.Millisecond) // let the inbox drain
		}
	}
	deadline := time.After(2 * time.Second)
	var replayed []Event
wait:
	for {
		select {
		case ev := <-bob.e.Events():
			switch ev.(type) {
			case Message, PeerJoined, Lost:
				replayed = append(replayed, ev)
			}
		case <-deadline:
			break wait
		}
	}
	if len(replayed) > 0 {
		t.Fatalf("the replay and the flood delivered %d events, first %#v", len(replayed), replayed[0])
	}
	st := bob.e.Stats()
	if st.Replayed == 0 || st.Forged+st.Rejected == 0 {
		t.Fatalf("stats %+v: the replay and the flood were not refused", st)
	}
	carol := joinKeyed(t, hub, "Carol", pass)
	defer carol.e.Close()
	drain(carol.e)
	carol.e.Do(Send{Text: "still here?"})
	m := waitEvent(t, bob.e, 3*time.Second, func(ev Event) bool { _, ok := ev.(Message); return ok }).(Message)
	if m.Text != "still here?" {
		t.Fatalf("after the flood bob got %q", m.Text)
	}
	t.Logf("refused: %d replayed, %d forged, %d rejected, %d unsealed", st.Replayed, st.Forged, st.Rejected, st.Unsealed)
}

// The wire format sizes text for sealing by its own count of what sealing
// adds; it must be the seal package's.
func TestSealOverheadAgrees(t *testing.T) {
	if wire.SealOverhead != seal.Overhead || wire.SealedHeader != seal.HeaderSize {
		t.Fatalf("wire says %d/%d, seal %d/%d", wire.SealOverhead, wire.SealedHeader, seal.Overhead, seal.HeaderSize)
	}
}
