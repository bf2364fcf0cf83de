package wire_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/groupcast/groupcast/netconf/wire"
	"github.com/groupcast/groupcast/netconf/wire/wiretest"
)

// TestEncodeLayout: a DATA is its text, a NUL, then the header (so a
// classic tool printing it as a C string prints the text); the body
// length at the end says how long the text was.
func TestEncodeLayout(t *testing.T) {
	b := wiretest.Encode(t, wiretest.Sample())
	text := "hello 世界 — 1"
	want := append([]byte(text+"\x00"),
		0x89, 'G', 'C', 'S', // magic
		3, 1, 0, 0, // version, kind DATA, flags, reserved
		1, 2, 3, 4, 5, 6, 7, 8, // sender id
		0, 0, 0, 0, 0, 0, 0, 42, // seq
	)
	if !bytes.HasPrefix(b, want) {
		t.Fatalf("start = % x; want % x", b[:len(want)], want)
	}
	// timestamp, nick length + nick, no extensions, text length
	rest := b[len(text)+1+32:]
	if rest[0] != 5 || string(rest[1:6]) != "Alice" {
		t.Fatalf("nick field = % x", rest[:6])
	}
	if tail := []byte{0, 0, 0, byte(len(text))}; !bytes.Equal(rest[6:], tail) {
		t.Fatalf("tail = % x; want % x", rest[6:], tail)
	}
	if len(b) != len(text)+1+wire.HeaderSize+5+4 {
		t.Fatalf("len = %d", len(b))
	}
	// Other kinds begin with the header, as before.
	ctl := wiretest.Sample()
	ctl.Kind, ctl.Body = wire.KindHeartbeat, wire.AppendControl(nil, wire.Control{Trail: 1})
	if c := wiretest.Encode(t, ctl); !bytes.HasPrefix(c, wire.Magic[:]) {
		t.Fatalf("a heartbeat starts % x", c[:8])
	}
}

