//go:build !linux

package mcast

import (
	"net"
	"net/netip"

	"golang.org/x/net/ipv4"
)

// filterOwnEcho is Linux's; elsewhere our own datagrams are dropped by
// sender id after reading them.
func (c *Conn) filterOwnEcho(uint16) bool { return false }

// gathered is Linux's (see gather_linux.go); elsewhere the companion
// port is read as the group's is.
type gathered struct{}

func (*gathered) close(netip.Addr, *net.Interface) {}

func (c *Conn) readOne([]byte) (int, netip.AddrPort, error) {
	return 0, netip.AddrPort{}, net.ErrClosed // never: raw is always nil here
}

// listenControl opens c as the companion port's receiver on group,
// joined on nif (named name, for errors).
func (c *Conn) listenControl(group netip.AddrPort, name string, nif *net.Interface) error {
	var err error
	c.rconn, c.receiver, err = Listen(group, name, nif)
	if err == nil {
		c.dstCheck = c.receiver.SetControlMessage(ipv4.FlagDst, true) == nil
	}
	return err
}
