package fileshare

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/wire"
)

// A file offered again — the presenter's file stays offered all lesson,
// and a PC that restarts hears it anew — may be in the folder already,
// under its name or the name placeFile gave a second copy. Before asking
// for any block, the folder is looked at off the loop: a file there of
// the offer's size and SHA-256 is the file, answered for at once ("have")
// and neither fetched nor saved again.

// maxCopies bounds the names looked at: "a.pdf", "a (2).pdf", …,
// "a (16).pdf".
const maxCopies = 16

// lookForCopy starts looking for a copy of in's file in the folder; until
// it is done, nothing is asked for (blocks still sent are taken).
func (pt *Part) lookForCopy(in *incoming) {
	in.checking = true
	dir, o, quit := pt.opts.SaveDir, in.offer, pt.quit
	pt.env.Go(func(done <-chan struct{}) {
		path := findCopy(dir, o, done)
		pt.env.Post(quit, func(now time.Time) { pt.copyChecked(now, in, path) })
	})
}

// findCopy is the path of a file in dir that is o's file ("" if none).
func findCopy(dir string, o wire.FileOffer, done <-chan struct{}) string {
	ext := filepath.Ext(o.Name)
	stem := strings.TrimSuffix(o.Name, ext)
	for k := 1; k <= maxCopies; k++ {
		name := o.Name
		if k > 1 {
			name = fmt.Sprintf("%s (%d)%s", stem, k, ext)
		}
		path := filepath.Join(dir, name)
		if st, err := os.Lstat(path); err != nil || !st.Mode().IsRegular() || uint64(st.Size()) != o.Size {
			continue
		}
		select {
		case <-done:
			return ""
		default:
		}
		if sameContent(path, o) {
			return path
		}
	}
	return ""
}

// sameContent reports whether the file at path has o's size and SHA-256.
func sameContent(path string, o wire.FileOffer) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(f, int64(o.Size)+1))
	return err == nil && uint64(n) == o.Size && [32]byte(h.Sum(nil)) == o.SHA256
}

// copyChecked takes what lookForCopy found: the file is here (path), or
// it is fetched now.
func (pt *Part) copyChecked(now time.Time, in *incoming, path string) {
	if pt.in[in.offer.ID] != in || in.state != fetching {
		return // over meanwhile
	}
	in.checking = false
	if path == "" {
		in.nackAt = now // ask for what is missing at once
		return
	}
	in.w.abort()
	in.state, in.status = settled, wire.FileHave
	in.doneAt, in.dones = now, 0
	o := in.offer
	pt.env.Emit(event.FileReceived{ID: o.ID.String(), From: in.peer, Name: o.Name, Size: int64(o.Size),
		SHA256: fmt.Sprintf("%x", o.SHA256[:]), Path: path, Already: true})
}
