package bench

import (
	"context"
	"net"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/ipv4"
)

func bareSockets(o RoleOptions) (*net.UDPConn, *ipv4.PacketConn, error) {
	ifi, err := net.InterfaceByName(o.Iface)
	if err != nil {
		return nil, nil, err
	}
	port := "0"
	if o.Role == "receive" {
		port = strconv.Itoa(int(o.Group.Port()))
	}
	c, err := net.ListenPacket("udp4", "0.0.0.0:"+port)
	if err != nil {
		return nil, nil, err
	}
	uc := c.(*net.UDPConn)
	p := ipv4.NewPacketConn(c)
	if o.Role == "receive" {
		_ = uc.SetReadBuffer(4 << 20)
		err = p.JoinGroup(ifi, &net.UDPAddr{IP: o.Group.Addr().AsSlice()})
	} else {
		err = p.SetMulticastInterface(ifi)
	}
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	if o.Joined != nil {
		o.Joined()
	}
	return uc, p, nil
}

func bareReceive(o RoleOptions, lines <-chan string, say func(roleReport)) error {
	c, _, err := bareSockets(o)
	if err != nil {
		return err
	}
	var t tally
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 2048)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			t.received(buf[:n], time.Now().UnixNano())
		}
	}()
	t.serve(lines, say, func() (r roleReport) {
		c.Close()
		<-done
		return r
	})
	return nil
}

func bareSend(o RoleOptions, lines <-chan string, say func(roleReport)) error {
	c, _, err := bareSockets(o)
	if err != nil {
		return err
	}
	defer c.Close()
	cpu0 := cpuTime() // after joining: key derivation is not per message
	say(roleReport{Ready: true})
	if !wait(lines, "go") {
		return nil
	}
	msg := []byte(strings.Repeat("x", o.Size))
	if !sendScript(context.Background(), o, lines, say, func(sample bool) bool {
		b := msg
		if sample {
			b = stamp(o.Size, msg)
		}
		_, err := c.WriteToUDPAddrPort(b, o.Group)
		return err == nil
	}) {
		return nil
	}
	say(roleReport{Final: true, CPUns: int64(cpuTime() - cpu0)})
	return nil
}
