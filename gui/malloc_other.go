//go:build !linux || !cgo

package gui

// tuneMalloc has nothing to tune outside glibc.
func tuneMalloc() {}
