package netconf

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"
)

// linuxBatch is what recvmmsg needs, kept with the batch for reuse.
type linuxBatch struct {
	msgs []ipv4.Message
	cm   ipv4.ControlMessage
}

// readBatch reads up to rxBatchLen datagrams with one recvmmsg, skipping
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
