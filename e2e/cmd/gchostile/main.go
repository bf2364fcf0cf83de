// Command gchostile is the lab's attacker: it crafts forged, flooding and
// replayed Groupcast datagrams from the wire format (docs/PROTOCOL.md,
// through netconf's own encoder) and sends them to a group from the host
// it runs on, and it plays a classic program that holds a port. The e2e
// tests build it; it is never shipped.
//
//	gchostile record   -group G -out FILE              record the group until SIGINT
//	gchostile replay   -group G -in FILE [-hostile N]  replay a recording, then N mangled copies
//	gchostile huge     -group G                        LEAVE, and HELLO + heartbeat, claiming seq 2^62
//	gchostile impostor -group G -id HEX [-jump N]      a heartbeat (seq + N) and a LEAVE with someone else's id
//	gchostile ids      -group G -n N [-rounds R]       HELLO, then a heartbeat a round, for N fake ids
//	gchostile nacks    -group G -id HEX -last S -n N   N NACKs for seqs 1-S of id; counts the repairs they draw
//	gchostile frags    -group G -n N                   for N fake ids, all but the last piece of a 64 KiB message
//	gchostile hold     -group G                        bind the port alone (no SO_REUSEADDR) and join, as textbook C does
//
// Every command takes -iface (default eth0) and -every (pause between
// rounds or datagrams). What it did is printed as one JSON line.
package main

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/net/ipv4"

	"github.com/groupcast/groupcast/netconf/wire"
)

type tool struct {
	group *net.UDPAddr
	ifi   *net.Interface
	conn  net.PacketConn
	sent  int
	bytes int
	buf   []byte
	nick  string
}

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: gchostile record|replay|huge|impostor|ids|nacks|frags|hold [flags]"))
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	group := fs.String("group", "", "ADDR:PORT")
	iface := fs.String("iface", "eth0", "interface")
	out := fs.String("out", "", "recording to write")
	in := fs.String("in", "", "recording to replay")
	hostile := fs.Int("hostile", 0, "mangled datagrams after the replay")
	idHex := fs.String("id", "", "a member's sender id (16 hex digits)")
	jump := fs.Uint64("jump", 5000, "how far past the member's highest seq a forged heartbeat claims")
	n := fs.Int("n", 1000, "how many (ids, NACKs)")
	rounds := fs.Int("rounds", 1, "rounds of heartbeats")
	every := fs.Duration("every", time.Second, "pause between rounds, or between NACKs")
	last := fs.Uint64("last", 600, "NACKs ask for seqs 1 to last")
	_ = fs.Parse(os.Args[2:])
	g, err := net.ResolveUDPAddr("udp4", *group)
	if err != nil {
		fail(err)
	}
	ifi, err := net.InterfaceByName(*iface)
	if err != nil {
		fail(err)
	}
	t := &tool{group: g, ifi: ifi, nick: "Mallory"}
	switch os.Args[1] {
	case "record":
		fail(t.record(*out))
	case "hold":
		fail(t.hold())
	}
	if err := t.open(); err != nil {
		fail(err)
	}
	var id wire.SenderID
	if *idHex != "" {
		b, err := hex.DecodeString(*idHex)
		if err != nil || len(b) != 8 {
			fail(fmt.Errorf("-id: want 16 hex digits, got %q", *idHex))
		}
		copy(id[:], b)
	}
	report := map[string]any{}
	switch os.Args[1] {
	case "replay":
		err = t.replay(*in, *hostile)
	case "huge":
		err = t.huge()
	case "impostor":
		err = t.impostor(id, *jump)
	case "ids":
		err = t.ids(*n, *rounds, *every)
	case "nacks":
		err = t.nacks(id, *last, *n, *every, report)
	case "frags":
		err = t.frags(*n)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fail(err)
	}
	report["sent"], report["bytes"] = t.sent, t.bytes
	_ = json.NewEncoder(os.Stdout).Encode(report)
}

