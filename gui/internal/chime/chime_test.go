package chime

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestWAVIsPCM(t *testing.T) {
	w := WAV()
	if string(w[0:4]) != "RIFF" || string(w[8:16]) != "WAVEfmt " || string(w[36:40]) != "data" {
		t.Fatalf("header %q", w[:44])
	}
	le := binary.LittleEndian
	if got := le.Uint32(w[4:]); int(got) != len(w)-8 {
		t.Fatalf("RIFF size %d, file %d", got, len(w))
	}
	if format, ch, rate, bits := le.Uint16(w[20:]), le.Uint16(w[22:]), le.Uint32(w[24:]), le.Uint16(w[34:]); format != 1 || ch != 1 || rate != Rate || bits != 16 {
		t.Fatalf("format %d, %d channels, %d Hz, %d bits", format, ch, rate, bits)
	}
	data := le.Uint32(w[40:])
	if int(data) != len(w)-44 || data != 2*samples {
		t.Fatalf("data %d bytes of %d", data, len(w)-44)
	}
	var peak, last int16
	for i := 44; i < len(w); i += 2 {
		v := int16(le.Uint16(w[i:]))
		peak = max(peak, v, -v)
		last = v
	}
	if peak < 5000 || peak > 32767/3+1 {
		t.Fatalf("peak %d: want audible, at most a third of full scale", peak)
	}
	if last > 400 || last < -400 {
		t.Fatalf("the chime ends at %d, not faded out", last)
	}
}

// TestCommandPlayer: the first player found in PATH is started with the
// chime's file, and Play does not wait for it.
func TestCommandPlayer(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("shell scripts")
	}
	bin := t.TempDir()
	out := filepath.Join(t.TempDir(), "played")
	script := "#!/bin/sh\necho \"$@\" > " + out + ".tmp && mv " + out + ".tmp " + out + "\nsleep 5\n"
	if err := os.WriteFile(filepath.Join(bin, "gc-test-player"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	if _, err := commandPlayer([][]string{{"gc-test-missing"}}); err != ErrNoPlayer {
		t.Fatalf("with no player: %v", err)
	}
	p, err := commandPlayer([][]string{{"gc-test-missing"}, {"gc-test-player", "--volume", "0.5"}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := p.Play(); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatal("Play waited for the sound to end")
	}
	var args string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(out); err == nil {
			args = strings.TrimSpace(string(b))
			break
		}
	}
	f := strings.Fields(args)
	if len(f) != 3 || f[0] != "--volume" || f[1] != "0.5" {
		t.Fatalf("the player was run with %q", args)
	}
	if b, err := os.ReadFile(f[2]); err != nil || string(b) != string(WAV()) {
		t.Fatalf("the file played is not the chime: %v", err)
	}
}
