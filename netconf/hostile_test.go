package netconf

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupcast/groupcast/internal/lossy"
	"github.com/groupcast/groupcast/internal/memnet"
)

// Attacks on the engine from a member of the bus that writes whatever it
// likes: every field of every datagram is chosen by the attacker.

// forger writes crafted datagrams onto a bus from a host of its own.
type forger struct {
	t    testing.TB
	conn *memnet.Conn
	buf  []byte
}

func newForger(t testing.TB, hub *memnet.Hub) *forger {
	f := &forger{t: t, conn: hub.Join()}
	t.Cleanup(func() { _ = f.conn.Close() })
	return f
}

func (f *forger) send(p Packet) {
	f.t.Helper()
	if p.Time == 0 {
		p.Time = time.Now().UnixMicro()
	}
	if p.Nick == "" {
		p.Nick = "Mallory"
	}
	b, err := AppendEncode(f.buf[:0], &p)
	if err != nil {
		f.t.Fatalf("forge %+v: %v", p, err)
	}
	f.buf = b
	if _, err := f.conn.WriteTo(b, memnet.Group); err != nil {
		f.t.Fatal(err)
	}
}

// control forges a HELLO, HEARTBEAT or LEAVE of id claiming seq.
func (f *forger) control(kind Kind, id SenderID, seq, trail uint64, started time.Time) {
	f.t.Helper()
	f.send(Packet{Kind: kind, Sender: id, Seq: seq, Body: AppendControl(nil, Control{Trail: trail, Started: started.UnixMicro()})})
}

// expectText waits for a message with text, failing on any loss report.
func expectText(t *testing.T, e *Engine, limit time.Duration, text string) Message {
	t.Helper()
	return waitEvent(t, e, limit, func(ev Event) bool {
		if l, ok := ev.(Lost); ok {
			t.Fatalf("false loss reported: %+v", l)
		}
		m, ok := ev.(Message)
		return ok && m.Text == text
	}).(Message)
}

// closesQuickly fails when Close takes longer than a second.
func closesQuickly(t *testing.T, e *Engine) {
	t.Helper()
	done := make(chan struct{})
	go func() { _ = e.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("Close did not return within a second: the loop is stuck")
	}
}

// TestForgedHugeSeqDoesNotFreeze: a 51-byte LEAVE, or a HELLO and then a
// heartbeat, claiming seq 2^62 once spun the loop forever. Now the claim
// is refused as one no sender could have made, and a real member's next
// message arrives at once.
func TestForgedHugeSeqDoesNotFreeze(t *testing.T) {
	hub := memnet.NewHub()
	bob := joinBus(t, hub, "Bob", lossy.Faults{}, DefaultTiming())
	alice := joinBus(t, hub, "Alice", lossy.Faults{}, DefaultTiming())
	defer alice.e.Close()
	drain(alice.e)
	f := newForger(t, hub)
	now := time.Now()
	f.control(KindLeave, SenderID{0xba, 1}, 1<<62, 1, now)
	f.control(KindHello, SenderID{0xba, 2}, 0, 1, now)
	f.control(KindHeartbeat, SenderID{0xba, 2}, 1<<62, 1, now)
	f.control(KindLeave, SenderID{0xba, 2}, 1<<62, 1, now)
	alice.e.Do(Send{Text: "still here"})
	expectText(t, bob.e, time.Second, "still here")
	if st := bob.e.Stats(); st.Implausible < 2 {
		t.Fatalf("stats %+v: want the two claims of seq 2^62 refused", st)
	}
	closesQuickly(t, bob.e)
}

// TestForgedControlForAnotherMember: in an open group, a LEAVE or a
// heartbeat carrying Alice's sender id but sent from another host is
// refused: Alice stays in the roster, nobody asks for seqs she never
// sent, and her leaving reports no loss.
func TestForgedControlForAnotherMember(t *testing.T) {
	hub := memnet.NewHub()
	bob := joinBus(t, hub, "Bob", lossy.Faults{}, fastTiming())
	defer bob.e.Close()
	alice := joinBus(t, hub, "Alice", lossy.Faults{}, fastTiming())
	drain(alice.e)
	alice.e.Do(Send{Text: "one"})
	m := expectText(t, bob.e, time.Second, "one")
	f := newForger(t, hub)
	f.control(KindHeartbeat, m.Sender, 5000, 1, time.Now().Add(-time.Minute))
	f.control(KindLeave, m.Sender, 5000, 1, time.Now().Add(-time.Minute))
	alice.e.Do(Send{Text: "two"})
	expectText(t, bob.e, time.Second, "two")
	inRoster := false
	for _, p := range bob.e.Roster() {
		inRoster = inRoster || p.ID == m.Sender
	}
	if !inRoster {
		t.Fatalf("a forged LEAVE removed Alice: %+v", bob.e.Roster())
	}
	alice.e.Do(Leave{Linger: true})
	waitEvent(t, bob.e, 3*time.Second, func(ev Event) bool {
		switch ev := ev.(type) {
		case Lost:
			t.Fatalf("false loss after a forged heartbeat: %+v", ev)
		case PeerLeft:
			if ev.Timeout || ev.Peer.ID != m.Sender {
				t.Fatalf("left %+v", ev)
			}
			return true
		}
		return false
	})
	st := bob.e.Stats()
	if st.Impostors != 2 || st.NacksOut != 0 {
		t.Fatalf("stats %+v: want 2 impostor datagrams refused and no NACK", st)
	}
	_ = alice.e.Close()
}

// TestPartitionDeliversOnce: a receiver cut off from a sender for longer
// than the peer timeout (a cable pulled, a bridge port down) declares it
// gone; when the sender is heard again, delivery resumes where it
// stopped: nothing twice, and what was sent meanwhile is repaired.
func TestPartitionDeliversOnce(t *testing.T) {
	hub := memnet.NewHub()
	var cut atomic.Bool
	timing := fastTiming()
	bob := joinBus(t, hub, "Bob", lossy.Faults{DropIf: func(b []byte) bool {
		p, err := Decode(b)
		return cut.Load() && err == nil && p.Nick == "Alice"
	}}, timing)
	defer bob.e.Close()
	alice := joinBus(t, hub, "Alice", lossy.Faults{}, timing)
	defer alice.e.Close()
	drain(alice.e)
	c := collect(bob.e, 50)
	send := func(from, to int) {
		for i := from; i <= to; i++ {
			alice.e.Do(Send{Text: fmt.Sprintf("m%02d", i)})
		}
	}
	send(1, 25)
	time.Sleep(300 * time.Millisecond)
	cut.Store(true)
	send(26, 40)
	time.Sleep(3 * timing.PeerTimeout)
	cut.Store(false)
	send(41, 50)
	select {
	case <-c.counted:
	case <-time.After(5 * time.Second):
	}
	time.Sleep(500 * time.Millisecond) // room for a duplicate to show up
	c.mu.Lock()
	defer c.mu.Unlock()
	var want []string
	for i := 1; i <= 50; i++ {
		want = append(want, fmt.Sprintf("m%02d", i))
	}
	if got := strings.Join(c.got["Alice"], ","); got != strings.Join(want, ",") || len(c.lost) != 0 || c.left["Alice"] != 1 {
		t.Fatalf("delivered %s (want m01..m50, each once), lost %v, left %v", got, c.lost, c.left)
	}
}
