package wire_test

import (
	"bytes"
	"testing"

	"github.com/groupcast/groupcast/netconf/wire"
	"github.com/groupcast/groupcast/netconf/wire/wiretest"
)

// FuzzDecode feeds arbitrary bytes to the decoder: it must never panic,
// and whatever it accepts must re-encode to the same bytes apart from the
// ignored flags and extensions, and stay within the limits.
func FuzzDecode(f *testing.F) {
	f.Add(wiretest.Encode(f, wiretest.Sample()))
	p := wiretest.Sample()
	p.Body = nil
	f.Add(wiretest.Encode(f, p))
	f.Add([]byte("plain text from a classic tool\r\n\x00"))
	f.Add([]byte{0x89, 'G', 'C', 'S', 2, 1})
	f.Add(append(wire.Magic[:], 2, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1))
	frag := wiretest.Sample()
	frag.Frag = wire.Frag{Index: 1, Count: 3}
	f.Add(wiretest.Encode(f, frag))
	ctl := wiretest.Sample()
	ctl.Kind, ctl.Body = wire.KindHeartbeat, wire.AppendControl(nil, wire.Control{Trail: 3, Started: 1})
	f.Add(wiretest.Encode(f, ctl))
	signed := wiretest.Sample()
	wire.Sign(&signed, wiretest.PresenterKey(), "Physics 101", 7, signed.Time)
	f.Add(wiretest.Encode(f, signed))
	said := wiretest.Sample() // the presenter's message: SIG_MESSAGE
	wire.SignMessage(&said, wiretest.PresenterKey(), "Physics 101", 7, said.Time)
	f.Add(wiretest.Encode(f, said))
	nack := wiretest.Sample()
	nack.Kind, nack.Body = wire.KindNack, wire.AppendNack(nil, wire.Nack{Target: wire.SenderID{1}, Ranges: []wire.Range{{2, 4}}})
	f.Add(wiretest.Encode(f, nack))
	for _, fp := range sampleFilePackets() {
		f.Add(wiretest.Encode(f, fp))
	}
	for _, cp := range sampleCatchUpPackets(f) {
		f.Add(wiretest.Encode(f, cp))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := wire.Decode(b)
		if err != nil {
			return
		}
		// The kind-specific bodies must not panic either, and what they
		// accept must round-trip.
		switch p.Kind {
		case wire.KindNack:
			if n, err := wire.ParseNack(p.Body); err == nil && !bytes.Equal(wire.AppendNack(nil, n), p.Body) {
				t.Fatalf("NACK body does not round-trip: % x", p.Body)
			}
		case wire.KindFileOffer:
			if o, err := wire.ParseFileOffer(p.Body); err == nil && (!bytes.Equal(wire.AppendFileOffer(nil, o), p.Body) || o.Blocks() > wire.MaxFileBlocks) {
				t.Fatalf("FILE_OFFER body does not round-trip: % x", p.Body)
			}
		case wire.KindFileBlock:
			if fb, err := wire.ParseFileBlock(p.Body); err == nil && !bytes.Equal(wire.AppendFileBlock(nil, fb.ID, fb.Data), p.Body) {
				t.Fatalf("FILE_BLOCK body does not round-trip: % x", p.Body)
			}
		case wire.KindFileNack:
			if n, err := wire.ParseFileNack(p.Body); err == nil && (!bytes.Equal(wire.AppendFileNack(nil, n), p.Body) || len(n.Needs) > wire.MaxFileNackGroups) {
				t.Fatalf("FILE_NACK body does not round-trip: % x", p.Body)
			}
		case wire.KindFileDone:
			if d, err := wire.ParseFileDone(p.Body); err == nil && !bytes.Equal(wire.AppendFileDone(nil, d), p.Body) {
				t.Fatalf("FILE_DONE body does not round-trip: % x", p.Body)
			}
		case wire.KindCatchUpAsk:
			if since, err := wire.ParseCatchUpAsk(p.Body); err == nil && !bytes.Equal(wire.AppendCatchUpAsk(nil, since), p.Body) {
				t.Fatalf("CATCHUP_ASK body does not round-trip: % x", p.Body)
			}
		case wire.KindCatchUp:
			if in, err := wire.ParseCatchUp(p.Body); err == nil {
				if in.Kind != wire.KindData || in.Seq == 0 || len(p.Body) > wire.MaxDatagram {
					t.Fatalf("CATCHUP of an invalid datagram: %+v", in)
				}
			}
		case wire.KindHello, wire.KindHeartbeat, wire.KindLeave:
			if c, err := wire.ParseControl(p.Body); err == nil && !bytes.Equal(wire.AppendControl(nil, c), p.Body) {
				t.Fatalf("control body does not round-trip: % x", p.Body)
			}
		}
		if p.Sig.Message && p.Kind != wire.KindData && p.Kind != wire.KindRepair {
			t.Fatalf("a %s signed as the presenter's message", p.Kind)
		}
		if len(b) > wire.MaxFileDatagram || len(b) > wire.MaxDatagram && p.Kind != wire.KindFileBlock && p.Kind != wire.KindCatchUp || p.Sender.IsZero() || wire.ValidNick(p.Nick) != nil {
			t.Fatalf("accepted an invalid datagram: %+v", p)
		}
		re, err := wire.AppendEncode(nil, &p)
		if err != nil {
			t.Fatalf("accepted datagram does not re-encode: %v (%+v)", err, p)
		}
		back, err := wire.Decode(re)
		if err != nil {
			t.Fatalf("re-encoded datagram does not decode: %v", err)
		}
		if back.Kind != p.Kind || back.Sender != p.Sender || back.Seq != p.Seq ||
			back.Time != p.Time || back.Nick != p.Nick || back.Frag != p.Frag || back.Sig.Session != p.Sig.Session ||
			back.Sig.Signed != p.Sig.Signed || !bytes.Equal(back.Sig.Value, p.Sig.Value) || back.Sig.Present() != p.Sig.Present() || back.Sig.Message != p.Sig.Message || !bytes.Equal(back.Body, p.Body) {
			t.Fatalf("round trip changed the packet: %+v -> %+v", p, back)
		}
	})
}
