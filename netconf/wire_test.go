package netconf

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func samplePacket() Packet {
	return Packet{
		Kind:   KindData,
		Sender: SenderID{1, 2, 3, 4, 5, 6, 7, 8},
		Seq:    42,
		Time:   1_764_000_000_123_456,
		Nick:   "Alice",
		Body:   []byte("hello 世界 — 1"),
	}
}

func mustEncode(t testing.TB, p Packet) []byte {
	t.Helper()
	b, err := AppendEncode(nil, &p)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return b
}

func TestEncodeLayout(t *testing.T) {
	b := mustEncode(t, samplePacket())
	want := []byte{
		0x89, 'G', 'C', 'S', // magic
		1, 1, 0, 0, // version, kind DATA, flags, reserved
		1, 2, 3, 4, 5, 6, 7, 8, // sender id
		0, 0, 0, 0, 0, 0, 0, 42, // seq
	}
	if !bytes.HasPrefix(b, want) {
		t.Fatalf("header = % x; want prefix % x", b[:len(want)], want)
	}
	// timestamp, nick length + nick, no extensions, body length + body
	rest := b[32:]
	if rest[0] != 5 || string(rest[1:6]) != "Alice" {
		t.Fatalf("nick field = % x", rest[:6])
	}
	body := "hello 世界 — 1"
	tail := append([]byte{0, 0, 0, byte(len(body))}, body...)
	if !bytes.Equal(rest[6:], tail) {
		t.Fatalf("tail = % x; want % x", rest[6:], tail)
	}
	if len(b) != HeaderSize+5+4+len(body) {
		t.Fatalf("len = %d", len(b))
	}
}

func TestRoundTrip(t *testing.T) {
	long := strings.Repeat("x", MaxText)
	for _, tc := range []struct {
		name string
		p    Packet
	}{
		{"unicode", samplePacket()},
		{"empty text", func() Packet { p := samplePacket(); p.Body = nil; return p }()},
		{"max text, max nick", func() Packet {
			p := samplePacket()
			p.Nick = strings.Repeat("n", MaxNickBytes)
			p.Body = []byte(long)
			return p
		}()},
		{"negative time", func() Packet { p := samplePacket(); p.Time = -1; return p }()},
		{"max seq", func() Packet { p := samplePacket(); p.Seq = ^uint64(0); return p }()},
		{"hello kind", func() Packet { p := samplePacket(); p.Kind = KindHello; return p }()},
		{"newlines", func() Packet { p := samplePacket(); p.Body = []byte("a\nb\r\n\tc"); return p }()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := mustEncode(t, tc.p)
			if len(b) > MaxDatagram {
				t.Fatalf("encoded %d bytes; max %d", len(b), MaxDatagram)
			}
			got, err := Decode(b)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if got.Kind != tc.p.Kind || got.Sender != tc.p.Sender || got.Seq != tc.p.Seq ||
				got.Time != tc.p.Time || got.Nick != tc.p.Nick || !bytes.Equal(got.Body, tc.p.Body) {
				t.Fatalf("got %+v; want %+v", got, tc.p)
			}
		})
	}
}

func TestEncodeRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*Packet)
		want error
	}{
		{"too long", func(p *Packet) {
			p.Body = bytes.Repeat([]byte("x"), MaxDatagram-HeaderSize-MaxNickBytes-4+1)
			p.Nick = strings.Repeat("n", MaxNickBytes)
		}, ErrTooLarge},
		{"empty nick", func(p *Packet) { p.Nick = "" }, ErrBadNick},
		{"long nick", func(p *Packet) { p.Nick = strings.Repeat("n", MaxNickBytes+1) }, ErrBadNick},
		{"control in nick", func(p *Packet) { p.Nick = "a\x1b[31m" }, ErrBadNick},
		{"C1 control in nick", func(p *Packet) { p.Nick = "a\u0085" }, ErrBadNick},
		{"invalid utf-8 nick", func(p *Packet) { p.Nick = "\xff" }, ErrBadNick},
		{"invalid utf-8 text", func(p *Packet) { p.Body = []byte{0xc3, 0x28} }, ErrBadText},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := samplePacket()
			tc.mod(&p)
			dst := []byte("keep")
			out, err := AppendEncode(dst, &p)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v; want %v", err, tc.want)
			}
			if string(out) != "keep" {
				t.Fatalf("dst changed to %q on error", out)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	good := mustEncode(t, samplePacket())
	mod := func(f func(b []byte) []byte) []byte {
		return f(append([]byte(nil), good...))
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrNotGroupcast},
		{"plain text", []byte("hello from a C program\x00"), ErrNotGroupcast},
		{"GBK text", []byte{0xc4, 0xe3, 0xba, 0xc3}, ErrNotGroupcast},
		{"magic only", Magic[:], ErrMalformed},
		{"version 2", mod(func(b []byte) []byte { b[4] = 2; return b }), ErrVersion},
		{"version 0", mod(func(b []byte) []byte { b[4] = 0; return b }), ErrVersion},
		{"kind 0", mod(func(b []byte) []byte { b[5] = 0; return b }), ErrMalformed},
		{"zero sender", mod(func(b []byte) []byte { clear(b[8:16]); return b }), ErrMalformed},
		{"truncated body", good[:len(good)-1], ErrMalformed},
		{"trailing byte", append(append([]byte(nil), good...), 0), ErrMalformed},
		{"nick past end", mod(func(b []byte) []byte { return b[:34] }), ErrMalformed},
		{"nick length huge", mod(func(b []byte) []byte { b[32] = 200; return b }), ErrMalformed},
		{"nick empty", mod(func(b []byte) []byte {
			return append(b[:32:32], append([]byte{0}, b[38:]...)...)
		}), ErrMalformed},
		{"bad utf-8 body", mod(func(b []byte) []byte { b[len(b)-1] = 0xff; return b }), ErrMalformed},
		{"oversized", append(append([]byte(nil), Magic[:]...), make([]byte, MaxDatagram)...), ErrTooLarge},
		{"critical extension", withExtension(t, 0x8f, nil), ErrVersion},
		{"fragment extension short", withExtension(t, 0x81, []byte{0, 1}), ErrMalformed},
		{"fragment index past count", withExtension(t, 0x81, []byte{0, 2, 0, 2}), ErrMalformed},
		{"fragment count 0", withExtension(t, 0x81, []byte{0, 0, 0, 0}), ErrMalformed},
		{"too many fragments", withExtension(t, 0x81, []byte{0, 0, 0xff, 0xff}), ErrMalformed},
		{"extension past end", withRawExtensions(t, []byte{0x01, 0x00, 0x09}), ErrMalformed},
		{"truncated extension", withRawExtensions(t, []byte{0x01}), ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.b)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v; want %v", err, tc.want)
			}
		})
	}
}

func TestDecodeSkipsUnknownExtension(t *testing.T) {
	b := withExtension(t, 0x01, []byte("later"))
	p, err := Decode(b)
	if err != nil {
		t.Fatalf("decode with a non-critical extension: %v", err)
	}
	if string(p.Body) != "hello 世界 — 1" {
		t.Fatalf("body = %q", p.Body)
	}
}

func TestDecodeIgnoresFlags(t *testing.T) {
	b := mustEncode(t, samplePacket())
	b[6], b[7] = 0xff, 0xff
	if _, err := Decode(b); err != nil {
		t.Fatalf("flags should be ignored in v1: %v", err)
	}
}

// withRawExtensions re-encodes the sample with ext as its extension area.
func withRawExtensions(t *testing.T, ext []byte) []byte {
	t.Helper()
	b := mustEncode(t, samplePacket())
	off := HeaderSize + len("Alice")
	out := append([]byte(nil), b[:off]...)
	out = append(out, byte(len(ext)>>8), byte(len(ext)))
	out = append(out, ext...)
	return append(out, b[off+2:]...)
}

