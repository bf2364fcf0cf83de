package mcast

import "golang.org/x/sys/windows"

// The system errors Explain words: Winsock reports its own numbers.
const (
	ErrAddrInUse    = windows.WSAEADDRINUSE
	ErrAccess       = windows.WSAEACCES
	ErrNoDevice     = windows.ERROR_NOT_FOUND
	ErrNetUnreach   = windows.WSAENETUNREACH
	ErrAddrNotAvail = windows.WSAEADDRNOTAVAIL
	ErrNetDown      = windows.WSAENETDOWN
	ErrNoBufs       = windows.WSAENOBUFS
)
