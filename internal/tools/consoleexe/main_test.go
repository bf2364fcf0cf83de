package main

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"testing"
)

// minimalPE is the headers of a PE32+ image with no sections, for
// subsystem sub.
func minimalPE(sub uint16) []byte {
	b := make([]byte, 0x40+4+20+240)
	copy(b, "MZ")
	binary.LittleEndian.PutUint32(b[0x3c:], 0x40)
	copy(b[0x40:], "PE\x00\x00")
	coff := b[0x44:]
	binary.LittleEndian.PutUint16(coff[0:], pe.IMAGE_FILE_MACHINE_AMD64)
	binary.LittleEndian.PutUint16(coff[16:], 240) // size of the optional header
	opt := b[0x44+20:]
	binary.LittleEndian.PutUint16(opt[0:], 0x20b) // PE32+
	binary.LittleEndian.PutUint16(opt[subsystemOffset:], sub)
	binary.LittleEndian.PutUint32(opt[108:], 16) // data directories
	return b
}

func TestToConsole(t *testing.T) {
	b := minimalPE(subsystemGUI)
	if err := toConsole(b); err != nil {
		t.Fatal(err)
	}
	f, err := pe.NewFile(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if h := f.OptionalHeader.(*pe.OptionalHeader64); h.Subsystem != subsystemConsole {
		t.Fatalf("subsystem %d", h.Subsystem)
	}
	// Only a GUI program is changed.
	for _, bad := range [][]byte{b, minimalPE(1), []byte("#!/bin/sh\n"), minimalPE(subsystemGUI)[:0x50]} {
		if err := toConsole(append([]byte(nil), bad...)); err == nil {
			t.Errorf("changed % x…", bad[:8])
		}
	}
}
