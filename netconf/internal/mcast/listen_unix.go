//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package mcast

import (
	"fmt"
	"net"
	"net/netip"
	"os"

	"golang.org/x/sys/unix"
)

// listenReceiver opens the receiver socket bound to the group address
// itself, so the kernel matches only datagrams sent to this group.
//
// Go's net package silently rebinds a multicast address to 0.0.0.0, so the
// socket is made here. Bound to 0.0.0.0, Linux's UDP early demultiplexing
// hands a datagram to a single socket of the port when only one of them
// joined its group, and that can be a socket that joined another group
// (seen on Linux 6.18: a receiver of 239.255.3.3:3333 missed datagrams
// whenever a receiver of 239.255.77.77:3333 ran on the same host).
// IP_MULTICAST_ALL=0 and the destination check remain as further filters.
func listenReceiver(group netip.AddrPort) (net.PacketConn, error) {
	fd, err := receiverSocket(group)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), fmt.Sprintf("udp4 %s", group))
	defer f.Close() // FilePacketConn holds its own duplicate
	return net.FilePacketConn(f)
}

// receiverSocket is listenReceiver's socket, shared, bound to the group,
// before anything else holds it.
func receiverSocket(group netip.AddrPort) (int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, unix.IPPROTO_UDP)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	unix.CloseOnExec(fd)
	if err := setReceiverOptions(fd); err != nil {
		_ = unix.Close(fd)
		return -1, err
	}
	sa := &unix.SockaddrInet4{Port: int(group.Port()), Addr: group.Addr().As4()}
	if err := unix.Bind(fd, sa); err != nil {
		_ = unix.Close(fd)
		return -1, os.NewSyscallError("bind", err)
	}
	return fd, nil
}
