package netconf

import (
	"syscall"

	"golang.org/x/sys/windows"
)

// controlReceiver lets several processes share the group's port. Windows
// has no SO_REUSEPORT; SO_REUSEADDR gives the sharing, and Windows only
// delivers a group to sockets that joined it.
func controlReceiver(_, _ string, c syscall.RawConn) error {
	var opErr error
	err := c.Control(func(fd uintptr) {
		opErr = windows.SetsockoptInt(windows.Handle(fd), windows.SOL_SOCKET, windows.SO_REUSEADDR, 1)
	})
	if err != nil {
		return err
	}
	return wrapSyscall("SO_REUSEADDR", opErr)
}

