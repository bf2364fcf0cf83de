package chime

import (
	"syscall"
	"unsafe"
)

var playSound = syscall.NewLazyDLL("winmm.dll").NewProc("PlaySoundW")

// PlaySound flags (mmsystem.h).
const (
	sndAsync     = 0x0001
	sndNoDefault = 0x0002
	sndMemory    = 0x0004
	sndNoStop    = 0x0010
)

// New plays the chime with PlaySound from memory, asynchronously; the
// WAV stays in memory for the life of the program, as PlaySound needs.
func New() (*Player, error) {
	if err := playSound.Find(); err != nil {
		return nil, err
	}
	w := WAV()
	return &Player{play: func() error {
		r, _, err := playSound.Call(uintptr(unsafe.Pointer(&w[0])), 0, sndMemory|sndAsync|sndNoDefault|sndNoStop)
		if r == 0 {
			return err
		}
		return nil
	}}, nil
}
