package mcast

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"
)

// GatherDelay is how long a gathering receiver lets datagrams gather
// after a large one wakes it: 2 ms at 400 Mbit/s is some 100 kB, within
// the receive buffer Linux grants by default (208 kB, counted twice).
const GatherDelay = 2 * time.Millisecond

// GatherFrom is the size from which a datagram that wakes the receiver
// is taken for the first of a burst (a file's block or parity block,
// 1 400-1 472 bytes). A smaller one — a heartbeat, a NACK, a receipt, the
// repair of a short message — is read at once.
const GatherFrom = 1024

// gathered is the companion port's receiver on Linux, read in gathers.
// A file's blocks arrive a burst at a time (up to 64, some 4 ms of the
// sender's rate: files.Pacer). A socket in Go's network poller wakes the process for each
// datagram — the poller's thread is woken by every arrival, whether or
// not a goroutine waits, the poller being edge-triggered — and ten
// receivers on two cores spent more on those wake-ups than on the
// blocks; a socket read with blocking system calls instead keeps the
// runtime's monitor thread polling every 20 µs while it waits.
//
// So the socket stays out of Go's poller, in an epoll set of its own,
// registered one-shot; that set is what Go's poller watches. The reader
// waits (in the poller, costing nothing) until the first datagram of a
// burst arms the set; if that datagram is the size of a file's block it
// sleeps GatherDelay while the burst arrives — the one-shot registration
// is spent, so nothing wakes it — and takes what came with recvmmsg
// calls until the socket is empty, then registers again: two wake-ups a
// burst instead of one a datagram or two. Smaller datagrams (heartbeats,
// NACKs, receipts, repairs of short messages) are read at once; a
// group's messages have a socket of their own.
type gathered struct {
	fd int // the socket
	// set: the socket's epoll set, in Go's poller (closing it wakes the
	// reader); setConn waits on it.
	set     *os.File
	setConn syscall.RawConn
	// mu is held (read) around every system call on fd, and (write) by
	// close to close it: fd is never closed under a call, and never used
	// after it is closed (the number could be another file's by then).
	mu     sync.RWMutex
	closed atomic.Bool
	hdrs   []unix.Mmsghdr
	iovs   []unix.Iovec
	names  []unix.RawSockaddrInet4
	oob    [][]byte
}

// listenControl opens c as the companion port's receiver on group,
// joined on nif (named name, for errors).
func (c *Conn) listenControl(group netip.AddrPort, name string, nif *net.Interface) error {
	fd, err := receiverSocket(group)
	if err != nil {
		return &OpError{Op: fmt.Sprintf("open port %d", group.Port()), Err: err}
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, receiveBuffer) // best effort: the kernel caps it
	mreq := &unix.IPMreqn{Multiaddr: group.Addr().As4(), Ifindex: int32(nif.Index)}
	if err := unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_ADD_MEMBERSHIP, mreq); err != nil {
		_ = unix.Close(fd)
		return &OpError{Op: fmt.Sprintf("join %s on %s", group.Addr(), name), Err: err}
	}
	g, err := newGathered(fd)
	if err != nil {
		_ = unix.Close(fd)
		return &OpError{Op: fmt.Sprintf("open port %d", group.Port()), Err: err}
	}
	c.raw = g
	c.dstCheck = unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_PKTINFO, 1) == nil
	return nil
}

func newGathered(fd int) (*gathered, error) {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	g := &gathered{fd: fd}
	err = unix.SetNonblock(ep, true) // so that os.NewFile puts it in Go's poller
	if err == nil {
		err = os.NewSyscallError("epoll_ctl", unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLONESHOT, Fd: int32(fd)}))
	}
	if err != nil {
		_ = unix.Close(ep)
		return nil, err
	}
	g.set = os.NewFile(uintptr(ep), "companion port's epoll set")
	if g.setConn, err = g.set.SyscallConn(); err != nil {
		_ = g.set.Close()
		return nil, err
	}
	return g, nil
}

// setBPF attaches a socket filter.
func (g *gathered) setBPF(prog []bpf.RawInstruction) error {
	filter := make([]unix.SockFilter, len(prog))
	for i, ins := range prog {
		filter[i] = unix.SockFilter{Code: ins.Op, Jt: ins.Jt, Jf: ins.Jf, K: ins.K}
	}
	fprog := &unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.closed.Load() {
		return net.ErrClosed
	}
	return unix.SetsockoptSockFprog(g.fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, fprog)
}

// close drops the membership (the IGMP leave goes at once) and closes
// the socket, waking a reader that waits; idempotent.
func (g *gathered) close(group netip.Addr, nif *net.Interface) {
	if g.closed.Swap(true) {
		return
	}
	_ = g.set.Close() // wakes a wait
	g.mu.Lock()
	defer g.mu.Unlock()
	if nif != nil {
		mreq := &unix.IPMreqn{Multiaddr: group.As4(), Ifindex: int32(nif.Index)}
		_ = unix.SetsockoptIPMreqn(g.fd, unix.IPPROTO_IP, unix.IP_DROP_MEMBERSHIP, mreq)
	}
	_ = unix.Close(g.fd)
}

