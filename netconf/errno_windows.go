package netconf

import "golang.org/x/sys/windows"

// Winsock reports its own error numbers.
const (
	errAddrInUse    = windows.WSAEADDRINUSE
	errAccess       = windows.WSAEACCES
	errNoDevice     = windows.ERROR_NOT_FOUND
	errNetUnreach   = windows.WSAENETUNREACH
	errAddrNotAvail = windows.WSAEADDRNOTAVAIL
	errNetDown      = windows.WSAENETDOWN
	errNoBufs       = windows.WSAENOBUFS
)
