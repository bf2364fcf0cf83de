package mcast

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"syscall"

	"golang.org/x/sys/windows"
)

// listenReceiver binds the wildcard address on Windows: a socket bound to
// the group address receives nothing there, and Windows delivers a group
// only to the sockets that joined it. SO_REUSEADDR lets several processes
// share the port (Windows has no SO_REUSEPORT).
func listenReceiver(group netip.AddrPort) (net.PacketConn, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var opErr error
		err := c.Control(func(fd uintptr) {
			opErr = windows.SetsockoptInt(windows.Handle(fd), windows.SOL_SOCKET, windows.SO_REUSEADDR, 1)
		})
		if err != nil {
			return err
		}
		return wrapSyscall("SO_REUSEADDR", opErr)
	}}
	return lc.ListenPacket(context.Background(), "udp4", fmt.Sprintf("0.0.0.0:%d", group.Port()))
}
