// Package chime plays the short sound the window makes for a new message
// when the user asked for one: two soft tones, made here as a WAV (no
// sound file to ship), played by what each system has without cgo —
// PlaySound (winmm) on Windows, afplay on macOS, and elsewhere the first
// of paplay (PulseAudio, PipeWire), pw-play and aplay (ALSA) found.
package chime

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

// Rate and length of the chime.
const (
	Rate    = 22050
	samples = Rate * 7 / 20 // 0.35 s
)

var (
	wavOnce sync.Once
	wav     []byte
)

// WAV is the chime: 16-bit mono PCM, 880 Hz then 1320 Hz, each fading
// out, at a third of full scale (a notification, not an alarm).
func WAV() []byte {
	wavOnce.Do(func() {
		n := samples
		pcm := make([]int16, n)
		for i := range pcm {
			t := float64(i) / Rate
			v := tone(t, 0, 880) + tone(t, 0.12, 1320)
			pcm[i] = int16(math.Max(-1, math.Min(1, v)) * 32767 / 3)
		}
		var b bytes.Buffer
		data := uint32(2 * n)
		b.WriteString("RIFF")
		_ = binary.Write(&b, binary.LittleEndian, 36+data)
		b.WriteString("WAVEfmt ")
		_ = binary.Write(&b, binary.LittleEndian, struct {
			Size                      uint32
			Format, Channels          uint16
			Rate, ByteRate            uint32
			BlockAlign, BitsPerSample uint16
		}{16, 1, 1, Rate, Rate * 2, 2, 16})
		b.WriteString("data")
		_ = binary.Write(&b, binary.LittleEndian, data)
		_ = binary.Write(&b, binary.LittleEndian, pcm)
		wav = b.Bytes()
	})
	return wav
}

// tone is a sine of frequency f starting at start, with a 5 ms attack
// and an exponential fade.
func tone(t, start, f float64) float64 {
	t -= start
	if t < 0 {
		return 0
	}
	attack := math.Min(1, t/0.005)
	return attack * math.Exp(-t*12) * math.Sin(2*math.Pi*f*t)
}

// ErrNoPlayer says this computer has no way to play the chime.
var ErrNoPlayer = errors.New("no sound player found (paplay, pw-play or aplay)")

// Player plays the chime without waiting for it to end.
type Player struct {
	play func() error
}

// Play starts the chime; it returns at once.
func (p *Player) Play() error { return p.play() }

// commandPlayer plays a file of the chime with the first of names found
// in PATH, with its arguments.
func commandPlayer(players [][]string) (*Player, error) {
	for _, cmd := range players {
		path, err := exec.LookPath(cmd[0])
		if err != nil {
			continue
		}
		file, err := writeFile()
		if err != nil {
			return nil, err
		}
		args := append(append([]string{}, cmd[1:]...), file)
		return &Player{play: func() error {
			c := exec.Command(path, args...)
			if err := c.Start(); err != nil {
				return err
			}
			go func() { _ = c.Wait() }() // reap it
			return nil
		}}, nil
	}
	return nil, ErrNoPlayer
}

// writeFile puts the chime in the user's cache directory (or the
// temporary one), once.
func writeFile() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	dir = filepath.Join(dir, "groupcast")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	file := filepath.Join(dir, "chime.wav")
	if b, err := os.ReadFile(file); err == nil && bytes.Equal(b, WAV()) {
		return file, nil
	}
	tmp, err := os.CreateTemp(dir, "chime-*.wav")
	if err != nil {
		return "", err
	}
	if _, err := tmp.Write(WAV()); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return "", err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return file, os.Rename(tmp.Name(), file)
}
