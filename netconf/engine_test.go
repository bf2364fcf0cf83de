package netconf

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/net/ipv4"

	"github.com/groupcast/groupcast/internal/testnet"
	"github.com/groupcast/groupcast/netconf/internal/mcast"
	"github.com/groupcast/groupcast/netconf/wire"
	"github.com/groupcast/groupcast/netconf/wire/wiretest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// These tests use real sockets on the loopback interface only, chosen by
// name, so nothing leaves the machine.

const waitLimit = 5 * time.Second

func TestLoopbackExchange(t *testing.T) {
	port := testnet.FreePort(t)
	alice := joined(t, loConfig(t, "239.255.3.3", port, "Alice"))
	bob := joined(t, loConfig(t, "239.255.3.3", port, "Bob"))
	carol := joined(t, loConfig(t, "239.255.3.3", port, "Carol")) // shares the port
	other := joined(t, loConfig(t, "239.255.9.9", port, "Other")) // same port, other group

	text := "hello 世界 — 1"
	before := time.Now()
	alice.Do(Send{Text: text})
	s := nextOf[Sent](t, alice)
	if s.Seq != 1 || s.Text != text || s.Nick != "Alice" {
		t.Fatalf("sent = %+v", s)
	}
	for _, rx := range []*Engine{bob, carol} {
		m := nextOf[Message](t, rx)
		if m.From != "Alice" || m.Text != text || m.Seq != 1 || m.Sent.Before(before.Add(-time.Second)) {
			t.Fatalf("message = %+v", m)
		}
		if !m.Source.IsValid() || m.Source.Port() == port {
			t.Fatalf("source = %v; want the sender socket's address", m.Source)
		}
	}
	bob.Do(Send{Text: "hi Alice"})
	if m := nextOf[Message](t, alice); m.From != "Bob" || m.Text != "hi Alice" {
		t.Fatalf("alice got %+v", m)
	}
	quiet(t, other, 300*time.Millisecond)
	quiet(t, alice, 100*time.Millisecond) // never hears herself
	// Own echo is dropped in the kernel (Linux's socket filter) or by
	// sender id: either way never delivered nor counted as data.
	if st := alice.Stats(); st.DatagramsOut != 1 || st.DatagramsIn != 1 || (runtime.GOOS != "linux") == (st.OwnEcho == 0) {
		t.Fatalf("alice stats = %+v; want own echo dropped", st)
	}
	if st := other.Stats(); st.DatagramsIn != 0 {
		t.Fatalf("other group accepted %d datagrams", st.DatagramsIn)
	}
}

func TestSequenceAndDuplicates(t *testing.T) {
	port := testnet.FreePort(t)
	cfg := loConfig(t, "239.255.3.4", port, "Bob")
	bob := joined(t, cfg)
	// A hand-made sender repeats datagrams, as a network may.
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dest := net.UDPAddrFromAddrPort(cfg.Group)
	p := wiretest.Sample()
	for _, seq := range []uint64{1, 2, 2, 1, 3} {
		p.Seq = seq
		if _, err := c.WriteTo(wiretest.Encode(t, p), dest); err != nil {
			t.Skipf("cannot send to %v from a unicast socket here: %v", dest, err)
		}
	}
	// Junk must not disturb anything.
	for _, junk := range []string{"", "\x89GCS\x01", "\x89GCS\x02 a future version"} {
		_, _ = c.WriteTo([]byte(junk), dest)
	}
	for want := uint64(1); want <= 3; want++ {
		if m := nextOf[Message](t, bob); m.Seq != want {
			t.Fatalf("seq = %d; want %d", m.Seq, want)
		}
	}
	quiet(t, bob, 200*time.Millisecond)
	st := bob.Stats()
	if st.Duplicates != 2 || st.Rejected < 2 {
		t.Fatalf("stats = %+v; want 2 duplicates and the junk rejected", st)
	}
}

func TestSendErrors(t *testing.T) {
	e := New()
	defer e.Close()
	e.Do(Send{Text: "too early"})
	if er := nextOf[Error](t, e); !errors.Is(er.Err, ErrNotJoined) || er.Op != "send" {
		t.Fatalf("error = %+v", er)
	}
	e.Do(Leave{}) // not joined: nothing happens
	e.Do(Join{Config: loConfig(t, "239.255.3.5", testnet.FreePort(t), "Alice")})
	nextOf[Joined](t, e)
	e.Do(Send{Text: strings.Repeat("x", wire.MaxMessage+1)})
	er := nextOf[Error](t, e)
	if !IsInputError(er.Err) || !strings.Contains(Explain(er.Err), "64 KiB") {
		t.Fatalf("long text error = %+v", er)
	}
	e.Do(Send{Text: strings.Repeat("x", wire.MaxMessage)}) // fragmented
	if s := nextOf[Sent](t, e); s.Seq != 1 {
		t.Fatalf("sent %+v", s)
	}
	e.Do(Send{Text: "after"})
	if s := nextOf[Sent](t, e); s.Seq != 1+wire.MaxFragments {
		t.Fatalf("a 64 KiB message took %d datagrams; want %d", s.Seq-1, wire.MaxFragments)
	}
	// Invalid UTF-8 is refused whole, also where it would be cut in pieces.
	e.Do(Send{Text: strings.Repeat("x", 5000) + "\xff"})
	if er := nextOf[Error](t, e); !IsInputError(er.Err) || !strings.Contains(Explain(er.Err), "UTF-8") {
		t.Fatalf("invalid UTF-8: %+v", er)
	}
}