func fail(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "gchostile:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// open makes the sending socket: multicast out of the chosen interface.
func (t *tool) open() error {
	c, err := net.ListenPacket("udp4", "0.0.0.0:0")
	if err != nil {
		return err
	}
	p := ipv4.NewPacketConn(c)
	if err := p.SetMulticastInterface(t.ifi); err != nil {
		return err
	}
	if err := p.SetMulticastLoopback(true); err != nil {
		return err
	}
	t.conn = c
	return nil
}

func (t *tool) write(b []byte) error {
	if _, err := t.conn.WriteTo(b, t.group); err != nil {
		return err
	}
	t.sent++
	t.bytes += len(b)
	if t.sent%256 == 0 {
		time.Sleep(2 * time.Millisecond) // a flood the receivers' kernels take in, not a loss test
	}
	return nil
}

// forge encodes and sends p, stamped now, from a nickname of ours.
func (t *tool) forge(p wire.Packet) error {
	if p.Time == 0 {
		p.Time = time.Now().UnixMicro()
	}
	if p.Nick == "" {
		p.Nick = t.nick
	}
	b, err := wire.AppendEncode(t.buf[:0], &p)
	if err != nil {
		return err
	}
	t.buf = b
	return t.write(b)
}

func (t *tool) control(kind wire.Kind, id wire.SenderID, seq, trail uint64, started time.Time) error {
	return t.forge(wire.Packet{Kind: kind, Sender: id, Seq: seq,
		Body: wire.AppendControl(nil, wire.Control{Trail: trail, Started: started.UnixMicro()})})
}

func fakeID(tag byte, i int) wire.SenderID {
	return wire.SenderID{0xfa, tag, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i), 0x5e, 0x11}
}

