package main

import (
	"fmt"
	"net"

	"golang.org/x/net/ipv4"
)

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
