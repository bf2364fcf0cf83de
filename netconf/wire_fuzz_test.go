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
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			return
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
			back.Time != p.Time || back.Nick != p.Nick || !bytes.Equal(back.Body, p.Body) {
			t.Fatalf("round trip changed the packet: %+v -> %+v", p, back)
		}
	})
}
