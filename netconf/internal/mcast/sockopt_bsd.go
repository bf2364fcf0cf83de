//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package mcast

import "golang.org/x/sys/unix"

// setReceiverOptions lets several processes share the group's port.
func setReceiverOptions(fd int) error {
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return wrapSyscall("SO_REUSEADDR", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
		return wrapSyscall("SO_REUSEPORT", err)
	}
	return nil
}
