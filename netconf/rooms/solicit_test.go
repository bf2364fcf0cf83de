package rooms

import (
	"bytes"
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupcast/groupcast/netconf"
)

// TestSolicitation: a solicitation reads back; every other form (a byte
// changed, one more or one less) is refused; and our own SAP reader, as
// an earlier Groupcast or a bridge reads the SAP group, takes it for no
// room.
func TestSolicitation(t *testing.T) {
	origin := netip.MustParseAddr("198.18.0.7")
	b := AppendSolicit(nil, origin)
	if len(b) != solicitLen || !bytes.HasPrefix(b, []byte{0x20, 0, 0, 0, 198, 18, 0, 7}) || !bytes.HasSuffix(b, []byte(solicitType+"\x00")) {
		t.Fatalf("solicitation % x", b)
	}
	if got, ok := ParseSolicit(b); !ok || got != origin {
		t.Fatalf("parsed %v %v", got, ok)
	}
	if got, ok := ParseSolicit(AppendSolicit(nil, netip.MustParseAddr("::1"))); !ok || got != netip.IPv4Unspecified() {
		t.Fatalf("no IPv4 origin: %v %v", got, ok)
	}
	for i := range b {
		if i >= 4 && i < 8 {
			continue // the origin: any address
		}
		bad := append([]byte(nil), b...)
		bad[i] ^= 0x01
		if _, ok := ParseSolicit(bad); ok {
			t.Fatalf("byte %d changed: accepted", i)
		}
	}
	if _, ok := ParseSolicit(append(append([]byte(nil), b...), 'x')); ok {
		t.Fatal("a longer one was accepted")
	}
	if _, ok := ParseSolicit(b[:len(b)-1]); ok {
		t.Fatal("a shorter one was accepted")
	}
	if _, _, err := ParseSAP(b); !errors.Is(err, ErrNotRoom) {
		t.Fatalf("read as a room: %v", err)
	}
	ann, _ := AppendSAP(nil, netconf.Room{Name: "Chat", Group: netconf.DefaultGroup}, false, nil)
	if _, ok := ParseSolicit(ann); ok {
		t.Fatal("an announcement was read as a solicitation")
	}
}

// TestSolicitationIsHarmlessToSAPListeners reads a solicitation as RFC
// 2974 has a SAP listener read it: version 1, not a deletion (so no
// session it holds goes), a zero message hash (which a listener may
// discard outright), and a payload type that is not application/sdp (so
// nothing is listed).
func TestSolicitationIsHarmlessToSAPListeners(t *testing.T) {
	b := AppendSolicit(nil, netip.MustParseAddr("198.18.0.7"))
	if b[0]>>5 != 1 || b[0]&(1<<2) != 0 || b[0]&0x3 != 0 || b[1] != 0 {
		t.Fatalf("header %08b %d: not a plain SAP v1 announcement", b[0], b[1])
	}
	if b[2] != 0 || b[3] != 0 {
		t.Fatal("message hash is not zero")
	}
	typ, _, ok := bytes.Cut(b[8:], []byte{0})
	if !ok || string(typ) == sapSDPType || bytes.HasPrefix(b[8:], []byte("v=0")) {
		t.Fatalf("payload type %q: a listener would read a session description", typ)
	}
}

func FuzzParseSolicit(f *testing.F) {
	f.Add(AppendSolicit(nil, netip.MustParseAddr("198.18.0.7")))
	f.Add([]byte{0x20, 0, 0, 0, 1, 2, 3, 4})
	ann, _ := AppendSAP(nil, netconf.Room{Name: "Chat", Group: netconf.DefaultGroup}, false, nil)
	f.Add(ann)
	f.Fuzz(func(t *testing.T, b []byte) {
		origin, ok := ParseSolicit(b)
		if !ok {
			return
		}
		// Only the one form is taken: it is what we would have written.
		if again := AppendSolicit(nil, origin); !bytes.Equal(again, b) {
			t.Fatalf("accepted % x, which is not % x", b, again)
		}
	})
}

