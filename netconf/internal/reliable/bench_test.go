package reliable

import (
	"bytes"
	"testing"

	"github.com/groupcast/groupcast/netconf/wire"
)

// benchPeer is a synced stream expecting seq 1.
func benchPeer() *Stream {
	pr := NewStream(&testParams, NewBudget(testHeld), &testShare{limit: testHeld}, 1)
	pr.synced = true
	return pr
}

// BenchmarkSequencingInOrder: a datagram that is the next one expected is
// held and delivered at once.
func BenchmarkSequencingInOrder(b *testing.B) {
	pr := benchPeer()
	body := bytes.Repeat([]byte("x"), 200)
	var out []Delivery
	b.ReportAllocs()
	seq := uint64(0)
	for b.Loop() {
		seq++
		pr.highest = seq
		pr.hold(seq, Held{Nick: "Alice", Body: body})
		out = pr.deliverReady(out[:0])
		if len(out) != 1 {
			b.Fatalf("delivered %d", len(out))
		}
	}
}

// BenchmarkSequencingReordered: datagrams arrive in swapped pairs (2, 1,
// 4, 3, …), so every other one waits for its predecessor.
func BenchmarkSequencingReordered(b *testing.B) {
	pr := benchPeer()
	body := bytes.Repeat([]byte("x"), 200)
	var out []Delivery
	b.ReportAllocs()
	i := uint64(0)
	for b.Loop() {
		i++
		seq := i + 1
		if i%2 == 0 {
			seq = i - 1
		}
		pr.highest = max(pr.highest, seq)
		pr.hold(seq, Held{Nick: "Alice", Body: body})
		out = pr.deliverReady(out[:0])
	}
}

// BenchmarkReassembly: a 64 KiB message in MaxFragmentText pieces, held
// and reassembled; one op is the whole message.
func BenchmarkReassembly(b *testing.B) {
	pr := benchPeer()
	text := bytes.Repeat([]byte("héllo 世界 "), wire.MaxMessage/len("héllo 世界 "))
	pieces := wire.SplitText(string(text), wire.MaxText, wire.MaxFragmentText)
	var out []Delivery
	b.ReportAllocs()
	b.SetBytes(int64(len(text)))
	seq := uint64(0)
	for b.Loop() {
		for i, piece := range pieces {
			seq++
			pr.highest = seq
			pr.hold(seq, Held{Nick: "Alice", Frag: wire.Frag{Index: uint16(i), Count: uint16(len(pieces))}, Body: []byte(piece)})
			out = pr.deliverReady(out[:0])
		}
		if len(out) != 1 || out[0].Lost != nil || len(out[0].Text) != len(text) {
			b.Fatalf("reassembled %v", out)
		}
	}
}
