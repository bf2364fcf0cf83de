package mcast

import "golang.org/x/sys/unix"

// setReceiverOptions lets several processes share the group's port, and
// turns off IP_MULTICAST_ALL so the socket only gets the groups it joined
// itself (by default Linux hands a socket every group any process joined
// on its port).
func setReceiverOptions(fd int) error {
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return wrapSyscall("SO_REUSEADDR", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
		return wrapSyscall("SO_REUSEPORT", err)
	}
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_ALL, 0); err != nil {
		return wrapSyscall("IP_MULTICAST_ALL", err)
	}
	return nil
}
