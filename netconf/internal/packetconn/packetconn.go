// Package packetconn is a membership's transport made of net.PacketConns
// that reach every member when written to (netconf.PacketTransport): for
// tests, an in-memory bus, possibly behind a fault injector.
package packetconn

import (
	"net"
	"net/netip"
)

type (
	batchReader interface {
		ReadBatch(bufs [][]byte, sizes []int, srcs []netip.AddrPort) (n int, err error)
	}
	batchWriter interface {
		WriteBatch(dgrams [][]byte) error
	}
)

// New writes with c (to group and, for control traffic, controlGroup)
// and reads what is sent to group; control reads what is sent to
// controlGroup.
func New(c net.PacketConn, group net.Addr, control net.PacketConn, controlGroup net.Addr) *Transport {
	return &Transport{c: c, group: group, ctl: &Transport{c: control}, ctlGroup: controlGroup}
}

// Transport is the transport of one membership.
type Transport struct {
	c        net.PacketConn
	group    net.Addr
	ctl      *Transport // reads the companion port
	ctlGroup net.Addr
}

// Control reads the companion port.
func (t *Transport) Control() *Transport { return t.ctl }

// WriteControl writes to the companion port.
func (t *Transport) WriteControl(b []byte) error {
	_, err := t.c.WriteTo(b, t.ctlGroup)
	return err
}

// Read reads one datagram.
func (t *Transport) Read(b []byte) (int, netip.AddrPort, error) {
	n, addr, err := t.c.ReadFrom(b)
	if err != nil {
		return 0, netip.AddrPort{}, err
	}
	var src netip.AddrPort
	if ua, ok := addr.(*net.UDPAddr); ok {
		src = ua.AddrPort()
	} else if ap, err := netip.ParseAddrPort(addr.String()); err == nil {
		src = ap
	}
	return n, unmapped(src), nil
}

// Write writes to the group.
func (t *Transport) Write(b []byte) error {
	_, err := t.c.WriteTo(b, t.group)
	return err
}

// Close closes both conns.
// LocalAddr is the address the transport sends from.
func (t *Transport) LocalAddr() net.Addr { return t.c.LocalAddr() }

func (t *Transport) Close() error {
	if t.ctl != nil {
		_ = t.ctl.c.Close()
	}
	return t.c.Close()
}

// ReadBatch reads several datagrams when the conn can, one otherwise.
func (t *Transport) ReadBatch(bufs [][]byte, sizes []int, srcs []netip.AddrPort) (int, error) {
	if br, ok := t.c.(batchReader); ok {
		n, err := br.ReadBatch(bufs, sizes, srcs)
		for i := range n {
			srcs[i] = unmapped(srcs[i])
		}
		return n, err
	}
	n, src, err := t.Read(bufs[0])
	if err != nil {
		return 0, err
	}
	sizes[0], srcs[0] = n, src
	return 1, nil
}

// WriteBatch writes several datagrams in one call when the conn can, one
// by one otherwise.
func (t *Transport) WriteBatch(dgrams [][]byte) error {
	if bw, ok := t.c.(batchWriter); ok {
		return bw.WriteBatch(dgrams)
	}
	for _, b := range dgrams {
		if err := t.Write(b); err != nil {
			return err
		}
	}
	return nil
}

func unmapped(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
