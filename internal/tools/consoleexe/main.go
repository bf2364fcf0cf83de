// Command consoleexe makes a console program of a Windows GUI program:
//
//	go run ./internal/tools/consoleexe Groupcast.exe groupcast.com
//
// It copies the .exe with the subsystem in its PE optional header set to
// the console one (what `editbin /subsystem:console` does, and all Go's
// -H windowsgui changes), so the one build serves both: Groupcast.exe for
// the window, groupcast.com for cmd and PowerShell, which wait for it and
// show its output (README, Windows). It refuses anything but a PE image
// marked for the GUI subsystem.
package main

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
)

// Subsystems (PE optional header) and where the field is: the same
// offset in PE32 and PE32+ headers.
const (
	subsystemGUI     = 2
	subsystemConsole = 3
	subsystemOffset  = 68
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: consoleexe GUI.exe CONSOLE.com")
		os.Exit(2)
	}
	b, err := os.ReadFile(os.Args[1])
	if err == nil {
		err = toConsole(b)
	}
	if err == nil {
		err = os.WriteFile(os.Args[2], b, 0o755)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "consoleexe:", err)
		os.Exit(1)
	}
}

// toConsole sets b's subsystem to the console one, in place.
func toConsole(b []byte) error {
	if len(b) < 0x40 || string(b[:2]) != "MZ" {
		return errors.New("not a Windows executable")
	}
	at := int(binary.LittleEndian.Uint32(b[0x3c:])) + 4 + 20 + subsystemOffset // "PE\0\0", COFF header
	if at+2 > len(b) {
		return errors.New("truncated PE header")
	}
	f, err := pe.NewFile(bytes.NewReader(b))
	if err != nil {
		return err
	}
	var sub uint16
	switch h := f.OptionalHeader.(type) {
	case *pe.OptionalHeader64:
		sub = h.Subsystem
	case *pe.OptionalHeader32:
		sub = h.Subsystem
	default:
		return errors.New("no optional header")
	}
	if sub != subsystemGUI || binary.LittleEndian.Uint16(b[at:]) != sub {
		return fmt.Errorf("subsystem %d, not a GUI program", sub)
	}
	binary.LittleEndian.PutUint16(b[at:], subsystemConsole)
	return nil
}
