//go:build !windows

package mcast

import "syscall"

// The system errors Explain words, by platform.
const (
	ErrAddrInUse    = syscall.EADDRINUSE
	ErrAccess       = syscall.EACCES
	ErrNoDevice     = syscall.ENODEV
	ErrNetUnreach   = syscall.ENETUNREACH
	ErrAddrNotAvail = syscall.EADDRNOTAVAIL
	ErrNetDown      = syscall.ENETDOWN
	ErrNoBufs       = syscall.ENOBUFS
)
