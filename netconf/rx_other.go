//go:build !linux

package netconf

// filterOwnEcho is Linux's; elsewhere our own datagrams are dropped by
// sender id after reading them.
func (m *membership) filterOwnEcho() bool { return false }
