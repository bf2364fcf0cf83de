package netconf

import (
	"bytes"
	"github.com/groupcast/groupcast/netconf/internal/seal"
	"github.com/groupcast/groupcast/netconf/wire"
	"net/netip"
	"testing"
	"time"
)

// Benchmarks of the per-datagram hot paths; make bench runs them, and
// docs/PERFORMANCE.md records the figures.

var benchGroup = netip.MustParseAddrPort("239.255.99.1:4242")

func benchKey(b *testing.B) *seal.Key {
	k, err := deriveKey(Config{Passphrase: "benchmark passphrase of decent length", Group: benchGroup})
	if err != nil {
		b.Fatal(err)
	}
	return k
}

func BenchmarkSeal(b *testing.B) {
	k := benchKey(b)
	inner := bytes.Repeat([]byte("x"), 260) // a 200-byte message with its header
	buf := make([]byte, 0, wire.MaxDatagram)
	b.ReportAllocs()
	b.SetBytes(int64(len(inner)))
	pn := uint64(0)
	for b.Loop() {
		pn++
		buf = k.Seal(buf[:0], pn, inner)
	}
}

func BenchmarkOpen(b *testing.B) {
	k := benchKey(b)
	sealed := k.Seal(nil, 1, bytes.Repeat([]byte("x"), 260))
	work := make([]byte, len(sealed))
	b.ReportAllocs()
	b.SetBytes(int64(len(sealed)))
	for b.Loop() {
		copy(work, sealed) // Open decrypts in place
		if _, _, err := k.Open(work, wire.MaxDatagram); err != nil {
			b.Fatal(err)
		}
	}
}

// benchPeer is a synced peer expecting seq 1.
func benchPeer() *peer {
	pr := newPeer(wire.SenderID{1}, time.Now(), netip.AddrPort{})
	pr.synced, pr.expected = true, 1
	pr.budget = &heldBudget{limit: MaxHeldBytes, hostLimit: MaxHeldBytes}
	return pr
}

// BenchmarkSequencingInOrder: a datagram that is the next one expected is
// held and delivered at once.
func BenchmarkSequencingInOrder(b *testing.B) {
	pr := benchPeer()
	body := bytes.Repeat([]byte("x"), 200)
	now := time.Now()
	var out []delivery
	b.ReportAllocs()
	seq := uint64(0)
	for b.Loop() {
		seq++
		pr.highest = seq
		pr.hold(seq, heldData{nick: "Alice", body: body})
		out = pr.deliverReady(now, out[:0])
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
	now := time.Now()
	var out []delivery
	b.ReportAllocs()
	i := uint64(0)
	for b.Loop() {
		i++
		seq := i + 1
		if i%2 == 0 {
			seq = i - 1
		}
		pr.highest = max(pr.highest, seq)
		pr.hold(seq, heldData{nick: "Alice", body: body})
		out = pr.deliverReady(now, out[:0])
	}
}

// BenchmarkReassembly: a 64 KiB message in MaxFragmentText pieces, held
// and reassembled; one op is the whole message.
func BenchmarkReassembly(b *testing.B) {
	pr := benchPeer()
	text := bytes.Repeat([]byte("héllo 世界 "), wire.MaxMessage/len("héllo 世界 "))
	pieces := wire.SplitText(string(text), wire.MaxText, wire.MaxFragmentText)
	now := time.Now()
	var out []delivery
	b.ReportAllocs()
	b.SetBytes(int64(len(text)))
	seq := uint64(0)
	for b.Loop() {
		for i, piece := range pieces {
			seq++
			pr.highest = seq
			pr.hold(seq, heldData{nick: "Alice", frag: wire.Frag{Index: uint16(i), Count: uint16(len(pieces))}, body: []byte(piece)})
			out = pr.deliverReady(now, out[:0])
		}
		if len(out) != 1 || out[0].lost != nil || len(out[0].msg.Text) != len(text) {
			b.Fatalf("reassembled %v", out)
		}
	}
}

// nopTransport swallows what is written and never reads.
type nopTransport struct{}

func (nopTransport) Read([]byte) (int, netip.AddrPort, error) { select {} }
func (nopTransport) Write([]byte) error                       { return nil }
func (nopTransport) Close() error                             { return nil }

// BenchmarkReceivePath is one 200-byte data datagram through everything
// the engine's loop does with it: unseal (with a passphrase), decode,
// replay check, sequencing, delivery and the Message event. No loop
// goroutine runs: the benchmark plays the loop.
func BenchmarkReceivePath(b *testing.B) {
	for _, keyed := range []bool{false, true} {
		name := "open"
		if keyed {
			name = "passphrase"
		}
		b.Run(name, func(b *testing.B) {
			var key *seal.Key
			if keyed {
				key = benchKey(b)
			}
			e := &Engine{timing: DefaultTiming(), now: time.Now}
			e.queue.maxMessages = DefaultQueuedMessages
			cfg := DefaultConfig()
			cfg.Group, cfg.Nick = benchGroup, "rx"
			e.m = newMember(cfg, nopTransport{}, key, time.Now(), DefaultTiming())
			e.m.self = wire.SenderID{9}
			sender := &member{self: wire.SenderID{1}, key: key, sbuf: make([]byte, 0, wire.MaxDatagram)}
			src := netip.MustParseAddrPort("198.18.0.1:40000")
			body := bytes.Repeat([]byte("x"), 200)
			// Datagrams are made in chunks outside the timer: each needs
			// its own sequence (and packet) number.
			const chunk = 4096
			wires := make([][]byte, chunk)
			raw := make([]byte, wire.MaxDatagram)
			seq := uint64(0)
			seal := func(w []byte) []byte {
				if key == nil {
					return w
				}
				sender.pn++
				return key.Seal(make([]byte, 0, wire.MaxDatagram), sender.pn, w)
			}
			// A HELLO first: the receiver knows where the stream starts.
			hello := wire.Packet{Kind: wire.KindHello, Sender: sender.self, Time: time.Now().UnixMicro(), Nick: "Alice",
				Body: wire.AppendControl(nil, wire.Control{Trail: 1, Started: time.Now().UnixMicro()})}
			w, err := wire.AppendEncode(nil, &hello)
			if err != nil {
				b.Fatal(err)
			}
			e.receive(time.Now(), seal(w), src)
			if pr := e.m.peers[sender.self]; pr == nil || !pr.synced {
				b.Fatal("the HELLO did not start the stream")
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			n, start := 0, time.Now()
			for b.Loop() {
				if n%chunk == 0 {
					b.StopTimer()
					for i := range wires {
						p := wire.Packet{Kind: wire.KindData, Sender: sender.self, Seq: seq + uint64(i) + 1, Time: time.Now().UnixMicro(), Nick: "Alice", Body: body}
						w, err := wire.AppendEncode(nil, &p)
						if err != nil {
							b.Fatal(err)
						}
						wires[i] = seal(w)
					}
					b.StartTimer()
				}
				w := wires[n%chunk]
				raw = append(raw[:0], w...) // the reader's buffer (open decrypts in place)
				// The loop's clock as the datagrams would arrive, 100 000 a
				// second: faster than any sender could send, a stream's seqs
				// are refused as implausible claims.
				e.receive(start.Add(time.Duration(n)*10*time.Microsecond), raw, src)
				n++
				seq++
				if _, ok := e.queue.peek(); !ok {
					b.Fatalf("datagram %d delivered nothing", seq)
				}
				for e.queue.len() > 0 {
					e.queue.pop()
				}
			}
		})
	}
}
