package fileshare

import (
	"crypto/rand"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/files"
	"github.com/groupcast/groupcast/netconf/internal/ledger"
	"github.com/groupcast/groupcast/netconf/wire"
	"github.com/groupcast/groupcast/netconf/words"
)

// outgoing is a file we send.
type outgoing struct {
	offer wire.FileOffer
	name  string
	f     *os.File
	s     *files.Sender
	pacer *files.Pacer
	code  files.Code
	// repairs pays for repairs from the ledger (as chat repairs are
	// paid): each byte of the file sent earns two of parity, one computer
	// may spend half.
	repairs ledger.PurseID
	parity  map[uint64][][]byte // parity made, for the last few groups
	offerAt time.Time           // when the offer is next repeated
	endAt   time.Time           // when the last pass ended (zero: a pass runs)
	lastAsk time.Time           // when a NACK last came
	members map[wire.SenderID]*fileMember
	// group holds the blocks of one group, read in one go (groupAt), for
	// its blocks and its parity.
	group    []byte
	groupAt  uint64    // the group held, +1 (0: none)
	reported time.Time // progress
	changed  bool      // the receipt changed since it was reported
	done     bool      // every member answered: lingering for late joiners
	until    time.Time // while done: when it stops
	started  time.Time
}

type fileMember struct {
	peer   event.Peer
	status wire.FileStatus // 0: waiting
	why    words.Words     // why it failed
	// need is what its last NACK needed in all; stalled counts its NACKs
	// in a row that needed no less; behind: named as unable to keep up,
	// it is no longer waited for.
	need    int
	stalled int
	behind  bool
}

// Send offers the file at path to everyone in the group: it is checked
// here, hashed off the loop, and offered when that is done (onHashed).
func (pt *Part) Send(now time.Time, path string) {
	name := filepath.Base(path)
	if why, ok := pt.maySend(now, name); !ok {
		pt.fileFailed("", name, true, why)
		return
	}
	f, size, bs, err := pt.openToSend(path)
	if err != nil {
		pt.fileFailed("", name, true, failWords(err))
		return
	}
	pt.hash(&hashed{name: name, f: f, size: size, blockSize: bs})
}

// maySend reports whether a file named name may be sent now, and if not
// why.
func (pt *Part) maySend(now time.Time, name string) (words.Words, bool) {
	j := pt.opts.Judge
	switch {
	case pt.opts.Plain || pt.opts.SendOnly:
		return wFilePlain.With(nil), false
	case j.ReadOnly() && !j.Presenting():
		return WFileReadOnly.With(map[string]any{"Room": j.RoomName()}), false
	case len(pt.out)+len(pt.hashing) >= MaxOutgoing && !pt.retireOldest(now):
		return wFileBusy.With(map[string]any{"N": MaxOutgoing}), false
	}
	if err := wire.ValidFileName(name); err != nil {
		return wFileBadName.With(map[string]any{"Why": err.Error()}), false
	}
	return words.Words{}, true
}

// openToSend opens the file at path, checks that it is a file small
// enough to send, and says the block size its datagrams take.
func (pt *Part) openToSend(path string) (*os.File, int64, uint16, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, 0, fileErr(wFileRead, err)
	}
	st, err := f.Stat()
	if err != nil {
		err = fileErr(wFileRead, err)
	} else if !st.Mode().IsRegular() {
		err = &fileError{w: wFileNotFile.With(nil)}
	}
	mtu := 0 // not known: blocks fit wire.MaxDatagram
	if pt.opts.MTU != nil {
		mtu = pt.opts.MTU()
	}
	bs := wire.FileBlockSizeFor(len(pt.env.Nick()), pt.env.Keyed(), mtu)
	if err == nil && uint64(st.Size()) > uint64(bs)*wire.MaxFileBlocks {
		err = &fileError{w: wFileHuge.With(nil)}
	}
	if err != nil {
		_ = f.Close()
		return nil, 0, 0, err
	}
	return f, st.Size(), bs, nil
}

// hashed is a file to send, hashed.
type hashed struct {
	name      string
	f         *os.File
	size      int64
	blockSize uint16
	sum       [32]byte
	err       error
}

// hash reads the whole file once (it is then in the page cache for the
// blocks that follow): off the loop, as 4 GB take seconds and a slow disk
// longer. The offer is made when it is done (onHashed). Should the
// membership end first, Close closes the file.
func (pt *Part) hash(h *hashed) {
	pt.hashing[h.f] = true
	pt.env.Go(func(<-chan struct{}) {
		sha := sha256.New()
		if _, h.err = io.Copy(sha, h.f); h.err == nil {
			copy(h.sum[:], sha.Sum(nil))
		}
		pt.env.Post(pt.quit, func(now time.Time) { pt.onHashed(now, h) })
	})
}

// onHashed offers a file once it is hashed.
func (pt *Part) onHashed(now time.Time, h *hashed) {
	if !pt.hashing[h.f] {
		return // the part closed (and closed the file)
	}
	delete(pt.hashing, h.f)
	if h.err != nil {
		_ = h.f.Close()
		pt.fileFailed("", h.name, true, failWords(fileErr(wFileRead, h.err)))
		return
	}
	name, bs := h.name, h.blockSize
	o := wire.FileOffer{Size: uint64(h.size), BlockSize: bs, Group: fileGroup, SHA256: h.sum, Pass: 1, Name: name}
	_, _ = rand.Read(o.ID[:])
	if o.ID == (wire.FileID{}) {
		o.ID[0] = 1
	}
	rate := pt.opts.FileRate
	if rate <= 0 {
		rate = DefaultFileRate
	}
	out := &outgoing{offer: o, name: name, f: h.f, s: files.NewSender(o, now), pacer: files.NewPacer(rate/8/float64(bs), now),
		parity: map[uint64][][]byte{}, offerAt: now, members: map[wire.SenderID]*fileMember{}, started: now, changed: true,
		repairs: pt.env.Ledger().Open(ledger.Repairs(float64(min(2*o.Size, 1<<40))))}
	for pr := range pt.env.Peers().All() {
		out.members[pr.ID] = &fileMember{peer: view(pr)}
	}
	pt.out[o.ID] = out
	pt.env.Emit(event.FileProgress{ID: o.ID.String(), Name: name, Sending: true, Size: h.size})
}
