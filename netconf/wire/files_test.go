package wire_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/groupcast/groupcast/netconf/wire"
	"github.com/groupcast/groupcast/netconf/wire/wiretest"
)

var sampleOffer = wire.FileOffer{ID: wire.FileID{1, 2, 3}, Size: 50 << 20, BlockSize: 1348, Group: 128, SHA256: [32]byte{9, 9}, Pass: 1, Name: "worksheet (2).pdf"}

func sampleFilePackets() []wire.Packet {
	offer, block, nack, done := wiretest.Sample(), wiretest.Sample(), wiretest.Sample(), wiretest.Sample()
	offer.Kind, offer.Seq, offer.Body = wire.KindFileOffer, 0, wire.AppendFileOffer(nil, sampleOffer)
	block.Kind, block.Seq, block.Body = wire.KindFileBlock, 7, wire.AppendFileBlock(nil, sampleOffer.ID, bytes.Repeat([]byte{0xAB}, 1348))
	nack.Kind, nack.Seq, nack.Body = wire.KindFileNack, 0, wire.AppendFileNack(nil, wire.FileNack{Target: wire.SenderID{5}, ID: sampleOffer.ID, Base: 100, Needs: []byte{2, 0, 1}})
	done.Kind, done.Seq, done.Body = wire.KindFileDone, 0, wire.AppendFileDone(nil, wire.FileDone{Target: wire.SenderID{5}, ID: sampleOffer.ID, Status: wire.FileFailed, Reason: wire.FileReasonWrite})
	return []wire.Packet{offer, block, nack, done}
}

func TestFileBodiesRoundTrip(t *testing.T) {
	for _, p := range sampleFilePackets() {
		b := wiretest.Encode(t, p)
		if len(b) > wire.MaxDatagram {
			t.Fatalf("%v: %d bytes", p.Kind, len(b))
		}
		back, err := wire.Decode(b)
		if err != nil || back.Kind != p.Kind || !bytes.Equal(back.Body, p.Body) {
			t.Fatalf("%v: %v", p.Kind, err)
		}
	}
	o, err := wire.ParseFileOffer(wire.AppendFileOffer(nil, sampleOffer))
	if err != nil || o != sampleOffer {
		t.Fatalf("offer: %+v, %v", o, err)
	}
	if o.Blocks() != 38_894 || o.BlockLen(0) != 1348 || o.BlockLen(38_893) != 1036 {
		t.Fatalf("%d blocks, last %d bytes", o.Blocks(), o.BlockLen(o.Blocks()-1))
	}
	// 303 groups of 128 and one of 110, which can have 110 parity blocks.
	if o.Groups() != 304 || o.GroupLen(302) != 128 || o.GroupLen(303) != 110 || o.MaxParity(0) != 128 || o.MaxParity(303) != 110 {
		t.Fatalf("%d groups, last of %d", o.Groups(), o.GroupLen(o.Groups()-1))
	}
	for seq, want := range map[uint64]wire.FileShard{
		0:            {Group: 0, Shard: 0},
		5<<8 | 127:   {Group: 5, Shard: 127},
		5<<8 | 128:   {Group: 5, Shard: 128, Parity: true},
		5<<8 | 255:   {Group: 5, Shard: 255, Parity: true},
		303<<8 | 109: {Group: 303, Shard: 109},
		303<<8 | 219: {Group: 303, Shard: 219, Parity: true},
	} {
		if got, ok := o.Shard(seq); !ok || got != want || got.Seq() != seq {
			t.Errorf("seq %#x: %+v %v, want %+v", seq, got, ok, want)
		}
	}
	for _, seq := range []uint64{304 << 8, 303<<8 | 220, 1 << 40} {
		if s, ok := o.Shard(seq); ok {
			t.Errorf("seq %#x names %+v", seq, s)
		}
	}
	if o.Index(wire.FileShard{Group: 303, Shard: 109}) != 38_893 || o.ShardLen(wire.FileShard{Group: 303, Shard: 109}) != 1036 ||
		o.ShardLen(wire.FileShard{Group: 303, Shard: 200, Parity: true}) != 1348 {
		t.Fatal("index or length of a shard")
	}
}

