package fileshare

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/groupcast/groupcast/netconf/internal/files"
	"github.com/groupcast/groupcast/netconf/wire"
)

// restoreGroup reads group g's blocks that are held back, restores the
// others from parity and writes them.
func (w *fileWriter) restoreGroup(g uint64, held []bool, parity []files.Shard) error {
	o := w.offer
	k, maxP := o.GroupLen(g), o.MaxParity(g)
	if len(held) != k {
		return fmt.Errorf("restore: %d blocks said held of %d", len(held), k)
	}
	shards := make([][]byte, k+maxP)
	first := g * uint64(o.Group)
	// The group's blocks held, read with one call into a buffer kept for
	// the next group; past the end of the file is zeros, as the sender
	// pads the last block.
	bs := int(o.BlockSize)
	if cap(w.group) < k*bs {
		w.group = make([]byte, k*bs)
	}
	buf := w.group[:k*bs]
	n, err := w.f.ReadAt(buf, int64(first)*int64(bs))
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	clear(buf[n:])
	for i := range k {
		if !held[i] {
			continue
		}
		if end := i*bs + o.BlockLen(first+uint64(i)); end > n {
			return fmt.Errorf("restore: block %d held but not in the file", first+uint64(i))
		}
		shards[i] = buf[i*bs : (i+1)*bs]
	}
	for _, p := range parity {
		if p.Index < maxP {
			shards[k+p.Index] = p.Data
		}
	}
	if err := w.code.Restore(shards, k, maxP); err != nil {
		return err
	}
	for i := range k {
		if held[i] {
			continue
		}
		n := o.BlockLen(first + uint64(i))
		if _, err := w.f.WriteAt(shards[i][:n], int64(first+uint64(i))*int64(o.BlockSize)); err != nil {
			return err
		}
	}
	return nil
}

// finishFile checks the SHA-256 and gives the file its name.
func (w *fileWriter) finishFile() (string, wire.FileReason, error) {
	if _, err := w.f.Seek(0, io.SeekStart); err != nil {
		return "", wire.FileReasonWrite, fileErr(wFileWrite, err)
	}
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(w.f, int64(w.offer.Size)))
	if err != nil {
		return "", wire.FileReasonWrite, fileErr(wFileWrite, err)
	}
	if uint64(n) != w.offer.Size || [32]byte(h.Sum(nil)) != w.offer.SHA256 {
		return "", wire.FileReasonHash, &fileError{w: wFileDamaged.With(nil)}
	}
	if err := w.f.Sync(); err != nil {
		return "", wire.FileReasonWrite, fileErr(wFileWrite, err)
	}
	if err := w.f.Close(); err != nil {
		return "", wire.FileReasonWrite, fileErr(wFileWrite, err)
	}
	path, err := placeFile(w.tmp, w.dir, w.offer.Name)
	if err != nil {
		return "", wire.FileReasonWrite, err
	}
	return path, 0, nil
}

// placeFile renames tmp to name in dir, never over a file there: "a.pdf"
// becomes "a (2).pdf", "a (3).pdf", ….
func placeFile(tmp, dir, name string) (string, error) {
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for k := 1; k < 10_000; k++ {
		candidate := name
		if k > 1 {
			candidate = fmt.Sprintf("%s (%d)%s", stem, k, ext)
		}
		path := filepath.Join(dir, candidate)
		// Link, then remove: a rename would replace a file that appeared
		// meanwhile; a hard link fails if the name is taken.
		if err := os.Link(tmp, path); err == nil {
			_ = os.Remove(tmp)
			return path, nil
		} else if !errors.Is(err, os.ErrExist) {
			if _, serr := os.Lstat(path); serr == nil {
				continue
			}
			if rerr := os.Rename(tmp, path); rerr != nil { // a file system without hard links
				return "", fileErr(wFileWrite, rerr)
			}
			return path, nil
		}
	}
	return "", &fileError{w: wFileNoName.With(nil)}
}
