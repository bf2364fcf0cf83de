package console

import (
	"os"
	"testing"
)

// TestAttachWithoutArguments: started with no command (double-clicked),
// the program keeps the streams it was given, on every platform.
func TestAttachWithoutArguments(t *testing.T) {
	in, out, errOut := os.Stdin, os.Stdout, os.Stderr
	Attach(nil)
	if os.Stdin != in || os.Stdout != out || os.Stderr != errOut {
		t.Fatal("Attach(nil) replaced a standard stream")
	}
}
