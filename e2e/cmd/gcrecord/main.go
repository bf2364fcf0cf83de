// Command gcrecord is a test tool for the lab: a passive recorder of a
// multicast group, and an attacker that replays a recording and floods the
// group with hostile datagrams made from it. It is built by the e2e tests
// and never shipped.
//
//	gcrecord record -group ADDR:PORT -iface IF -out FILE   (until SIGINT)
//	gcrecord replay -group ADDR:PORT -iface IF -in FILE -hostile N
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/signal"
	"time"

	"golang.org/x/net/ipv4"
)

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: gcrecord record|replay [flags]"))
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	group := fs.String("group", "", "ADDR:PORT")
	iface := fs.String("iface", "eth0", "interface")
	file := fs.String("out", "", "recording to write")
	in := fs.String("in", "", "recording to replay")
	hostile := fs.Int("hostile", 20000, "hostile datagrams after the replay")
	_ = fs.Parse(os.Args[2:])
	gaddr, err := net.ResolveUDPAddr("udp4", *group)
	if err != nil {
		fail(err)
	}
	ifi, err := net.InterfaceByName(*iface)
	if err != nil {
		fail(err)
	}
	switch os.Args[1] {
	case "record":
		fail(record(gaddr, ifi, *file))
	case "replay":
		fail(replay(gaddr, ifi, *in, *hostile))
	}
	fail(fmt.Errorf("unknown command %q", os.Args[1]))
}

func fail(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "gcrecord:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// record writes each datagram as a 2-byte length and the bytes.
func record(g *net.UDPAddr, ifi *net.Interface, path string) error {
	c, err := net.ListenPacket("udp4", fmt.Sprintf("0.0.0.0:%d", g.Port))
	if err != nil {
		return err
	}
	p := ipv4.NewPacketConn(c)
	if err := p.JoinGroup(ifi, &net.UDPAddr{IP: g.IP}); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	go func() { <-stop; _ = c.Close() }()
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

func replay(g *net.UDPAddr, ifi *net.Interface, path string, hostile int) error {
	rec, err := load(path)
	if err != nil {
		return err
	}
	if len(rec) == 0 {
		return errors.New("empty recording")
	}
	c, err := net.ListenPacket("udp4", "0.0.0.0:0")
	if err != nil {
		return err
	}
	p := ipv4.NewPacketConn(c)
	if err := p.SetMulticastInterface(ifi); err != nil {
		return err
	}
	send := func(b []byte, i int) error {
		if _, err := c.WriteTo(b, g); err != nil {
			return err
		}
		if i%200 == 199 {
			time.Sleep(2 * time.Millisecond) // a flood, not a loss test
		}
		return nil
	}
	for i, d := range rec {
		if err := send(d, i); err != nil {
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
		if err := send(d, i); err != nil {
			return err
		}
	}
	fmt.Printf("replayed %d datagrams and sent %d hostile ones\n", len(rec), hostile)
	return nil
}
