package mcast

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"

	"golang.org/x/net/bpf"
	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"
)

// ReadBatch reads up to len(bufs) datagrams with one recvmmsg (more if
// all it read were for others): datagram i is bufs[i][:sizes[i]], from
// srcs[i]. Datagrams for other groups are skipped and counted, and
// truncated ones (larger than any we accept) refused.
func (c *Conn) ReadBatch(bufs [][]byte, sizes []int, srcs []netip.AddrPort) (int, error) {
	if c.raw != nil {
		return c.readGathered(bufs, sizes, srcs)
	}
	if len(c.rmsgs) < len(bufs) {
		c.rmsgs = make([]ipv4.Message, len(bufs))
		for i := range c.rmsgs {
			c.rmsgs[i].Buffers = make([][]byte, 1)
			if c.dstCheck {
				c.rmsgs[i].OOB = ipv4.NewControlMessage(ipv4.FlagDst)
			}
		}
	}
	msgs := c.rmsgs[:len(bufs)]
	for i := range msgs {
		msgs[i].Buffers[0] = bufs[i]
	}
	got := 0
	for got == 0 {
		n, err := c.receiver.ReadBatch(msgs, 0)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return 0, net.ErrClosed
			}
			return 0, &OpError{Op: fmt.Sprintf("receive on %s", c.iface.Name), Err: err}
		}
		for i := range n {
			msg := &msgs[i]
			if msg.Flags&unix.MSG_TRUNC != 0 {
				if c.opts.Rejected != nil {
					atomic.AddUint64(c.opts.Rejected, 1) // larger than any datagram we accept
				}
				continue
			}
			if c.dstCheck && msg.NN > 0 && c.cm.Parse(msg.OOB[:msg.NN]) == nil && c.cm.Dst != nil && !c.forUs(c.cm.Dst) {
				continue
			}
			var src netip.AddrPort
			if ua, ok := msg.Addr.(*net.UDPAddr); ok {
				src = unmapped(ua.AddrPort())
			}
			if got != i {
				bufs[got], bufs[i] = bufs[i], bufs[got] // keep what was read first, in order
			}
			sizes[got], srcs[got] = msg.N, src
			got++
		}
	}
	return got, nil
}

// filterOwnEcho attaches a socket filter to the receiver that drops, in
// the kernel, the datagrams our own sender socket loops back to it: UDP
// source port = the sender socket's port and IPv4 source = an address of
// the interface we send through (or 0.0.0.0). No other socket can send from that
// address and port, so nothing else is dropped. Those datagrams would
// otherwise cost a wake-up, a read and a decode each, only to be dropped
// by sender id (which remains the rule where the filter is missing). It
// reports whether the filter is in place.
func (c *Conn) filterOwnEcho(port uint16) bool {
	if port == 0 {
		return false
	}
	// 0.0.0.0 too: Linux sends multicast from it on an interface with
	// no address of its own scope (loopback in a fresh namespace).
	srcs := []uint32{0}
	if addrs, err := c.netIface.Addrs(); err == nil {
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok {
				if ip4 := ipn.IP.To4(); ip4 != nil {
					srcs = append(srcs, binary.BigEndian.Uint32(ip4))
				}
			}
		}
	}
	if len(srcs) > 32 {
		return false
	}
	prog, err := bpf.Assemble(echoFilter(port, srcs))
	if err != nil {
		return false
	}
	if c.raw != nil {
		err = c.raw.setBPF(prog)
	} else {
		err = c.receiver.SetBPF(prog)
	}
	return err == nil
}

// echoFilter is the classic BPF program of filterOwnEcho. A UDP socket's
// filter sees the packet from the UDP header on; the IP header is reached
// through the kernel's SKF_NET_OFF offsets.
func echoFilter(port uint16, srcs []uint32) []bpf.Instruction {
	const (
		netOff = 0xfff00000 // SKF_NET_OFF (-0x100000) as the unsigned offset BPF takes
		accept = 0xffffffff // keep the whole datagram
	)
	n := len(srcs)
	prog := []bpf.Instruction{
		bpf.LoadAbsolute{Off: 0, Size: 2}, // UDP source port
		bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: uint32(port), SkipTrue: uint8(n + 1)},
		bpf.LoadAbsolute{Off: netOff + 12, Size: 4}, // IPv4 source address
	}
	for i, a := range srcs {
		prog = append(prog, bpf.JumpIf{Cond: bpf.JumpEqual, Val: a, SkipTrue: uint8(n - i)})
	}
	return append(prog, bpf.RetConstant{Val: accept}, bpf.RetConstant{Val: 0})
}

// WriteBatch sends datagrams to the group's port with as few sendmmsg
// calls as the kernel allows.
func (c *Conn) WriteBatch(b [][]byte) error { return c.writeBatch(&c.wmsgs, b, c.dest) }

// WriteControlBatch sends datagrams to the companion port likewise
// (files to the room: a burst of blocks).
//
// WriteControlBatch may run beside the other writes (a file's blocks go
// out from a goroutine of their own), not beside itself.
func (c *Conn) WriteControlBatch(b [][]byte) error {
	return c.writeBatch(&c.cmsgs, b, net.UDPAddrFromAddrPort(c.ctlGroup))
}

func (c *Conn) writeBatch(scratch *[]ipv4.Message, b [][]byte, dest *net.UDPAddr) error {
	if cap(*scratch) < len(b) {
		*scratch = make([]ipv4.Message, len(b))
	}
	msgs := (*scratch)[:len(b)]
	for i := range msgs {
		if msgs[i].Buffers == nil {
			msgs[i].Buffers = make([][]byte, 1)
		}
		msgs[i].Buffers[0], msgs[i].Addr = b[i], dest
	}
	for len(msgs) > 0 {
		n, err := c.sender.WriteBatch(msgs, 0)
		if err != nil {
			return &OpError{Op: fmt.Sprintf("send to %s", dest), Err: err}
		}
		msgs = msgs[n:]
	}
	for i := range b {
		(*scratch)[i].Buffers[0] = nil // let go of the datagrams
	}
	return nil
}