func TestRoundTrip(t *testing.T) {
	long := strings.Repeat("x", wire.MaxText)
	for _, tc := range []struct {
		name string
		p    wire.Packet
	}{
		{"unicode", wiretest.Sample()},
		{"empty text", func() wire.Packet { p := wiretest.Sample(); p.Body = nil; return p }()},
		{"max text, max nick", func() wire.Packet {
			p := wiretest.Sample()
			p.Nick = strings.Repeat("n", wire.MaxNickBytes)
			p.Body = []byte(long)
			return p
		}()},
		{"negative time", func() wire.Packet { p := wiretest.Sample(); p.Time = -1; return p }()},
		{"max seq", func() wire.Packet { p := wiretest.Sample(); p.Seq = ^uint64(0); return p }()},
		{"hello kind", func() wire.Packet { p := wiretest.Sample(); p.Kind = wire.KindHello; return p }()},
		{"newlines", func() wire.Packet { p := wiretest.Sample(); p.Body = []byte("a\nb\r\n\tc"); return p }()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := wiretest.Encode(t, tc.p)
			if len(b) > wire.MaxDatagram {
				t.Fatalf("encoded %d bytes; max %d", len(b), wire.MaxDatagram)
			}
			got, err := wire.Decode(b)
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
		mod  func(*wire.Packet)
		want error
	}{
		{"too long", func(p *wire.Packet) {
			p.Body = bytes.Repeat([]byte("x"), wire.MaxDatagram-wire.HeaderSize-wire.MaxNickBytes-4+1)
			p.Nick = strings.Repeat("n", wire.MaxNickBytes)
		}, wire.ErrTooLarge},
		{"empty nick", func(p *wire.Packet) { p.Nick = "" }, wire.ErrBadNick},
		{"long nick", func(p *wire.Packet) { p.Nick = strings.Repeat("n", wire.MaxNickBytes+1) }, wire.ErrBadNick},
		{"control in nick", func(p *wire.Packet) { p.Nick = "a\x1b[31m" }, wire.ErrBadNick},
		{"C1 control in nick", func(p *wire.Packet) { p.Nick = "a\u0085" }, wire.ErrBadNick},
		{"invalid utf-8 nick", func(p *wire.Packet) { p.Nick = "\xff" }, wire.ErrBadNick},
		{"invalid utf-8 text", func(p *wire.Packet) { p.Body = []byte{0xc3, 0x28} }, wire.ErrBadText},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := wiretest.Sample()
			tc.mod(&p)
			dst := []byte("keep")
			out, err := wire.AppendEncode(dst, &p)
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
	good := wiretest.Encode(t, wiretest.Sample())
	h := bytes.Index(good, wire.Magic[:]) // the header, after the text and its NUL
	mod := func(f func(b []byte) []byte) []byte {
		return append(append([]byte(nil), good[:h]...), f(append([]byte(nil), good[h:]...))...)
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, wire.ErrNotGroupcast},
		{"plain text", []byte("hello from a C program\x00"), wire.ErrNotGroupcast},
		{"GBK text", []byte{0xc4, 0xe3, 0xba, 0xc3}, wire.ErrNotGroupcast},
		{"magic only", wire.Magic[:], wire.ErrMalformed},
		{"version 1", mod(func(b []byte) []byte { b[4] = 1; return b }), wire.ErrVersion},
		{"version 2", mod(func(b []byte) []byte { b[4] = 2; return b }), wire.ErrVersion},
		{"version 4", mod(func(b []byte) []byte { b[4] = 4; return b }), wire.ErrVersion},
		{"version 0", mod(func(b []byte) []byte { b[4] = 0; return b }), wire.ErrVersion},
		{"kind 0", mod(func(b []byte) []byte { b[5] = 0; return b }), wire.ErrMalformed},
		{"zero sender", mod(func(b []byte) []byte { clear(b[8:16]); return b }), wire.ErrMalformed},
		{"truncated body", good[:len(good)-1], wire.ErrMalformed},
		{"trailing byte", append(append([]byte(nil), good...), 0), wire.ErrMalformed},
		{"nick past end", mod(func(b []byte) []byte { return b[:34] }), wire.ErrMalformed},
		{"nick length huge", mod(func(b []byte) []byte { b[32] = 200; return b }), wire.ErrMalformed},
		{"nick empty", mod(func(b []byte) []byte {
			return append(b[:32:32], append([]byte{0}, b[38:]...)...)
		}), wire.ErrMalformed},
		{"length is not the text's", mod(func(b []byte) []byte { b[len(b)-1]++; return b }), wire.ErrMalformed},
		{"bad utf-8 text", append([]byte{0xff}, good[1:]...), wire.ErrMalformed},
		{"a DATA laid out header first", func() []byte {
			ctl := wiretest.Sample()
			ctl.Kind = wire.KindHello
			b := wiretest.Encode(t, ctl)
			b[5] = byte(wire.KindData)
			return b
		}(), wire.ErrMalformed},
		{"a heartbeat laid out text first", append([]byte("x\x00"), mod(func(b []byte) []byte { b[5] = byte(wire.KindHeartbeat); return b })[h:]...), wire.ErrMalformed},
		{"oversized", append(append([]byte(nil), wire.Magic[:]...), make([]byte, wire.MaxDatagram)...), wire.ErrTooLarge},
		{"critical extension", withExtension(t, 0x8f, nil), wire.ErrVersion},
		{"fragment extension short", withExtension(t, 0x81, []byte{0, 1}), wire.ErrMalformed},
		{"fragment index past count", withExtension(t, 0x81, []byte{0, 2, 0, 2}), wire.ErrMalformed},
		{"fragment count 0", withExtension(t, 0x81, []byte{0, 0, 0, 0}), wire.ErrMalformed},
		{"too many fragments", withExtension(t, 0x81, []byte{0, 0, 0xff, 0xff}), wire.ErrMalformed},
		{"extension past end", withRawExtensions(t, []byte{0x01, 0x00, 0x09}), wire.ErrMalformed},
		{"truncated extension", withRawExtensions(t, []byte{0x01}), wire.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := wire.Decode(tc.b)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v; want %v", err, tc.want)
			}
		})
	}
}