// TestFileBlockFitsTheDatagram: a block of the size a sender offers, with
// the longest nickname, fills the datagram the interface's MTU allows
// (1 400 bytes when it is not known, 1 472 on Ethernet and above, less
// on a smaller MTU, so the datagram is never fragmented), sealed or not;
// one byte more is refused, and only a FILE_BLOCK may be larger than
// 1 400 bytes.
func TestFileBlockFitsTheDatagram(t *testing.T) {
	for mtu, want := range map[int]int{0: wire.MaxDatagram, 1280: 1252, 1450: 1422, 1500: 1472, 65536: 1472} {
		for _, sealed := range []bool{false, true} {
			for _, nick := range []string{"A", strings.Repeat("n", wire.MaxNickBytes)} {
				p := wiretest.Sample()
				p.Nick = nick
				size := int(wire.FileBlockSizeFor(len(nick), sealed, mtu))
				p.Kind, p.Seq, p.Body = wire.KindFileBlock, 1, wire.AppendFileBlock(nil, wire.FileID{1}, make([]byte, size))
				limit := want
				if sealed {
					limit -= wire.SealOverhead
				}
				b := wiretest.Encode(t, p)
				if len(b) != limit {
					t.Fatalf("MTU %d, nick %d bytes, sealed %v: a block of %d makes %d bytes, want %d", mtu, len(nick), sealed, size, len(b), limit)
				}
				if _, err := wire.Decode(b); err != nil {
					t.Fatalf("MTU %d: %v", mtu, err)
				}
			}
		}
	}
	if wire.FileBlockSizeFor(1, false, 1500) != wire.MaxFileBlockSize {
		t.Fatal("MaxFileBlockSize is not the largest block a sender offers")
	}
	p := wiretest.Sample()
	p.Kind, p.Seq, p.Nick = wire.KindFileBlock, 1, "A"
	p.Body = wire.AppendFileBlock(nil, wire.FileID{1}, make([]byte, wire.MaxFileBlockSize+1))
	if _, err := wire.AppendEncode(nil, &p); !errors.Is(err, wire.ErrTooLarge) {
		t.Fatalf("a block past MaxFileDatagram was encoded: %v", err)
	}
	// Another kind as large as a block is refused, sent or received.
	p.Kind, p.Body = wire.KindFileNack, make([]byte, wire.MaxDatagram)
	if _, err := wire.AppendEncode(nil, &p); !errors.Is(err, wire.ErrTooLarge) {
		t.Fatalf("a %d-byte FILE_NACK was encoded: %v", wire.MaxDatagram, err)
	}
	big := wiretest.Encode(t, wire.Packet{Kind: wire.KindFileBlock, Sender: p.Sender, Seq: 1, Nick: "A",
		Body: wire.AppendFileBlock(nil, wire.FileID{1}, make([]byte, wire.MaxFileBlockSize))})
	big[5] = byte(wire.KindFileDone)
	if _, err := wire.Decode(big); !errors.Is(err, wire.ErrTooLarge) {
		t.Fatalf("a %d-byte FILE_DONE was taken: %v", len(big), err)
	}
}

func TestFileOfferRefusals(t *testing.T) {
	enc := func(mod func(*wire.FileOffer)) []byte {
		o := sampleOffer
		mod(&o)
		return wire.AppendFileOffer(nil, o)
	}
	for name, body := range map[string][]byte{
		"short":           wire.AppendFileOffer(nil, sampleOffer)[:40],
		"no id":           enc(func(o *wire.FileOffer) { o.ID = wire.FileID{} }),
		"tiny blocks":     enc(func(o *wire.FileOffer) { o.BlockSize = 100 }),
		"huge blocks":     enc(func(o *wire.FileOffer) { o.BlockSize = wire.MaxFileBlockSize + 1 }),
		"too many blocks": enc(func(o *wire.FileOffer) { o.Size, o.BlockSize = 1<<63, 256 }),
		"pass 0":          enc(func(o *wire.FileOffer) { o.Pass = 0 }),
		"group 0":         enc(func(o *wire.FileOffer) { o.Group = 0 }),
		"group 200":       enc(func(o *wire.FileOffer) { o.Group = 200 }),
		"a path":          enc(func(o *wire.FileOffer) { o.Name = "../../.bashrc" }),
		"trailing bytes":  append(wire.AppendFileOffer(nil, sampleOffer), 0),
		"name too long":   append(wire.AppendFileOffer(nil, sampleOffer)[:54], 20, 'a'),
	} {
		if _, err := wire.ParseFileOffer(body); !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestValidFileName(t *testing.T) {
	for _, good := range []string{"worksheet.pdf", "作业 1.docx", "résumé (2).txt", ".hidden", "a..b", "console.txt"} {
		if err := wire.ValidFileName(good); err != nil {
			t.Errorf("%q refused: %v", good, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "../x", "a/b", `a\b`, `C:x`, "CON", "nul.txt", "Com1.log", "x.", "x ", " x",
		"a\x00b", "a\nb", "\xff\xfe", strings.Repeat("a", 256), "a*b", "a?b", "a|b", `a"b`, "<a>"} {
		if err := wire.ValidFileName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestFileBlockNackDoneRefusals(t *testing.T) {
	id := sampleOffer.ID
	for name, body := range map[string][]byte{
		"empty block": wire.AppendFileBlock(nil, id, nil),
		"huge block":  wire.AppendFileBlock(nil, id, make([]byte, wire.MaxFileBlockSize+1)),
		"no id":       wire.AppendFileBlock(nil, wire.FileID{}, []byte("x")),
	} {
		if _, err := wire.ParseFileBlock(body); !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("block %s: %v", name, err)
		}
	}
	nack := func(n wire.FileNack) []byte { return wire.AppendFileNack(nil, n) }
	huge := append(nack(wire.FileNack{Target: wire.SenderID{1}, ID: id, Needs: make([]byte, wire.MaxFileNackGroups)}), 0xFF)
	for name, body := range map[string][]byte{
		"no needs":  nack(wire.FileNack{Target: wire.SenderID{1}, ID: id}),
		"no target": nack(wire.FileNack{ID: id, Needs: []byte{1}}),
		"no file":   nack(wire.FileNack{Target: wire.SenderID{1}, Needs: []byte{1}}),
		"huge":      huge,
	} {
		if _, err := wire.ParseFileNack(body); !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("nack %s: %v", name, err)
		}
	}
	done := func(s wire.FileStatus, r wire.FileReason) []byte {
		return wire.AppendFileDone(nil, wire.FileDone{Target: wire.SenderID{1}, ID: id, Status: s, Reason: r})
	}
	for name, body := range map[string][]byte{
		"have with a reason": done(wire.FileHave, wire.FileReasonWrite),
		"failed without one": done(wire.FileFailed, 0),
		"unknown reason":     done(wire.FileFailed, 99),
		"unknown status":     done(7, 0),
		"trailing":           append(done(wire.FileHave, 0), 0),
		"no target":          wire.AppendFileDone(nil, wire.FileDone{ID: id, Status: wire.FileHave}),
	} {
		if _, err := wire.ParseFileDone(body); !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("done %s: %v", name, err)
		}
	}
}
