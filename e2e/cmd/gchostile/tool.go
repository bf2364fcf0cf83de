package main

import (
	"io"
	"net"
	"os"
	"os/signal"
	"time"

	"golang.org/x/net/ipv4"

	"github.com/groupcast/groupcast/netconf/wire"
)

// tool is the attacker's state: where it sends, from which interface,
// and how much it has sent.
type tool struct {
	group *net.UDPAddr
	ifi   *net.Interface
	conn  net.PacketConn
	sent  int
	bytes int
	buf   []byte
	nick  string
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

// write sends b where Groupcast would: a message (DATA) to the group's
// port, any other Groupcast datagram to its companion port; what is not
// ours (mangled) to either, in turn.
func (t *tool) write(b []byte) error {
	companion := t.sent%2 == 1
	if p, err := wire.Decode(b); err == nil {
		companion = p.Kind != wire.KindData
	}
	return t.writeTo(b, companion)
}

// writeTo sends b to the group's port, or its companion.
func (t *tool) writeTo(b []byte, companion bool) error {
	to := t.group
	if companion {
		to = t.companion()
	}
	if _, err := t.conn.WriteTo(b, to); err != nil {
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

// companion is the group's companion port, where Groupcast sends all but
// its messages.
func (t *tool) companion() *net.UDPAddr {
	return &net.UDPAddr{IP: t.group.IP, Port: int(wire.CompanionPort(uint16(t.group.Port)))}
}

// listen joins the group on a socket that shares the port (companion:
// the companion port).
func (t *tool) listen(companion bool) (net.PacketConn, error) {
	at := t.group
	if companion {
		at = t.companion()
	}
	c, err := net.ListenMulticastUDP("udp4", t.ifi, at)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// closeOnInterrupt closes c on SIGINT, which ends a read loop on it.
func closeOnInterrupt(c io.Closer) {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	go func() { <-stop; _ = c.Close() }()
}
