//go:build !linux

package mcast

// filterOwnEcho is Linux's; elsewhere our own datagrams are dropped by
// sender id after reading them.
func (c *Conn) filterOwnEcho(uint16) bool { return false }