// TestAnswersArePaced: however many solicitations arrive, one announcer
// answers at most once per AnswerGap, and never later than AnswerGap
// after one arrived (given the time: a flood of 100 000 over 2 s).
func TestAnswersArePaced(t *testing.T) {
	var a answers
	start := time.Unix(1000, 0)
	var sent []time.Time
	arrived := map[int]time.Time{}
	for i := range 100_000 {
		now := start.Add(time.Duration(i) * 20 * time.Microsecond)
		if due := a.dueAt(); !due.IsZero() && !now.Before(due) {
			a.sent(due)
			sent = append(sent, due)
		}
		a.solicited(now)
		arrived[len(sent)] = now
	}
	over := start.Add(2 * time.Second)
	if want := int(over.Sub(start)/AnswerGap) + 1; len(sent) > want {
		t.Fatalf("%d answers in 2 s; at most %d", len(sent), want)
	}
	for i := 1; i < len(sent); i++ {
		if gap := sent[i].Sub(sent[i-1]); gap < AnswerGap {
			t.Fatalf("answers %d and %d %v apart", i-1, i, gap)
		}
	}
	if due := a.dueAt(); due.IsZero() || due.Sub(sent[len(sent)-1]) > AnswerGap {
		t.Fatalf("the last solicitation is answered at %v", due)
	}
	// Quiet for a while: the next one is answered at once.
	var b answers
	b.sent(start)
	b.solicited(start.Add(time.Second))
	if b.dueAt() != start.Add(time.Second) || !b.goesAt(start.Add(time.Second), false) {
		t.Fatalf("after a quiet second, answered at %v", b.dueAt())
	}
	// A steady announcement just after an answer says the same: it waits.
	b.sent(start.Add(time.Second))
	if b.goesAt(start.Add(time.Second+AnswerGap/2), true) || !b.goesAt(start.Add(time.Second+AnswerGap), true) {
		t.Fatal("a steady announcement went within AnswerGap of an answer")
	}
}

// TestSolicitationFloodCostsOneAnswerPerGap is the attack on a running
// announcer (no sockets: its write is counted): a student's program
// sends solicitations as fast as it can for a second and a half. The
// announcer sends at most one announcement per AnswerGap (a steady one
// or an answer), and a single solicitation after the flood is still
// answered.
func TestSolicitationFloodCostsOneAnswerPerGap(t *testing.T) {
	var mu sync.Mutex
	var sent []time.Time
	a := newAnnouncer(netconf.Room{Name: "Physics 101", Group: netconf.DefaultGroup}, nil, func([]byte) error {
		mu.Lock()
		defer mu.Unlock()
		sent = append(sent, time.Now())
		return nil
	}, func() {})
	start := time.Now()
	go a.run()
	var flood atomic.Int64
	for time.Since(start) < 1500*time.Millisecond {
		a.solicited()
		flood.Add(1)
	}
	time.Sleep(2*AnswerGap + 50*time.Millisecond) // the last pending answer goes, and a gap
	mu.Lock()
	during := len(sent)
	mu.Unlock()
	quiet := time.Now()
	a.solicited()
	time.Sleep(200 * time.Millisecond)
	_ = a.Close()
	mu.Lock()
	defer mu.Unlock()
	elapsed := quiet.Sub(start)
	most := int(elapsed/AnswerGap) + 1 // steady or answers: one per gap at most
	t.Logf("%d solicitations in %v: %d announcements sent (at most %d)", flood.Load(), elapsed.Round(time.Millisecond), during, most)
	if during > most {
		t.Fatalf("%d announcements for a flood of %v; at most %d", during, elapsed, most)
	}
	for i := 1; i < during; i++ {
		if gap := sent[i].Sub(sent[i-1]); gap < AnswerGap/2 {
			t.Fatalf("announcements %d and %d only %v apart", i-1, i, gap)
		}
	}
	// After the flood, one solicitation: answered (the deletion follows at Close).
	if len(sent) < during+2 {
		t.Fatal("a solicitation after the flood was not answered")
	}
	t.Logf("answered %v after the solicitation", sent[during].Sub(quiet).Round(time.Microsecond))
}