func TestTextLimit(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(nil)
	presenter := Config{Presenter: key}
	for _, c := range []struct {
		cfg  Config
		text string
		ok   bool
	}{
		{Config{}, strings.Repeat("x", wire.MaxMessage), true},
		{Config{}, strings.Repeat("x", wire.MaxMessage+1), false},
		{presenter, strings.Repeat("x", TextLimit(presenter)), true},
		{presenter, strings.Repeat("x", TextLimit(presenter)+1), false},
		{Config{Plain: true}, strings.Repeat("x", wire.MaxDatagram), true},
		{Config{Plain: true}, strings.Repeat("é", wire.MaxDatagram/2+1), false},
		{Config{Plain: true, Encoding: wire.EncodingGBK}, strings.Repeat("世", wire.MaxDatagram/2), true}, // 2 bytes each in GBK, 3 in UTF-8
		{Config{Plain: true, Encoding: wire.EncodingGBK}, "☃🙂", false},
		{Config{}, "caf\xe9", false},
		{Config{}, "a\x00b", false}, // a classic program would print "a"
		{Config{Plain: true}, "a\x00b", true},
	} {
		if err := CheckText(c.cfg, c.text); (err == nil) != c.ok || (err != nil && !IsInputError(err)) {
			t.Errorf("CheckText(%+v, %d bytes) = %v; want ok %v", c.cfg.Plain, len(c.text), err, c.ok)
		}
	}
	// The longest a presenter may send fits the pieces a receiver takes,
	// even of 4-byte characters (each piece then ends up to 3 bytes short).
	got := TextLimit(presenter)
	if n := len(wire.SplitText(strings.Repeat("🙂", got/4), wire.MaxSignedWhole, wire.MaxSignedText)); n > wire.MaxFragments || got < 60_000 {
		t.Fatalf("a presenter's limit is %d, in %d pieces (at most %d are taken)", got, n, wire.MaxFragments)
	}
}

func TestJoinRefusesBadConfig(t *testing.T) {
	e := New()
	defer e.Close()
	cfg := loConfig(t, "239.255.3.6", testnet.FreePort(t), "Alice")
	cfg.Interface = "nosuch0"
	e.Do(Join{Config: cfg})
	er := nextOf[Error](t, e)
	if er.Op != "join" || !IsInputError(er.Err) || !strings.Contains(Explain(er.Err), "nosuch0") {
		t.Fatalf("error = %+v", er)
	}
	e.Do(Send{Text: "x"})
	if er := nextOf[Error](t, e); !errors.Is(er.Err, ErrNotJoined) {
		t.Fatalf("after a failed join, send: %+v", er)
	}
}

