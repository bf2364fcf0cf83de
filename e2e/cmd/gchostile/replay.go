package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"

	"github.com/groupcast/groupcast/netconf/wire"
)

// record writes each datagram as a 2-byte length and the bytes.
func (t *tool) record(path string) error {
	c, err := t.listen()
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	closeOnInterrupt(c)
	fmt.Println("recording")
	buf := make([]byte, 65536)
	n := 0
	for {
		k, _, err := c.ReadFrom(buf)
		if err != nil {
			fmt.Fprintf(os.Stderr, "recorded %d datagrams\n", n)
			return f.Close()
		}
		var l [2]byte
		binary.BigEndian.PutUint16(l[:], uint16(k))
		if _, err := f.Write(append(l[:], buf[:k]...)); err != nil {
			return err
		}
		n++
	}
}

func load(path string) ([][]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for len(b) >= 2 {
		n := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+n {
			return nil, io.ErrUnexpectedEOF
		}
		out = append(out, b[2:2+n])
		b = b[2+n:]
	}
	return out, nil
}

// replay sends a recording again (with pinned, each signed DATA of it
// also relabelled PINNED, as if the presenter had pinned it now), then
// hostile mangled copies of it: random bytes (some with our header),
// truncated, bit-flipped, spliced.
func (t *tool) replay(path string, hostile int, pinned bool, report map[string]any) error {
	rec, err := load(path)
	if err != nil {
		return err
	}
	if len(rec) == 0 {
		return errors.New("empty recording")
	}
	relabelled := 0
	for _, d := range rec {
		if err := t.write(d); err != nil {
			return err
		}
		if p, err := wire.Decode(d); pinned && err == nil && p.Kind == wire.KindData && p.Sig.Present() {
			c := append([]byte(nil), d...)
			c[5] = byte(wire.KindPinned)
			if err := t.write(c); err != nil {
				return err
			}
			relabelled++
		}
	}
	report["replayed"], report["relabelled"] = len(rec), relabelled
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range hostile {
		src := rec[rng.IntN(len(rec))]
		var d []byte
		switch i % 4 {
		case 0:
			d = make([]byte, 1+rng.IntN(1400))
			for j := range d {
				d[j] = byte(rng.Uint32())
			}
			if i%8 == 0 && len(d) > 12 {
				copy(d, src[:min(12, len(src))])
			}
		case 1:
			d = src[:rng.IntN(len(src))]
		case 2:
			d = append([]byte(nil), src...)
			d[rng.IntN(len(d))] ^= 1 << rng.IntN(8)
		case 3:
			o := rec[rng.IntN(len(rec))]
			cut := rng.IntN(min(len(src), len(o)))
			d = append(append([]byte(nil), src[:cut]...), o[cut:]...)
		}
		if len(d) == 0 {
			d = []byte{0}
		}
		if err := t.write(d); err != nil {
			return err
		}
	}
	return nil
}
