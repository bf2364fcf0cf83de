package netconf

import (
	"bytes"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the decoder: it must never panic,
// and whatever it accepts must re-encode to the same bytes apart from the
// ignored flags and extensions, and stay within the limits.
func FuzzDecode(f *testing.F) {
	f.Add(mustEncode(f, samplePacket()))
	p := samplePacket()
	p.Body = nil
	f.Add(mustEncode(f, p))
	f.Add([]byte("plain text from a classic tool\r\n\x00"))
	f.Add([]byte{0x89, 'G', 'C', 'S', 1, 1})
	f.Add(append(Magic[:], 1, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1))
	frag := samplePacket()
	frag.Frag = Frag{Index: 1, Count: 3}
	f.Add(mustEncode(f, frag))
	ctl := samplePacket()
	ctl.Kind, ctl.Body = KindHeartbeat, AppendControl(nil, Control{Trail: 3, Started: 1})
	f.Add(mustEncode(f, ctl))
	nack := samplePacket()
	nack.Kind, nack.Body = KindNack, AppendNack(nil, Nack{Target: SenderID{1}, Ranges: []Range{{2, 4}}})
	f.Add(mustEncode(f, nack))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			return
		}
		// The kind-specific bodies must not panic either, and what they
		// accept must round-trip.
		switch p.Kind {
		case KindNack:
			if n, err := ParseNack(p.Body); err == nil && !bytes.Equal(AppendNack(nil, n), p.Body) {
				t.Fatalf("NACK body does not round-trip: % x", p.Body)
			}
		case KindHello, KindHeartbeat, KindLeave:
			if c, err := ParseControl(p.Body); err == nil && !bytes.Equal(AppendControl(nil, c), p.Body) {
				t.Fatalf("control body does not round-trip: % x", p.Body)
			}
		}
		if len(b) > MaxDatagram || p.Sender.IsZero() || ValidNick(p.Nick) != nil {
			t.Fatalf("accepted an invalid datagram: %+v", p)
		}
		re, err := AppendEncode(nil, &p)
		if err != nil {
			t.Fatalf("accepted datagram does not re-encode: %v (%+v)", err, p)
		}
		back, err := Decode(re)
		if err != nil {
			t.Fatalf("re-encoded datagram does not decode: %v", err)
		}
		if back.Kind != p.Kind || back.Sender != p.Sender || back.Seq != p.Seq ||
			back.Time != p.Time || back.Nick != p.Nick || back.Frag != p.Frag || !bytes.Equal(back.Sig, p.Sig) || !bytes.Equal(back.Body, p.Body) {
			t.Fatalf("round trip changed the packet: %+v -> %+v", p, back)
		}
	})
}

// FuzzOpen feeds arbitrary bytes to the sealed-datagram opener: it must
// never panic, and never accept what it did not seal.
func FuzzOpen(f *testing.F) {
	k, err := DeriveKey("fuzz passphrase", DefaultGroup)
	if err != nil {
		f.Fatal(err)
	}
	// A fixed nonce: every fuzzing process must compute the same seed.
	genuine := k.sealWithNonce(nil, 1, mustEncode(f, samplePacket()), [24]byte{1, 2, 3})
	f.Add(genuine)
	f.Add([]byte("plain"))
	f.Add(append(Magic[:], 1, byte(KindSealed), 0, 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		work := bytes.Clone(b) // Open decrypts in place
		if _, _, err := k.Open(work); err == nil && !bytes.Equal(b, genuine) {
			t.Fatalf("accepted a datagram it did not seal: % x", b)
		}
	})
}
