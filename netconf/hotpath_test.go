package netconf

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/groupcast/groupcast/netconf/internal/seal"
	"github.com/groupcast/groupcast/netconf/wire"
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

// nopTransport swallows what is written and never reads.
type nopTransport struct{}

func (nopTransport) Read([]byte) (int, netip.AddrPort, error) { select {} }
func (nopTransport) Write([]byte) error                       { return nil }
func (nopTransport) Close() error                             { return nil }
func (nopTransport) Control() Receiver                        { return nil }
func (nopTransport) WriteControl([]byte) error                { return nil }

// BenchmarkReceivePath is one 200-byte data datagram through everything
// the engine's loop does with it: unseal (with a passphrase), decode,
// replay check, sequencing, delivery and the Message event. No loop
// goroutine runs: the benchmark plays the loop.
func BenchmarkReceivePath(b *testing.B) {
	benchKeyed(b, func(b *testing.B, key *seal.Key) {
		e := benchEngine("rx", wire.SenderID{9}, key)
		sender := &struct {
			self wire.SenderID
			pn   uint64
		}{self: wire.SenderID{1}}
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
		e.receive(time.Now(), seal(w), src, true)
		if pr := e.m.peers.Get(sender.self); pr == nil || !pr.Stream.Synced() {
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
			e.receive(start.Add(time.Duration(n)*10*time.Microsecond), raw, src, false)
			n++
			seq++
			if _, ok := e.queue.Peek(); !ok {
				b.Fatalf("datagram %d delivered nothing", seq)
			}
			dropQueued(e)
		}
	})
}

// BenchmarkSendPath is one 200-byte message through what the loop does to
// send it: the checks, numbering and encoding (reliable.Outbound), keeping
// it for repair, sealing (with a passphrase), the batch write and the Sent
// event.
func BenchmarkSendPath(b *testing.B) {
	benchKeyed(b, func(b *testing.B, key *seal.Key) {
		e := benchEngine("tx", wire.SenderID{1}, key)
		text := strings.Repeat("x", 200)
		b.ReportAllocs()
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			e.send(Send{Text: text})
			e.flushData()
			if _, ok := e.queue.Peek(); !ok {
				b.Fatal("no Sent event")
			}
			dropQueued(e)
		}
	})
}

// benchKeyed runs f twice: in an open group (key nil) and in a group with
// a passphrase.
func benchKeyed(b *testing.B, f func(b *testing.B, key *seal.Key)) {
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
			f(b, key)
		})
	}
}

// benchEngine is an engine joined as nick with sender id self, whose loop
// does not run: the benchmark plays it.
func benchEngine(nick string, self wire.SenderID, key *seal.Key) *Engine {
	e := newEngine()
	cfg := DefaultConfig()
	cfg.Group, cfg.Nick = benchGroup, nick
	e.m = e.newSession(cfg, nopTransport{}, key, time.Now(), self)
	return e
}

// dropQueued drops the events the loop queued.
func dropQueued(e *Engine) {
	for e.queue.Len() > 0 {
		e.queue.Pop()
	}
}