func TestDecodeSkipsUnknownExtension(t *testing.T) {
	b := withExtension(t, 0x01, []byte("later"))
	p, err := wire.Decode(b)
	if err != nil {
		t.Fatalf("decode with a non-critical extension: %v", err)
	}
	if string(p.Body) != "hello 世界 — 1" {
		t.Fatalf("body = %q", p.Body)
	}
}

func TestDecodeIgnoresFlags(t *testing.T) {
	b := wiretest.Encode(t, wiretest.Sample())
	h := bytes.Index(b, wire.Magic[:])
	b[h+6], b[h+7] = 0xff, 0xff
	if _, err := wire.Decode(b); err != nil {
		t.Fatalf("flags should be ignored: %v", err)
	}
}

// withRawExtensions re-encodes the sample with ext as its extension area.
func withRawExtensions(t *testing.T, ext []byte) []byte {
	t.Helper()
	b := wiretest.Encode(t, wiretest.Sample())
	off := bytes.Index(b, wire.Magic[:]) + wire.HeaderSize + len("Alice")
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
		if wire.IsGroupcast([]byte(s)) {
			t.Errorf("IsGroupcast(%q) = true", s)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	p := wiretest.Sample()
	p.Body = bytes.Repeat([]byte("x"), 200)
	buf := make([]byte, 0, wire.MaxDatagram)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = wire.AppendEncode(buf[:0], &p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	p := wiretest.Sample()
	p.Body = bytes.Repeat([]byte("x"), 200)
	enc := wiretest.Encode(b, p)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := wire.Decode(enc); err != nil {
			b.Fatal(err)
		}
	}
}

func TestFragmentRoundTrip(t *testing.T) {
	p := wiretest.Sample()
	p.Frag = wire.Frag{Index: 3, Count: 7}
	p.Body = []byte{0xe4, 0xb8} // half of 世: fragments may split UTF-8
	b := wiretest.Encode(t, p)
	got, err := wire.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Frag != p.Frag || !bytes.Equal(got.Body, p.Body) {
		t.Fatalf("got %+v", got)
	}
	p.Body = bytes.Repeat([]byte("x"), wire.MaxFragmentText)
	p.Nick = strings.Repeat("n", wire.MaxNickBytes)
	if b := wiretest.Encode(t, p); len(b) != wire.MaxInnerDatagram {
		t.Fatalf("a full fragment is %d bytes; want %d (room to seal it)", len(b), wire.MaxInnerDatagram)
	}
	p.Kind = wire.KindHello
	if _, err := wire.AppendEncode(nil, &p); !errors.Is(err, wire.ErrMalformed) {
		t.Fatalf("fragment of a hello: %v", err)
	}
}

func TestControlAndNackBodies(t *testing.T) {
	c := wire.Control{Trail: 17, Started: -5}
	got, err := wire.ParseControl(wire.AppendControl(nil, c))
	if err != nil || got != c {
		t.Fatalf("control %+v, %v", got, err)
	}
	if _, err := wire.ParseControl(make([]byte, 15)); !errors.Is(err, wire.ErrMalformed) {
		t.Fatalf("short control: %v", err)
	}
	n := wire.Nack{Target: wire.SenderID{9, 9, 9, 9, 9, 9, 9, 9}, Ranges: []wire.Range{{1, 1}, {5, 9}}}
	gn, err := wire.ParseNack(wire.AppendNack(nil, n))
	if err != nil || gn.Target != n.Target || len(gn.Ranges) != 2 || gn.Ranges[1] != (wire.Range{5, 9}) {
		t.Fatalf("nack %+v, %v", gn, err)
	}
	for name, body := range map[string][]byte{
		"empty":       nil,
		"no ranges":   append(n.Target[:], 0),
		"zero target": wire.AppendNack(nil, wire.Nack{Ranges: []wire.Range{{1, 2}}}),
		"reversed":    wire.AppendNack(nil, wire.Nack{Target: n.Target, Ranges: []wire.Range{{9, 5}}}),
		"zero seq":    wire.AppendNack(nil, wire.Nack{Target: n.Target, Ranges: []wire.Range{{0, 5}}}),
		"count lies":  append(wire.AppendNack(nil, n), 0),
		"too many":    append(append(n.Target[:], 33), make([]byte, 33*16)...),
	} {
		if _, err := wire.ParseNack(body); !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	many := wire.Nack{Target: n.Target}
	for i := range uint64(40) {
		many.Ranges = append(many.Ranges, wire.Range{i*10 + 1, i*10 + 2})
	}
	if gn, _ := wire.ParseNack(wire.AppendNack(nil, many)); len(gn.Ranges) != wire.MaxNackRanges {
		t.Fatalf("a NACK carries %d ranges; want at most %d", len(gn.Ranges), wire.MaxNackRanges)
	}
}

func TestSetKindAndReceipt(t *testing.T) {
	b := wiretest.Encode(t, wiretest.Sample())
	if err := wire.SetKind(b, wire.KindRepair); err != nil {
		t.Fatal(err)
	}
	if p, err := wire.Decode(b); err != nil || p.Kind != wire.KindRepair {
		t.Fatalf("re-sent as %v, %v", p.Kind, err)
	}
	if err := wire.SetKind(b, wire.KindPinned); err == nil {
		t.Fatal("a REPAIR was re-sent as PINNED")
	}
	if err := wire.SetKind(wiretest.Encode(t, wiretest.Sample()), wire.KindPinned); err == nil {
		t.Fatal("a DATA was relabelled PINNED: only the presenter may pin (Repin)")
	}
	ctl := wiretest.Sample()
	ctl.Kind, ctl.Body = wire.KindHeartbeat, wire.AppendControl(nil, wire.Control{Trail: 1})
	if err := wire.SetKind(wiretest.Encode(t, ctl), wire.KindRepair); err == nil {
		t.Fatal("a heartbeat was re-sent as a REPAIR")
	}
	id := wire.SenderID{9, 8, 7}
	if got, err := wire.ParseReceipt(wire.AppendReceipt(nil, id)); err != nil || got != id {
		t.Fatalf("receipt body: %v %v", got, err)
	}
	if _, err := wire.ParseReceipt([]byte{1, 2}); err == nil {
		t.Fatal("a short receipt body was accepted")
	}
	if got := wire.SplitText("abcdefg", 5, 3); len(got) != 3 || got[2] != "g" {
		t.Fatalf("split %q", got)
	}
}

// TestSplitTextBetweenCharacters: pieces end between characters, so a
// classic tool printing each piece prints whole characters, and the
// pieces join back to the text.
func TestSplitTextBetweenCharacters(t *testing.T) {
	text := strings.Repeat("世界🙂a", 2000) // 1-, 3- and 4-byte characters
	pieces := wire.SplitText(text, wire.MaxText, wire.MaxFragmentText)
	if len(pieces) > wire.MaxFragments || strings.Join(pieces, "") != text {
		t.Fatalf("%d pieces (at most %d), joined back: %v", len(pieces), wire.MaxFragments, strings.Join(pieces, "") == text)
	}
	for i, p := range pieces {
		if !utf8.ValidString(p) || len(p) > wire.MaxFragmentText || len(p) < wire.MaxFragmentText-3 && i < len(pieces)-1 {
			t.Fatalf("piece %d: %d bytes, valid UTF-8 %v", i, len(p), utf8.ValidString(p))
		}
	}
	if got := wire.SplitText(strings.Repeat("🙂", wire.MaxMessage/4), wire.MaxText, wire.MaxFragmentText); len(got) > wire.MaxFragments {
		t.Fatalf("a 64 KiB message of 4-byte characters takes %d pieces; at most %d are accepted", len(got), wire.MaxFragments)
	}
}

func TestTextWithNULIsRefused(t *testing.T) {
	p := wiretest.Sample()
	p.Body = []byte("a\x00b")
	if _, err := wire.AppendEncode(nil, &p); !errors.Is(err, wire.ErrNUL) {
		t.Fatalf("text with a NUL: %v", err)
	}
}

func TestCompanionPort(t *testing.T) {
	for port, want := range map[uint16]uint16{3333: 3334, 1: 2, 65534: 65535, 65535: 65534} {
		if got := wire.CompanionPort(port); got != want {
			t.Errorf("CompanionPort(%d) = %d; want %d", port, got, want)
		}
	}
}
