//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package netconf

import "syscall"

func setsockopts(c syscall.RawConn, f func(fd int) error) error {
	var opErr error
	if err := c.Control(func(fd uintptr) { opErr = f(int(fd)) }); err != nil {
		return err
	}
	return opErr
}
