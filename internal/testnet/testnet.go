// Package testnet has helpers for tests that use real sockets on the
// loopback interface: which interface that is, and a free UDP port. Tests
// pick loopback by name, so nothing they send leaves the machine.
package testnet

import (
	"net"
	"testing"
)

// Loopback is the name of the loopback interface; the test is skipped
// when none is up.
func Loopback(t testing.TB) string {
	t.Helper()
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range ifs {
		if i.Flags&net.FlagLoopback != 0 && i.Flags&net.FlagUp != 0 {
			return i.Name
		}
	}
	t.Skip("no loopback interface is up")
	return ""
}

// FreePort is a UDP port nothing listens on at the moment.
func FreePort(t testing.TB) uint16 {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return uint16(c.LocalAddr().(*net.UDPAddr).Port)
}
