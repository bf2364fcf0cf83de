//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package netconf

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// controlReceiver lets several processes share the group's port. BSD
// kernels deliver a multicast datagram to every socket bound to the port
// that shares it, so the engine's destination check keeps other groups out.
func controlReceiver(_, _ string, c syscall.RawConn) error {
	return setsockopts(c, func(fd int) error {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			return wrapSyscall("SO_REUSEADDR", err)
		}
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
			return wrapSyscall("SO_REUSEPORT", err)
		}
		return nil
	})
}

