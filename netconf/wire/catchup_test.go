package wire_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/groupcast/groupcast/netconf/wire"
	"github.com/groupcast/groupcast/netconf/wire/wiretest"
)

// sampleCatchUpPackets: an ask, and a CATCHUP carrying the largest DATA
// a member may send (a 64-byte nickname, the longest text), sealed size.
func sampleCatchUpPackets(tb testing.TB) []wire.Packet {
	ask := wiretest.Sample()
	ask.Kind, ask.Seq, ask.Body = wire.KindCatchUpAsk, 0, wire.AppendCatchUpAsk(nil, 1_764_000_000_000_000)
	data := wiretest.Sample()
	data.Nick = strings.Repeat("N", wire.MaxNickBytes)
	data.Body = bytes.Repeat([]byte("x"), wire.MaxText)
	inner := wiretest.Encode(tb, data)
	cu := wiretest.Sample()
	cu.Sender, cu.Kind, cu.Seq, cu.Body = wire.SenderID{9}, wire.KindCatchUp, 0, inner
	cu.Nick = wire.CatchUpNick(strings.Repeat("Answerer-", 7), len(inner), true)
	return []wire.Packet{ask, cu}
}

func TestCatchUpRoundTrip(t *testing.T) {
	pk := sampleCatchUpPackets(t)
	ask, err := wire.Decode(wiretest.Encode(t, pk[0]))
	if err != nil {
		t.Fatal(err)
	}
	if since, err := wire.ParseCatchUpAsk(ask.Body); err != nil || since != 1_764_000_000_000_000 {
		t.Fatalf("ask: %d, %v", since, err)
	}
	b := wiretest.Encode(t, pk[1])
	if len(b)+wire.SealOverhead > wire.MaxFileDatagram {
		t.Fatalf("the largest CATCHUP is %d bytes sealed, over %d", len(b)+wire.SealOverhead, wire.MaxFileDatagram)
	}
	if len(b) <= wire.MaxDatagram {
		t.Fatalf("the sample is %d bytes: it does not test the large size", len(b))
	}
	cu, err := wire.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	in, err := wire.ParseCatchUp(cu.Body)
	if err != nil || in.Kind != wire.KindData || len(in.Body) != wire.MaxText || in.Sender != wiretest.Sample().Sender {
		t.Fatalf("inner: %+v, %v", in, err)
	}
}

func TestCatchUpRefuses(t *testing.T) {
	// A nickname is cut between characters to fit, never to nothing.
	if n := wire.CatchUpNick("李老师李老师李老师李老师李老师", wire.MaxInnerDatagram, true); n != "李老师李老师李老师李老" {
		t.Fatalf("cut nick %q (%d bytes)", n, len(n))
	}
	if n := wire.CatchUpNick("Bob", wire.MaxDatagram+1, false); n != "" {
		t.Fatalf("a DATA too large for any datagram gave nick %q", n)
	}
	// Inside a CATCHUP only a DATA: not a heartbeat, not another CATCHUP,
	// not a broken datagram, not bare text.
	hb := wiretest.Sample()
	hb.Kind, hb.Body = wire.KindHeartbeat, wire.AppendControl(nil, wire.Control{Trail: 1, Started: 1})
	good := wiretest.Encode(t, wiretest.Sample())
	nested := wiretest.Sample()
	nested.Kind, nested.Body = wire.KindCatchUp, good
	for name, body := range map[string][]byte{
		"heartbeat": wiretest.Encode(t, hb),
		"nested":    wiretest.Encode(t, nested),
		"cut":       good[:len(good)-1],
		"plain":     []byte("hello"),
		"empty":     nil,
	} {
		if _, err := wire.ParseCatchUp(body); !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, n := range []int{0, 7, 9} {
		if _, err := wire.ParseCatchUpAsk(make([]byte, n)); !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("ask of %d bytes: %v", n, err)
		}
	}
	// Only FILE_BLOCK and CATCHUP may pass MaxDatagram.
	p := sampleCatchUpPackets(t)[1]
	b := wiretest.Encode(t, p)
	b[5] = byte(wire.KindFileDone)
	if _, err := wire.Decode(b); !errors.Is(err, wire.ErrTooLarge) {
		t.Fatalf("a large FILE_DONE: %v", err)
	}
}