// recvmmsg reads what is queued, up to len(bufs) datagrams, without
// waiting: 0 and unix.EAGAIN when nothing is.
func (g *gathered) recvmmsg(bufs [][]byte, oobLen int) (int, error) {
	n := len(bufs)
	if len(g.hdrs) < n {
		g.hdrs = make([]unix.Mmsghdr, n)
		g.iovs = make([]unix.Iovec, n)
		g.names = make([]unix.RawSockaddrInet4, n)
		g.oob = make([][]byte, n)
		for i := range g.oob {
			g.oob[i] = make([]byte, max(oobLen, 1))
		}
	}
	for i := range n {
		g.iovs[i].Base = &bufs[i][0]
		g.iovs[i].SetLen(len(bufs[i]))
		h := &g.hdrs[i].Hdr
		h.Name = (*byte)(unsafe.Pointer(&g.names[i]))
		h.Namelen = unix.SizeofSockaddrInet4
		h.Iov = &g.iovs[i]
		h.SetIovlen(1)
		h.Control = &g.oob[i][0]
		h.SetControllen(oobLen)
		h.Flags = 0
		g.hdrs[i].Len = 0
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.closed.Load() {
		return 0, net.ErrClosed
	}
	for {
		r, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, uintptr(g.fd), uintptr(unsafe.Pointer(&g.hdrs[0])), uintptr(n), unix.MSG_DONTWAIT, 0, 0)
		switch {
		case errno == unix.EINTR:
			continue
		case errno != 0:
			return 0, errno
		case r == 0:
			return 0, unix.EAGAIN
		}
		return int(r), nil
	}
}

// wait registers the socket again and waits until a datagram is queued
// or the socket is closed.
func (g *gathered) wait() error {
	g.mu.RLock()
	err := net.ErrClosed
	if !g.closed.Load() {
		var cerr error
		err = g.setConn.Control(func(ep uintptr) { // holds the set open
			cerr = unix.EpollCtl(int(ep), unix.EPOLL_CTL_MOD, g.fd, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLONESHOT, Fd: int32(g.fd)})
		})
		if err == nil {
			err = cerr
		}
	}
	g.mu.RUnlock()
	if g.closed.Load() || errors.Is(err, os.ErrClosed) {
		return net.ErrClosed
	}
	if err != nil {
		return err
	}
	var events [1]unix.EpollEvent
	var werr error
	err = g.setConn.Read(func(ep uintptr) bool {
		n, err := unix.EpollWait(int(ep), events[:], 0)
		if err != nil && !errors.Is(err, unix.EINTR) {
			werr = err
			return true
		}
		return n > 0 // false: Go's poller waits for the set to be readable
	})
	switch {
	case g.closed.Load() || errors.Is(err, os.ErrClosed):
		return net.ErrClosed
	case err != nil:
		return err
	}
	return werr
}

// peekLen is the size of the first queued datagram (0 if none), read
// without taking it.
func (g *gathered) peekLen() int {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.closed.Load() {
		return 0
	}
	var b [1]byte
	for {
		// MSG_TRUNC: the datagram's real length, not what fits in b.
		r, _, errno := unix.Syscall6(unix.SYS_RECVFROM, uintptr(g.fd), uintptr(unsafe.Pointer(&b[0])), 1, unix.MSG_PEEK|unix.MSG_TRUNC|unix.MSG_DONTWAIT, 0, 0)
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return 0
		}
		return int(r)
	}
}

// readGathered is ReadBatch for a gathering receiver.
func (c *Conn) readGathered(bufs [][]byte, sizes []int, srcs []netip.AddrPort) (int, error) {
	g := c.raw
	oobLen := 0
	if c.dstCheck {
		oobLen = len(ipv4.NewControlMessage(ipv4.FlagDst))
	}
	for {
		n, err := g.recvmmsg(bufs, oobLen)
		if errors.Is(err, unix.EAGAIN) {
			if err = g.wait(); err == nil {
				if g.peekLen() >= GatherFrom {
					time.Sleep(GatherDelay)
				}
				continue
			}
		}
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return 0, net.ErrClosed
			}
			return 0, &OpError{Op: fmt.Sprintf("receive on %s", c.iface.Name), Err: err}
		}
		got := 0
		for i := range n {
			h := &g.hdrs[i]
			if h.Hdr.Flags&unix.MSG_TRUNC != 0 {
				if c.opts.Rejected != nil {
					atomic.AddUint64(c.opts.Rejected, 1) // larger than any datagram we accept
				}
				continue
			}
			if c.dstCheck && h.Hdr.Controllen > 0 && c.cm.Parse(g.oob[i][:h.Hdr.Controllen]) == nil && c.cm.Dst != nil && !c.forUs(c.cm.Dst) {
				continue
			}
			name := &g.names[i]
			port := (*[2]byte)(unsafe.Pointer(&name.Port))
			src := netip.AddrPortFrom(netip.AddrFrom4(name.Addr), uint16(port[0])<<8|uint16(port[1]))
			if got != i {
				bufs[got], bufs[i] = bufs[i], bufs[got] // keep what was read first, in order
			}
			sizes[got], srcs[got] = int(h.Len), src
			got++
		}
		if got > 0 {
			return got, nil
		}
	}
}

// readOne is Read for a gathering receiver.
func (c *Conn) readOne(b []byte) (int, netip.AddrPort, error) {
	bufs, sizes, srcs := [][]byte{b}, []int{0}, []netip.AddrPort{{}}
	if _, err := c.readGathered(bufs, sizes, srcs); err != nil {
		return 0, netip.AddrPort{}, err
	}
	return sizes[0], srcs[0], nil
}
