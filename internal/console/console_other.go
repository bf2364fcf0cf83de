//go:build !windows

package console

// Attach is needed on Windows only (console_windows.go): elsewhere the
// program keeps the standard streams it was started with.
func Attach([]string) {}