func TestRejoinAndLeave(t *testing.T) {
	port := testnet.FreePort(t)
	cfgA := loConfig(t, "239.255.3.7", port, "Alice")
	cfgB := loConfig(t, "239.255.3.8", port, "Alice")
	listener := joined(t, loConfig(t, "239.255.3.8", port, "L"))
	e := joined(t, cfgA)

	e.Do(Join{Config: cfgB}) // switching groups leaves the first one
	if l := nextOf[Left](t, e); l.Group != cfgA.Group || l.Err != nil {
		t.Fatalf("left = %+v", l)
	}
	if j := nextOf[Joined](t, e); j.Group != cfgB.Group {
		t.Fatalf("joined = %+v", j)
	}
	e.Do(Send{Text: "on B"})
	if m := nextOf[Message](t, listener); m.Text != "on B" || m.Seq != 1 {
		t.Fatalf("listener got %+v; want seq 1 of a new sender incarnation", m)
	}
	e.Do(Leave{})
	if l := nextOf[Left](t, e); l.Group != cfgB.Group || l.Err != nil {
		t.Fatalf("left = %+v", l)
	}
	e.Do(Leave{}) // idempotent
	e.Do(Send{Text: "gone"})
	if er := nextOf[Error](t, e); !errors.Is(er.Err, ErrNotJoined) {
		t.Fatalf("after leave: %+v", er)
	}
	quiet(t, listener, 200*time.Millisecond)
	for range 2 {
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := <-e.Events(); ok {
		t.Fatal("events still open after Close")
	}
	if e.Do(Leave{}) {
		t.Fatal("Do succeeded after Close")
	}
}

func TestSlowConsumerLosesNothing(t *testing.T) {
	port := testnet.FreePort(t)
	cfg := loConfig(t, "239.255.3.9", port, "Slow")
	slow := New(WithQueuedMessages(4))
	defer slow.Close()
	slow.Do(Join{Config: cfg})
	nextOf[Joined](t, slow)
	alice := joined(t, loConfig(t, "239.255.3.9", port, "Alice"))
	// Slow knows where Alice's stream starts (her HELLO, on the companion
	// port, may come after her first messages otherwise: those are held
	// until then, and delivered together).
	nextOf[PeerJoined](t, slow)
	const n = 300
	for i := range n {
		alice.Do(Send{Text: fmt.Sprintf("m%d", i+1)})
		nextOf[Sent](t, alice)
	}
	// The slow consumer reads nothing for a while: the engine stops
	// reading the network instead of dropping, and keeps taking commands.
	time.Sleep(300 * time.Millisecond)
	if got := slow.Stats().MessagesIn; got >= n {
		t.Fatalf("engine delivered %d messages into a queue of 4 while its consumer slept", got)
	}
	var last uint64
	for last < n {
		switch ev := next(t, slow).(type) {
		case Message:
			if ev.Seq != last+1 || ev.Text != fmt.Sprintf("m%d", ev.Seq) {
				t.Fatalf("message %d %q after %d", ev.Seq, ev.Text, last)
			}
			last = ev.Seq
		case Lost:
			t.Fatalf("lost %+v", ev)
		}
	}
	slow.Do(Leave{})
	nextOf[Left](t, slow)
}

func TestCloseWhileReceiving(t *testing.T) {
	port := testnet.FreePort(t)
	rx := joined(t, loConfig(t, "239.255.3.10", port, "Rx"))
	tx := joined(t, loConfig(t, "239.255.3.10", port, "Tx"))
	for range 50 {
		tx.Do(Send{Text: "x"})
	}
	done := make(chan struct{})
	go func() { _ = rx.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(waitLimit):
		t.Fatal("Close blocked with undelivered events")
	}
}

// TestJoinWhenPortHeld: a classic receiver that binds the port without
// sharing it (no SO_REUSEADDR, as textbooks write it) makes the join fail
// with a sentence, never a panic; a plain send-only membership needs no
// receiver and still works.
func TestJoinWhenPortHeld(t *testing.T) {
	port := testnet.FreePort(t)
	holder, err := net.ListenPacket("udp4", fmt.Sprintf("0.0.0.0:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	lo, err := net.InterfaceByName(testnet.Loopback(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := ipv4.NewPacketConn(holder).JoinGroup(lo, &net.UDPAddr{IP: net.IPv4(239, 255, 3, 3)}); err != nil {
		t.Fatal(err)
	}
	e := New()
	defer e.Close()
	e.Do(Join{Config: loConfig(t, "239.255.3.3", port, "Alice")})
	ev := next(t, e)
	er, ok := ev.(Error)
	if !ok || er.Op != "join" || !errors.Is(er.Err, mcast.ErrAddrInUse) {
		t.Fatalf("got %#v; want a join error for a port in use", ev)
	}
	if s := Explain(er.Err); !strings.Contains(s, "already in use by a program that does not share it") {
		t.Fatalf("sentence %q", s)
	}

	cfg := loConfig(t, "239.255.3.3", port, "Alice")
	cfg.Plain, cfg.SendOnly = true, true
	e.Do(Join{Config: cfg})
	nextOf[Joined](t, e)
	e.Do(Send{Text: "hello classic"})
	nextOf[Sent](t, e)
	_ = holder.SetReadDeadline(time.Now().Add(waitLimit))
	buf := make([]byte, 2048)
	n, _, err := holder.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "hello classic" {
		t.Fatalf("the classic receiver read %q, %v", buf[:n], err)
	}
}

// Every counter of Stats is copied by Engine.Stats.
func TestStatsCopiesEveryCounter(t *testing.T) {
	e := New(WithTransport(func(Config) (Transport, error) { return nil, errors.New("unused") }))
	defer e.Close()
	v := reflect.ValueOf(&e.stats).Elem()
	for i := range v.NumField() {
		add(v.Field(i).Addr().Interface().(*uint64), uint64(i+1))
	}
	got := reflect.ValueOf(e.Stats())
	for i := range got.NumField() {
		if got.Field(i).Uint() != uint64(i+1) {
			t.Errorf("Stats().%s = %d; want %d", got.Type().Field(i).Name, got.Field(i).Uint(), i+1)
		}
	}
}
