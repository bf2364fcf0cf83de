package netconf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"golang.org/x/net/bpf"
	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"
)

// linuxBatch is what recvmmsg needs, kept with the batch for reuse.
type linuxBatch struct {
	msgs []ipv4.Message
	cm   ipv4.ControlMessage
}

// readBatch reads up to a batch of datagrams with one recvmmsg, skipping
// (and counting) datagrams for other groups and refusing truncated ones.
func (m *membership) readBatch(b *rxBatch) error {
	lb, _ := b.sys.(*linuxBatch)
	if lb == nil {
		lb = &linuxBatch{msgs: make([]ipv4.Message, len(b.bufs))}
		for i := range lb.msgs {
			lb.msgs[i].Buffers = [][]byte{b.bufs[i]}
			if m.dstCheck {
				lb.msgs[i].OOB = ipv4.NewControlMessage(ipv4.FlagDst)
			}
		}
		b.sys = lb
	}
	for b.n == 0 {
		n, err := m.receiver.ReadBatch(lb.msgs, 0)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return net.ErrClosed
			}
			return &OpError{Op: fmt.Sprintf("receive on %s", m.iface.Name), Err: err}
		}
		for i := range n {
			msg := &lb.msgs[i]
			if msg.Flags&unix.MSG_TRUNC != 0 {
				if m.rejected != nil {
					m.rejected.Add(1) // larger than any datagram we accept
				}
				continue
			}
			if m.dstCheck && msg.NN > 0 && lb.cm.Parse(msg.OOB[:msg.NN]) == nil && lb.cm.Dst != nil {
				if dst, ok := netip.AddrFromSlice(lb.cm.Dst); ok && dst.Unmap() != m.group.Addr() {
					if m.otherGroup != nil {
						m.otherGroup.Add(1)
					}
					continue
				}
			}
			var src netip.AddrPort
			if ua, ok := msg.Addr.(*net.UDPAddr); ok {
				src = unmapped(ua.AddrPort())
			}
			b.data[b.n], b.src[b.n] = b.bufs[i][:msg.N], src
			b.n++
		}
	}
	return nil
}

// filterOwnEcho attaches a socket filter to the receiver that drops, in
// the kernel, the datagrams our own sender socket loops back to it: UDP
// source port = the sender socket's port and IPv4 source = an address of
// the interface we send through (or 0.0.0.0). No other socket can send from that
// address and port, so nothing else is dropped. Those datagrams would
// otherwise cost a wake-up, a read and a decode each, only to be dropped
// by sender id (which remains the rule where the filter is missing). It
// reports whether the filter is in place.
func (m *membership) filterOwnEcho() bool {
	port := m.senderPort()
	if port == 0 {
		return false
	}
	// 0.0.0.0 too: Linux sends multicast from it on an interface with
	// no address of its own scope (loopback in a fresh namespace).
	srcs := []uint32{0}
	if addrs, err := m.netIface.Addrs(); err == nil {
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
	err = m.receiver.SetBPF(prog)
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

// writeBatch sends datagrams with as few sendmmsg calls as the kernel
// allows.
func (m *membership) writeBatch(b [][]byte) error {
	if cap(m.wmsgs) < len(b) {
		m.wmsgs = make([]ipv4.Message, len(b))
	}
	msgs := m.wmsgs[:len(b)]
	for i := range msgs {
		if msgs[i].Buffers == nil {
			msgs[i].Buffers = make([][]byte, 1)
		}
		msgs[i].Buffers[0], msgs[i].Addr = b[i], m.dest
	}
	for len(msgs) > 0 {
		n, err := m.sender.WriteBatch(msgs, 0)
		if err != nil {
			return &OpError{Op: fmt.Sprintf("send to %s", m.group), Err: err}
		}
		msgs = msgs[n:]
	}
	for i := range b {
		m.wmsgs[i].Buffers[0] = nil // let go of the datagrams
	}
	return nil
}
