package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sync"

	"github.com/groupcast/groupcast/netconf/wire"
)

// record writes each datagram heard on the group's port and its
// companion as a port byte (1: companion), a 2-byte length and the bytes.
func (t *tool) record(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	n := 0
	for _, companion := range []bool{false, true} {
		c, err := t.listen(companion)
		if err != nil {
			return err
		}
		closeOnInterrupt(c)
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 65536)
			for {
				k, _, err := c.ReadFrom(buf)
				if err != nil {
					return
				}
				rec := []byte{0, byte(k >> 8), byte(k)}
				if companion {
					rec[0] = 1
				}
				mu.Lock()
				_, _ = f.Write(append(rec, buf[:k]...))
				n++
				mu.Unlock()
			}
		}()
	}
	fmt.Println("recording")
	wg.Wait()
	fmt.Fprintf(os.Stderr, "recorded %d datagrams\n", n)
	return f.Close()
}

// recorded is one datagram of a recording, and whether it was heard on
// the companion port.
type recorded struct {
	b         []byte
	companion bool
}

func load(path string) ([]recorded, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []recorded
	for len(b) >= 3 {
		n := int(binary.BigEndian.Uint16(b[1:]))
		if len(b) < 3+n {
			return nil, io.ErrUnexpectedEOF
		}
		out = append(out, recorded{b: b[3 : 3+n], companion: b[0] == 1})
		b = b[3+n:]
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
	for _, r := range rec {
		if err := t.writeTo(r.b, r.companion); err != nil {
			return err
		}
		if p, err := wire.Decode(r.b); pinned && err == nil && p.Kind == wire.KindData && p.Sig.Present() {
			p.Kind = wire.KindPinned // its signature kept
			c, err := wire.AppendEncode(nil, &p)
			if err != nil {
				return err
			}
			if err := t.writeTo(c, true); err != nil {
				return err
			}
			relabelled++
		}
	}
	report["replayed"], report["relabelled"] = len(rec), relabelled
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range hostile {
		src := rec[rng.IntN(len(rec))].b
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
			o := rec[rng.IntN(len(rec))].b
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