// huge: one LEAVE from a new id claiming seq 2^62 (it once froze every
// receiver for good), and a HELLO then a heartbeat and LEAVE doing the same.
func (t *tool) huge() error {
	now := time.Now()
	for i, kinds := range [][]wire.Kind{{wire.KindLeave}, {wire.KindHello, wire.KindHeartbeat, wire.KindLeave}} {
		for _, k := range kinds {
			seq := uint64(1 << 62)
			if k == wire.KindHello {
				seq = 0
			}
			if err := t.control(k, fakeID(0xb0, i), seq, 1, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// impostor: a heartbeat claiming jump more seqs than id has sent (so
// receivers would ask for them, then call them lost), and a LEAVE, both
// with id, from this host.
func (t *tool) impostor(id wire.SenderID, jump uint64) error {
	started := time.Now().Add(-time.Hour)
	if err := t.control(wire.KindHeartbeat, id, jump, 1, started); err != nil {
		return err
	}
	return t.control(wire.KindLeave, id, jump, 1, started)
}

// ids: n fake members, each a HELLO and then a heartbeat per round.
func (t *tool) ids(n, rounds int, every time.Duration) error {
	started := time.Now()
	for r := range rounds {
		kind := wire.KindHeartbeat
		if r == 0 {
			kind = wire.KindHello
		}
		for i := range n {
			if err := t.control(kind, fakeID(0x1d, i), 0, 1, started); err != nil {
				return err
			}
		}
		if r < rounds-1 {
			time.Sleep(every)
		}
	}
	return nil
}

// nacks: n NACKs for seqs 1-last of id, every apart, while counting the
// repairs of id they draw on the group.
func (t *tool) nacks(id wire.SenderID, last uint64, n int, every time.Duration, report map[string]any) error {
	rx, err := t.listen()
	if err != nil {
		return err
	}
	var repairs, repairBytes atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 65536)
		for {
			k, _, err := rx.ReadFrom(buf)
			if err != nil {
				return
			}
			if p, err := wire.Decode(buf[:k]); err == nil && p.Kind == wire.KindRepair && p.Sender == id {
				repairs.Add(1)
				repairBytes.Add(int64(k))
			}
		}
	}()
	body := wire.AppendNack(nil, wire.Nack{Target: id, Ranges: []wire.Range{{First: 1, Last: last}}})
	for range n {
		if err := t.forge(wire.Packet{Kind: wire.KindNack, Sender: fakeID(0xac, 0), Body: body}); err != nil {
			return err
		}
		time.Sleep(every)
	}
	time.Sleep(500 * time.Millisecond) // the last repairs
	_ = rx.Close()
	<-done
	report["nack_bytes"], report["repairs"], report["repair_bytes"] = t.bytes, repairs.Load(), repairBytes.Load()
	return nil
}

// frags: n fake senders, each a HELLO and all but the last piece of a
// 64 KiB message, which therefore never completes.
func (t *tool) frags(n int) error {
	piece := []byte(strings.Repeat("x", wire.MaxFragmentText))
	now := time.Now()
	for i := range n {
		id := fakeID(0xf4, i)
		if err := t.control(wire.KindHello, id, 0, 1, now); err != nil {
			return err
		}
		for k := range wire.MaxFragments - 1 {
			if err := t.forge(wire.Packet{Kind: wire.KindData, Sender: id, Seq: uint64(k + 1),
				Frag: wire.Frag{Index: uint16(k), Count: wire.MaxFragments}, Body: piece}); err != nil {
				return err
			}
		}
	}
	return nil
}

// listen joins the group on a socket that shares the port.
func (t *tool) listen() (net.PacketConn, error) {
	c, err := net.ListenMulticastUDP("udp4", t.ifi, t.group)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// hold binds 0.0.0.0:port without SO_REUSEADDR, as a textbook C receiver
// does, joins the group, and prints what arrives until SIGINT.
func (t *tool) hold() error {
	c, err := net.ListenPacket("udp4", fmt.Sprintf("0.0.0.0:%d", t.group.Port))
	if err != nil {
		return err
	}
	if err := ipv4.NewPacketConn(c).JoinGroup(t.ifi, &net.UDPAddr{IP: t.group.IP}); err != nil {
		return err
	}
	closeOnInterrupt(c)
	fmt.Println("holding")
	buf := make([]byte, 65536)
	for {
		k, _, err := c.ReadFrom(buf)
		if err != nil {
			return nil
		}
		fmt.Printf("RECV %q\n", buf[:k])
	}
}

// closeOnInterrupt closes c on SIGINT, which ends a read loop on it.
func closeOnInterrupt(c io.Closer) {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	go func() { <-stop; _ = c.Close() }()
}

// record writes each datagram as a 2-byte length and the bytes.
func (t *tool) record(path string) error {
	c, err := t.listen()
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	closeOnInterrupt(c)
	fmt.Println("recording")
	buf := make([]byte, 65536)
	n := 0
	for {
		k, _, err := c.ReadFrom(buf)
		if err != nil {
			fmt.Fprintf(os.Stderr, "recorded %d datagrams\n", n)
			return f.Close()
		}
		var l [2]byte
		binary.BigEndian.PutUint16(l[:], uint16(k))
		if _, err := f.Write(append(l[:], buf[:k]...)); err != nil {
			return err
		}
		n++
	}
}

func load(path string) ([][]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for len(b) >= 2 {
		n := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+n {
			return nil, io.ErrUnexpectedEOF
		}
		out = append(out, b[2:2+n])
		b = b[2+n:]
	}
	return out, nil
}

// replay sends a recording again, then hostile mangled copies of it:
// random bytes (some with our header), truncated, bit-flipped, spliced.
func (t *tool) replay(path string, hostile int) error {
	rec, err := load(path)
	if err != nil {
		return err
	}
	if len(rec) == 0 {
		return errors.New("empty recording")
	}
	for _, d := range rec {
		if err := t.write(d); err != nil {
			return err
		}
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range hostile {
		src := rec[rng.IntN(len(rec))]
		var d []byte
		switch i % 4 {
		case 0:
			d = make([]byte, 1+rng.IntN(1400))
			for j := range d {
				d[j] = byte(rng.Uint32())
			}
			if i%8 == 0 && len(d) > 12 {
				copy(d, src[:min(12, len(src))])
			}
		case 1:
			d = src[:rng.IntN(len(src))]
		case 2:
			d = append([]byte(nil), src...)
			d[rng.IntN(len(d))] ^= 1 << rng.IntN(8)
		case 3:
			o := rec[rng.IntN(len(rec))]
			cut := rng.IntN(min(len(src), len(o)))
			d = append(append([]byte(nil), src[:cut]...), o[cut:]...)
		}
		if len(d) == 0 {
			d = []byte{0}
		}
		if err := t.write(d); err != nil {
			return err
		}
	}
	return nil
}
