//go:build !linux

package mcast

// looksVirtualOnPlatform has no extra signal beyond names and flags here.
func looksVirtualOnPlatform(string) bool { return false }