func withExtension(t *testing.T, typ byte, val []byte) []byte {
	t.Helper()
	ext := append([]byte{typ, byte(len(val) >> 8), byte(len(val))}, val...)
	return withRawExtensions(t, ext)
}

func TestIsGroupcastPlainText(t *testing.T) {
	for _, s := range []string{"", "G", "GCS hello", "\x89GC", "hello"} {
		if IsGroupcast([]byte(s)) {
			t.Errorf("IsGroupcast(%q) = true", s)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	p := samplePacket()
	p.Body = bytes.Repeat([]byte("x"), 200)
	buf := make([]byte, 0, MaxDatagram)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendEncode(buf[:0], &p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	p := samplePacket()
	p.Body = bytes.Repeat([]byte("x"), 200)
	enc := mustEncode(b, p)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(enc); err != nil {
			b.Fatal(err)
		}
	}
}

func TestFragmentRoundTrip(t *testing.T) {
	p := samplePacket()
	p.Frag = Frag{Index: 3, Count: 7}
	p.Body = []byte{0xe4, 0xb8} // half of 世: fragments may split UTF-8
	b := mustEncode(t, p)
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Frag != p.Frag || !bytes.Equal(got.Body, p.Body) {
		t.Fatalf("got %+v", got)
	}
	p.Body = bytes.Repeat([]byte("x"), MaxFragmentText)
	p.Nick = strings.Repeat("n", MaxNickBytes)
	if b := mustEncode(t, p); len(b) != MaxInnerDatagram {
		t.Fatalf("a full fragment is %d bytes; want %d (room to seal it)", len(b), MaxInnerDatagram)
	}
	p.Kind = KindHello
	if _, err := AppendEncode(nil, &p); !errors.Is(err, ErrMalformed) {
		t.Fatalf("fragment of a hello: %v", err)
	}
}

func TestControlAndNackBodies(t *testing.T) {
	c := Control{Trail: 17, Started: -5}
	got, err := ParseControl(AppendControl(nil, c))
	if err != nil || got != c {
		t.Fatalf("control %+v, %v", got, err)
	}
	if _, err := ParseControl(make([]byte, 15)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("short control: %v", err)
	}
	n := Nack{Target: SenderID{9, 9, 9, 9, 9, 9, 9, 9}, Ranges: []Range{{1, 1}, {5, 9}}}
	gn, err := ParseNack(AppendNack(nil, n))
	if err != nil || gn.Target != n.Target || len(gn.Ranges) != 2 || gn.Ranges[1] != (Range{5, 9}) {
		t.Fatalf("nack %+v, %v", gn, err)
	}
	for name, body := range map[string][]byte{
		"empty":       nil,
		"no ranges":   append(n.Target[:], 0),
		"zero target": AppendNack(nil, Nack{Ranges: []Range{{1, 2}}}),
		"reversed":    AppendNack(nil, Nack{Target: n.Target, Ranges: []Range{{9, 5}}}),
		"zero seq":    AppendNack(nil, Nack{Target: n.Target, Ranges: []Range{{0, 5}}}),
		"count lies":  append(AppendNack(nil, n), 0),
		"too many":    append(append(n.Target[:], 33), make([]byte, 33*16)...),
	} {
		if _, err := ParseNack(body); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	many := Nack{Target: n.Target}
	for i := range uint64(40) {
		many.Ranges = append(many.Ranges, Range{i*10 + 1, i*10 + 2})
	}
	if gn, _ := ParseNack(AppendNack(nil, many)); len(gn.Ranges) != MaxNackRanges {
		t.Fatalf("a NACK carries %d ranges; want at most %d", len(gn.Ranges), MaxNackRanges)
	}
}
