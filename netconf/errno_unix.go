//go:build !windows

package netconf

import "syscall"

const (
	errAddrInUse    = syscall.EADDRINUSE
	errAccess       = syscall.EACCES
	errNoDevice     = syscall.ENODEV
	errNetUnreach   = syscall.ENETUNREACH
	errAddrNotAvail = syscall.EADDRNOTAVAIL
	errNetDown      = syscall.ENETDOWN
	errNoBufs       = syscall.ENOBUFS
)
