package netconf

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/groupcast/groupcast/netconf/internal/classroom"
	"github.com/groupcast/groupcast/netconf/internal/files"
	"github.com/groupcast/groupcast/netconf/internal/presence"
	"github.com/groupcast/groupcast/netconf/internal/reliable"
	"github.com/groupcast/groupcast/netconf/wire"
	"github.com/groupcast/groupcast/netconf/words"
)

// Files to the room (docs/FILES.md). The loop owns the bookkeeping of
// every transfer (netconf/internal/files) and sends every datagram; what
// touches a received file's disk runs in one writer goroutine per file
// (fileWriter), so a slow disk holds neither chat nor the network.

// SendFile offers the file at Path to everyone in the group.
type SendFile struct{ Path string }

func (SendFile) command() {}

// File limits and defaults.
const (
	// DefaultMaxFileSize is the largest offer taken unless
	// Config.MaxFileSize says otherwise.
	DefaultMaxFileSize = 4 << 30
	// DefaultFileRate caps a file's sending, in bits a second, unless
	// Config.FileRate says otherwise.
	DefaultFileRate = 400e6
	// maxIncoming bounds the files being received at once, and
	// maxIncomingPerHost those from one computer.
	maxIncoming        = 16
	maxIncomingPerHost = 4
	maxOutgoing        = 4
	// fileOfferEvery: a sender repeats its offer this often while
	// sending, and fileLingerOfferEvery while it stays for late joiners
	// (Timing.FileLinger after every member has it).
	fileOfferEvery       = 500 * time.Millisecond
	fileLingerOfferEvery = 2 * time.Second
	// fileSilence: after an end of pass, members that neither ask nor
	// answer for this long are named as not answering.
	fileSilence = 3 * time.Second
	// fileDoneGrace: a transfer is over only this long after its last
	// pass ended, and half as long after the last NACK or answer: members
	// not heard before the offer answer meanwhile and are counted (on a
	// LAN their answers follow the last block within milliseconds). With
	// no member known yet (a sender that offers right after joining),
	// fileLonelyGrace.
	fileDoneGrace   = 300 * time.Millisecond
	fileLonelyGrace = time.Second
	// fileStalled: a member whose NACKs, this many in a row, need no
	// less than before is named as unable to keep up.
	fileStalled = 40
	// fileNackEvery is how often a receiver asks (plus up to a half as
	// much again, at random).
	fileNackEvery = 100 * time.Millisecond
	// fileProgressEvery bounds progress events per transfer.
	fileProgressEvery = 250 * time.Millisecond
	// fileGroup is how many blocks make a group for repair.
	fileGroup = wire.MaxFileGroup
	// writerQueue and writerBytes bound what waits for a writer, and
	// writersBytes what waits for all of a membership's: past any a run
	// of blocks is dropped and asked for again. A run is at most
	// maxRunOp bytes of blocks that follow each other. 16 MiB is over a
	// second of a file at 100 Mbit/s: a writer starved of the CPU for
	// 0.4 s fell 4 MiB behind, and what it dropped cost the room a
	// quarter more on the wire.
	writerBytes  = 16 << 20
	writersBytes = 32 << 20
	maxRunOp     = 64 << 10
	// writerQueue bounds the operations waiting: past it a block is
	// dropped and asked for again. 2 048 blocks are some 2.7 MB a file.
	writerQueue = 2048
	// fileOffersPerHost: new offers taken from one computer, at once and
	// then a second (a computer offering thousands would fill the log).
	fileOffersPerHost = 4
	fileOffersRate    = 0.5
	// fileBurst bounds the blocks sent in one go of the loop.
	fileBurst = 64
)

// Why a file failed, as a clause a front end puts after the file's name
// or a member's.
var (
	// A receiver's reasons, as its FILE_DONE gives them.
	wRemoteWrite    = words.Define("could not write it (disk full?)")
	wRemoteTooLarge = words.Define("refused it: larger than its limit")
	wRemoteName     = words.Define("refused its name")
	wRemoteHash     = words.Define("got it damaged (SHA-256 differs)")
	wRemoteCanceled = words.Define("did not take it (no folder for files, or cancelled)")
	wRemoteFailed   = words.Define("failed")
	wNoAnswer       = words.Define("did not answer")
	wCannotKeepUp   = words.Define("could not keep up")
	// Sending.
	wFilePlain    = words.Define("files cannot be sent as plain text: classic tools have no way to receive them")
	wFileReadOnly = words.Define("{{.Room}} is read-only: only its presenter may send files")
	wFileBusy     = words.Define("{{.N}} files are being sent already; wait for one to finish")
	wFileBadName  = words.Define("it cannot be sent under its name ({{.Why}})")
	wFileNotFile  = words.Define("it is not a file")
	wFileHuge     = words.Define("it is too large to send")
	wFileRead     = words.Define("could not read it: {{.Why}}")
	// Receiving.
	wFileLarger  = words.Define("it is larger than the {{.Limit}} this computer takes")
	wFileCrowded = words.Define("too many files are coming in at once")
	wFileFolder  = words.Define("could not make the folder for files: {{.Why}}")
	wFileWrite   = words.Define("could not write it: {{.Why}}")
	wFileDamaged = words.Define("it arrived damaged: its SHA-256 is not the one offered")
	wFileNoName  = words.Define("could not find a free name for it in the folder for files")
)

// reasonWords words a receiver's reason for failing.
func reasonWords(r wire.FileReason) words.Words {
	switch r {
	case wire.FileReasonWrite:
		return wRemoteWrite.With(nil)
	case wire.FileReasonTooLarge:
		return wRemoteTooLarge.With(nil)
	case wire.FileReasonName:
		return wRemoteName.With(nil)
	case wire.FileReasonHash:
		return wRemoteHash.With(nil)
	case wire.FileReasonCanceled:
		return wRemoteCanceled.With(nil)
	}
	return wRemoteFailed.With(nil)
}

// fileError is a file's failure worded for people, wrapping the system's
// error (if any) whose text it quotes.
type fileError struct {
	w   words.Words
	err error
}

func (f *fileError) Error() string { return f.w.String() }
func (f *fileError) Unwrap() error { return f.err }

// fileErr words err, the system's, with t: "could not write it: {{.Why}}".
func fileErr(t words.Template, err error) error {
	return &fileError{w: t.With(map[string]any{"Why": innermost(err).Error()}), err: err}
}

// failWords is what a failure says: a fileError's words, or the error's
// text as it is.
func failWords(err error) words.Words {
	var fe *fileError
	if errors.As(err, &fe) {
		return fe.w
	}
	return words.Words{Text: words.Template(err.Error())}
}

// fileFailed reports a file that failed here.
func (e *Engine) fileFailed(id, name string, sending bool, why words.Words) {
	e.queue.Push(FileFailed{ID: id, Name: name, Sending: sending, Reason: why.String(), Why: why})
}

// fileSession is a membership's transfers; the loop owns it.
type fileSession struct {
	out map[wire.FileID]*outgoing
	in  map[wire.FileID]*incoming
	// offers paces new offers per computer (fileOffersPerHost).
	offers map[netip.Addr]*offerBucket
	// seen remembers offers refused or finished here, so they are not
	// taken again, and are answered again while their sender still
	// offers them (bounded: the oldest is forgotten).
	seen    map[wire.FileID]*answered
	scratch []byte
	// A burst of blocks, encoded one after the other in burst, sent
	// with one system call (sendmmsg where there is one); sealed holds
	// their sealed forms in a private group.
	// pump sends the blocks of the files we send (started with the
	// first).
	pump *filePump
	// hashing: files of ours being hashed before they are offered.
	hashing int
	// dirty: files with a run of blocks to hand to their writer.
	dirty []*incoming
}

// answered is an offer over here: what we answered its sender (status 0:
// nothing, an offer of ours or one only reported), and when.
type answered struct {
	from   wire.SenderID
	status wire.FileStatus
	reason wire.FileReason
	at     time.Time // when we last answered (or noted it)
	// heard is when its sender last offered it: a presenter's file stays
	// offered all lesson, and is not forgotten for newer ones meanwhile.
	heard time.Time
}

func newFileSession() *fileSession {
	return &fileSession{out: map[wire.FileID]*outgoing{}, in: map[wire.FileID]*incoming{}, seen: map[wire.FileID]*answered{},
		offers: map[netip.Addr]*offerBucket{}}
}

// offerBucket is a computer's allowance of new offers.
type offerBucket struct {
	tokens float64
	at     time.Time
}

// takeOffer reports whether host may offer one more file now. At most
// 1 024 computers are tracked; past that the oldest is forgotten.
func (fs *fileSession) takeOffer(host netip.Addr, now time.Time) bool {
	b := fs.offers[host]
	if b == nil {
		if len(fs.offers) >= 1024 {
			forgetOldest(fs.offers, func(b *offerBucket) time.Time { return b.at })
		}
		b = &offerBucket{tokens: fileOffersPerHost, at: now}
		fs.offers[host] = b
	}
	b.tokens = min(b.tokens+now.Sub(b.at).Seconds()*fileOffersRate, fileOffersPerHost)
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// close stops every transfer: files sent are closed, files being
// received are dropped with their temporary files.
func (fs *fileSession) close() {
	if fs.pump != nil {
		fs.pump.stop()
		fs.pump = nil
	}
	for _, o := range fs.out {
		_ = o.f.Close()
	}
	for _, in := range fs.in {
		in.w.abort()
	}
	clear(fs.out)
	clear(fs.in)
}

// forgetOldest deletes the entry of m whose time (at) is the earliest: a
// walk of the map, for tables that are full only under a flood.
func forgetOldest[K comparable, V any](m map[K]V, at func(V) time.Time) {
	var oldest K
	var first time.Time
	for k, v := range m {
		if t := at(v); first.IsZero() || t.Before(first) {
			oldest, first = k, t
		}
	}
	delete(m, oldest)
}

// remember notes an offer that is over here, and what we answered.
func (fs *fileSession) remember(id wire.FileID, now time.Time) *answered {
	const maxSeen = 1024
	if len(fs.seen) >= maxSeen {
		forgetOldest(fs.seen, func(a *answered) time.Time {
			if a.heard.After(a.at) {
				return a.heard
			}
			return a.at
		})
	}
	a := &answered{at: now}
	fs.seen[id] = a
	return a
}

// writeFile sends a file datagram of ours. A presenter signs its offers,
// so that members know the file is the presenter's.
func (e *Engine) writeFile(kind wire.Kind, seq uint64, body []byte, now time.Time) {
	m := e.m
	p := wire.Packet{Kind: kind, Sender: m.self, Seq: seq, Time: now.UnixMicro(), Nick: m.cfg.Nick, Body: body}
	if kind == wire.KindFileOffer && m.cfg.Presenter != nil {
		m.judge.Sign(&p)
	}
	e.write(&p)
}

// ---- sending ----

// outgoing is a file we send.
type outgoing struct {
	offer wire.FileOffer
	name  string
	f     *os.File
	s     *files.Sender
	pacer *files.Pacer
	code  files.Code
	// budget pays for repairs (as chat repairs are paid): each byte of
	// the file sent earns two of parity, one computer may spend half.
	budget  reliable.RepairBudget
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
	peer   Peer
	status wire.FileStatus // 0: waiting
	why    words.Words     // why it failed
	// need is what its last NACK needed in all; stalled counts its NACKs
	// in a row that needed no less.
	need    int
	stalled int
}

func (e *Engine) sendFile(path string) {
	m, now := e.m, e.now()
	fail := func(why words.Words) { e.fileFailed("", filepath.Base(path), true, why) }
	if m == nil {
		e.queue.Push(Error{Op: "send", Err: ErrNotJoined})
		return
	}
	if m.cfg.Plain || m.cfg.SendOnly {
		fail(wFilePlain.With(nil))
		return
	}
	if r := m.cfg.Room; r != nil && r.ReadOnly && m.cfg.Presenter == nil {
		fail(wFileReadOnly.With(map[string]any{"Room": r.Name}))
		return
	}
	if len(m.files.out)+m.files.hashing >= maxOutgoing && !m.files.retireOldest(now) {
		fail(wFileBusy.With(map[string]any{"N": maxOutgoing}))
		return
	}
	name := filepath.Base(path)
	if err := wire.ValidFileName(name); err != nil {
		fail(wFileBadName.With(map[string]any{"Why": err.Error()}))
		return
	}
	f, err := os.Open(path)
	if err != nil {
		fail(failWords(fileErr(wFileRead, err)))
		return
	}
	st, err := f.Stat()
	if err != nil {
		err = fileErr(wFileRead, err)
	} else if !st.Mode().IsRegular() {
		err = &fileError{w: wFileNotFile.With(nil)}
	}
	mtu := 0 // not known: blocks fit wire.MaxDatagram
	if t, ok := m.tr.(MTUReporter); ok {
		mtu = t.MTU()
	}
	bs := wire.FileBlockSizeFor(len(m.cfg.Nick), m.key != nil, mtu)
	if err == nil && uint64(st.Size()) > uint64(bs)*wire.MaxFileBlocks {
		err = &fileError{w: wFileHuge.With(nil)}
	}
	if err != nil {
		_ = f.Close()
		fail(failWords(err))
		return
	}
	// Hashing reads the whole file once (it is then in the page cache
	// for the blocks that follow): in a goroutine, as 4 GB take seconds
	// and a slow disk longer. The offer is made when it is done
	// (onFileHashed).
	m.files.hashing++
	go func() {
		h := hashed{owner: m, name: name, f: f, size: st.Size(), blockSize: bs}
		sha := sha256.New()
		if _, h.err = io.Copy(sha, f); h.err == nil {
			copy(h.sum[:], sha.Sum(nil))
		}
		select {
		case e.fileHashed <- h:
		case <-e.done:
			_ = f.Close()
		}
	}()
}

// hashed is a file to send, hashed.
type hashed struct {
	owner     *session
	name      string
	f         *os.File
	size      int64
	blockSize uint16
	sum       [32]byte
	err       error
}

// onFileHashed offers a file once it is hashed.
func (e *Engine) onFileHashed(h hashed) {
	m, now := e.m, e.now()
	if m == nil || h.owner != m {
		_ = h.f.Close() // the membership it was for is over
		return
	}
	m.files.hashing--
	if h.err != nil {
		_ = h.f.Close()
		e.fileFailed("", h.name, true, failWords(fileErr(wFileRead, h.err)))
		return
	}
	name, bs := h.name, h.blockSize
	o := wire.FileOffer{Size: uint64(h.size), BlockSize: bs, Group: fileGroup, SHA256: h.sum, Pass: 1, Name: name}
	_, _ = rand.Read(o.ID[:])
	if o.ID == (wire.FileID{}) {
		o.ID[0] = 1
	}
	rate := m.cfg.FileRate
	if rate <= 0 {
		rate = DefaultFileRate
	}
	out := &outgoing{offer: o, name: name, f: h.f, s: files.NewSender(o, now), pacer: files.NewPacer(rate/8/float64(bs), now),
		parity: map[uint64][][]byte{}, offerAt: now, members: map[wire.SenderID]*fileMember{}, started: now, changed: true}
	for pr := range m.peers.All() {
		out.members[pr.ID] = &fileMember{peer: view(pr)}
	}
	m.files.out[o.ID] = out
	e.queue.Push(FileProgress{ID: o.ID.String(), Name: name, Sending: true, Size: h.size})
}

// sendFiles sends what is due of the files we send.
func (e *Engine) sendFiles(now time.Time) {
	fs := e.m.files
	for id, o := range fs.out {
		if !now.Before(o.offerAt) {
			end := o.s.PassSent()
			e.writeFile(wire.KindFileOffer, 0, wire.AppendFileOffer(fs.scratch[:0], o.s.Offer(end)), now)
			o.offerAt = now.Add(fileOfferEvery)
			if o.done {
				o.offerAt = now.Add(fileLingerOfferEvery)
			}
		}
		if !e.sendBlocks(now, id, o) {
			continue // failed, and gone
		}
		if o.s.PassSent() && o.endAt.IsZero() && (fs.pump == nil || fs.pump.idle()) {
			// (Once the pass's last blocks are out: the end of pass must
			// not overtake them.)
			// The pass is over: say so at once, and wait for what is asked.
			o.endAt = now
			e.writeFile(wire.KindFileOffer, 0, wire.AppendFileOffer(fs.scratch[:0], o.s.Offer(true)), now)
			o.offerAt = now.Add(fileNackEvery)
			o.s.NextPass()
		}
		e.settleFile(now, id, o)
	}
}

// settleFile decides, after a pass, whom a transfer waits for still, and
// reports its receipt when it changed.
func (e *Engine) settleFile(now time.Time, id wire.FileID, o *outgoing) {
	fs := e.m.files
	waiting := 0
	for _, mb := range o.members {
		if mb.status == 0 {
			waiting++
		}
	}
	quiet := !o.endAt.IsZero() && now.Sub(o.endAt) >= fileSilence && now.Sub(o.lastAsk) >= fileSilence
	for _, mb := range o.members {
		if mb.status != 0 || o.done {
			continue
		}
		switch {
		case quiet:
			mb.status, mb.why = wire.FileFailed, wNoAnswer.With(nil)
		case mb.stalled >= fileStalled:
			mb.status, mb.why = wire.FileFailed, wCannotKeepUp.With(nil)
		default:
			continue
		}
		waiting--
		o.changed = true
	}
	grace := fileDoneGrace
	if len(o.members) == 0 {
		grace = fileLonelyGrace
	}
	if !o.done && waiting == 0 && o.s.PassSent() && !o.endAt.IsZero() &&
		now.Sub(o.endAt) >= grace && now.Sub(o.lastAsk) >= grace/2 {
		o.done, o.until, o.changed = true, now.Add(e.timing.FileLinger), true
		if e.m.cfg.Presenter != nil {
			// The presenter's file stays offered, pinned, for those who
			// join later, until the presenter leaves or sends
			// maxOutgoing newer ones (retireOldest).
			o.until = time.Time{}
		}
	}
	if o.changed || now.Sub(o.reported) >= fileProgressEvery && !o.done {
		if !o.done {
			sent := min(o.s.SentGroups()*uint64(o.offer.Group)*uint64(o.offer.BlockSize), o.offer.Size)
			e.queue.Push(FileProgress{ID: id.String(), Name: o.name, Sending: true, Done: int64(sent), Size: int64(o.offer.Size)})
		}
		if o.changed {
			e.queue.Push(o.receipt(id))
		}
		o.reported, o.changed = now, false
	}
	if o.done && !o.until.IsZero() && now.After(o.until) {
		fs.retire(id, now)
	}
}

// retire stops offering a file we sent.
func (fs *fileSession) retire(id wire.FileID, now time.Time) {
	if o := fs.out[id]; o != nil {
		_ = o.f.Close()
		delete(fs.out, id)
		fs.remember(id, now)
	}
}

// retireOldest makes room for a new file: the oldest file every member
// has answered for, still offered for late joiners, is no longer
// offered. It reports false when every file is still being sent.
func (fs *fileSession) retireOldest(now time.Time) bool {
	var oldest wire.FileID
	var first time.Time
	for id, o := range fs.out {
		if o.done && (first.IsZero() || o.started.Before(first)) {
			oldest, first = id, o.started
		}
	}
	if first.IsZero() {
		return false
	}
	fs.retire(oldest, now)
	return true
}

func (o *outgoing) receipt(id wire.FileID) FileReceipt {
	r := FileReceipt{ID: id.String(), Name: o.name, Members: len(o.members), Done: o.done}
	for _, mb := range o.members {
		switch mb.status {
		case wire.FileHave:
			r.Have = append(r.Have, mb.peer)
		case wire.FileFailed:
			r.Failed = append(r.Failed, FileFailure{Peer: mb.peer, Reason: mb.why.String(), Why: mb.why})
		default:
			r.Waiting = append(r.Waiting, mb.peer)
		}
	}
	return r
}

// sendBlocks sends what the pacer lets through of a file's blocks, in
// one burst. It reports false when the file could not be read (the
// transfer is then over, and said so).
func (e *Engine) sendBlocks(now time.Time, id wire.FileID, o *outgoing) bool {
	m := e.m
	fs := m.files
	if fs.pump == nil {
		fs.pump = startPump(e, m)
	}
	b := fs.pump.take()
	if b == nil {
		return true // both bursts are out: the next turn of the loop
	}
	n := o.pacer.Take(now, fileBurst)
	if n == 0 {
		fs.pump.free <- b
		return true
	}
	enc := b.enc
	for ; n > 0; n-- {
		sh, ok := o.s.Next(now)
		if !ok {
			break
		}
		data, err := o.shardOf(sh)
		if err != nil {
			fs.pump.free <- b
			e.fileFailed(id.String(), o.name, true, failWords(err))
			_ = o.f.Close()
			delete(fs.out, id)
			fs.remember(id, now)
			return false
		}
		if !sh.Parity && o.s.Pass() == 1 {
			// Each byte of the file earns twice the chat rate: one
			// computer may then have the file twice over as parity.
			o.budget.SentData(2 * len(data))
		}
		fs.scratch = wire.AppendFileBlock(fs.scratch[:0], id, data) // copied by AppendEncode
		p := wire.Packet{Kind: wire.KindFileBlock, Sender: m.self, Seq: sh.Seq(), Time: now.UnixMicro(), Nick: m.cfg.Nick, Body: fs.scratch}
		start := len(enc)
		enc, err = wire.AppendEncode(enc, &p)
		if err != nil {
			e.queue.Push(Error{Op: "send a file", Err: err})
			break
		}
		b.dgrams = append(b.dgrams, enc[start:len(enc):len(enc)])
	}
	b.enc = enc
	if len(b.dgrams) == 0 {
		fs.pump.free <- b
		return true
	}
	b.sealed = m.sealBatch(b.dgrams, b.sealed) // here: the loop owns the packet numbers
	fs.pump.todo <- b                          // never blocks: it holds every burst
	return true
}

// shardOf is a block of the file, or a parity block of its group (the
// group's blocks, padded to the block size, read in one go and kept for
// the group's next blocks).
func (o *outgoing) shardOf(sh wire.FileShard) ([]byte, error) {
	bs := int(o.offer.BlockSize)
	k := o.offer.GroupLen(sh.Group)
	if o.groupAt != sh.Group+1 {
		first := sh.Group * uint64(o.offer.Group)
		size := int(min(o.offer.Size-first*uint64(bs), uint64(k*bs)))
		if cap(o.group) < k*bs {
			o.group = make([]byte, int(o.offer.Group)*bs)
		}
		o.group = o.group[:k*bs]
		clear(o.group[size:]) // the last block padded with zeros
		o.groupAt = 0
		if _, err := o.f.ReadAt(o.group[:size], int64(first)*int64(bs)); err != nil {
			return nil, fileErr(wFileRead, err)
		}
		o.groupAt = sh.Group + 1
	}
	if !sh.Parity {
		i := o.offer.Index(sh)
		return o.group[sh.Shard*bs : sh.Shard*bs+o.offer.BlockLen(i)], nil
	}
	j := sh.Shard - k
	if ps := o.parity[sh.Group]; j < len(ps) {
		return ps[j], nil
	}
	data := make([][]byte, k)
	for i := range data {
		data[i] = o.group[i*bs : (i+1)*bs]
	}
	ps, err := o.code.Parity(data, j, o.offer.MaxParity(sh.Group))
	if err != nil {
		return nil, err
	}
	if len(o.parity) >= 64 { // a few groups' parity at a time
		clear(o.parity)
	}
	o.parity[sh.Group] = ps
	return ps[j], nil
}

// member is pr as a member of the transfer, added when it was not heard
// at the offer (a late joiner).
func (o *outgoing) member(pr *presence.Peer) *fileMember {
	mb, ok := o.members[pr.ID]
	if !ok {
		mb = &fileMember{peer: view(pr)}
		o.members[pr.ID] = mb
		o.changed = true
	}
	return mb
}

// onFileNack takes what a receiver still needs of a file we send.
func (e *Engine) onFileNack(now time.Time, p *wire.Packet, pr *presence.Peer) {
	n, err := wire.ParseFileNack(p.Body)
	if err != nil {
		add(&e.stats.Rejected, 1)
		return
	}
	o := e.m.files.out[n.ID]
	if n.Target != e.m.self || o == nil {
		return // another sender's, or over
	}
	o.lastAsk = now
	mb := o.member(pr)
	if mb.status != 0 {
		mb.status, mb.why, o.changed = 0, words.Words{}, true // asks again: not done after all
		mb.need, mb.stalled = 0, 0
	}
	need := 0
	for _, b := range n.Needs {
		need += int(b)
	}
	if mb.need != 0 && need >= mb.need {
		mb.stalled++
	} else {
		mb.stalled = 0
	}
	mb.need = need
	if o.done { // a later pass for a late joiner
		o.done, o.endAt = false, time.Time{}
	}
	refused := false
	bs := int(o.offer.BlockSize)
	_, overrun := o.s.Asked(n, now, func(blocks int) bool {
		// One computer may have the file twice over as parity (a late
		// joiner, with losses); past that, what time earns.
		if o.budget.Allow(now, pr.Host, blocks*bs, int(min(2*o.offer.Size, 1<<40))) {
			return true
		}
		refused = true
		return false
	})
	if refused {
		add(&e.stats.RepairsRefused, 1)
		e.refuse(now, UnreadableRepairFlood, "", pr.Host)
	}
	if overrun {
		o.pacer.Overrun(now)
	}
	if !o.endAt.IsZero() && !o.s.PassSent() {
		o.endAt = time.Time{} // a pass of repairs runs
	}
}

// onFileDone takes a receiver's answer for a file we send.
func (e *Engine) onFileDone(now time.Time, p *wire.Packet, pr *presence.Peer) {
	d, err := wire.ParseFileDone(p.Body)
	if err != nil {
		add(&e.stats.Rejected, 1)
		return
	}
	o := e.m.files.out[d.ID]
	if d.Target != e.m.self || o == nil {
		return
	}
	mb := o.member(pr)
	var why words.Words
	if d.Status == wire.FileFailed {
		why = reasonWords(d.Reason)
	}
	if mb.status != d.Status || mb.why.Text != why.Text {
		mb.status, mb.why, o.changed = d.Status, why, true
	}
	o.lastAsk = now
}

// fileMemberLeft: a member who left counts no more.
func (e *Engine) fileMemberLeft(id wire.SenderID) {
	for _, o := range e.m.files.out {
		if mb, ok := o.members[id]; ok && mb.status == 0 {
			delete(o.members, id)
			o.changed = true
		}
	}
}

// ---- receiving ----

// incoming is a file we receive.
type incoming struct {
	offer    wire.FileOffer
	from     wire.SenderID
	peer     Peer
	host     netip.Addr
	r        *files.Receiver
	w        *fileWriter
	upto     uint64 // groups the sender has sent whole, as far as we know
	nackAt   time.Time
	queued   map[uint64]bool // groups handed to the writer to restore
	retry    map[uint64]bool // groups to restore that the writer had no room for
	state    incomingState
	status   wire.FileStatus
	reason   wire.FileReason
	doneAt   time.Time // when FILE_DONE is next sent
	dones    int       // FILE_DONEs sent since the last offer heard
	reported time.Time
	held     uint64 // blocks held when progress was last reported
	// run holds blocks that follow each other, from runFirst (runN of
	// them), taken since the last hand-off to the writer: a batch of
	// datagrams goes to the writer as one write (flushRuns), not one
	// hand-off per block (a goroutine woken 37 000 times for 50 MB).
	run      []byte
	runFirst uint64
	runN     int
	dirty    bool // in fileSession.dirty
}

type incomingState int

const (
	fetching  incomingState = iota
	finishing               // every block is held: the writer checks and names it
	settled                 // done or failed: answering the sender
)

// onFileOffer takes an offer: a new one is fetched when there is a save
// folder, it fits the limits and its name is a name.
func (e *Engine) onFileOffer(now time.Time, p *wire.Packet, pr *presence.Peer, src netip.AddrPort) {
	o, err := wire.ParseFileOffer(p.Body)
	if err != nil {
		add(&e.stats.Rejected, 1)
		return
	}
	m := e.m
	fs := m.files
	if in := fs.in[o.ID]; in != nil {
		if in.from != p.Sender {
			return // another sender's offer with this id: not this file
		}
		if o.EndOfPass() {
			in.upto, in.nackAt = in.offer.Groups(), now // ask for all, now
		}
		return
	}
	if a := fs.seen[o.ID]; a != nil {
		if a.from == p.Sender {
			a.heard = now
		}
		if a.status != 0 && a.from == p.Sender && now.Sub(a.at) >= time.Second {
			// Still offered: our answer was lost. Say it again.
			a.at = now
			e.answerFile(now, a.from, o.ID, a.status, a.reason)
		}
		return
	}
	// In a room, the presenter signs its offers; in a read-only room
	// nobody else may offer. A recording of the presenter's offer
	// (the judge counted it) is not taken.
	presenter := false
	if r := m.cfg.Room; r != nil {
		switch e.m.judge.Check(now, p, src) {
		case classroom.Recorded:
			return
		case classroom.Current:
			presenter = true
		default:
			if r.ReadOnly {
				add(&e.stats.ReadOnlyDropped, 1)
				e.refuse(now, UnreadableReadOnlyFile, pr.Nick, src.Addr())
				return
			}
		}
	}
	if !fs.takeOffer(src.Addr(), now) {
		add(&e.stats.Ignored, 1)
		e.refuse(now, UnreadableFileFlood, pr.Nick, src.Addr())
		return
	}
	if presenter {
		e.provenPresenter(pr)
	}
	seen := fs.remember(o.ID, now)
	decline := func(r wire.FileReason) {
		seen.from, seen.status, seen.reason = p.Sender, wire.FileFailed, r
		e.answerFile(now, p.Sender, o.ID, wire.FileFailed, r)
	}
	offered := FileOffered{ID: o.ID.String(), From: view(pr), Name: o.Name, Size: int64(o.Size), SHA256: hex.EncodeToString(o.SHA256[:]),
		Presenter: presenter}
	limit := m.cfg.MaxFileSize
	if limit <= 0 {
		limit = DefaultMaxFileSize
	}
	perHost := 0
	for _, in := range fs.in {
		if in.host == src.Addr() {
			perHost++
		}
	}
	switch {
	case m.cfg.SaveDir == "":
		e.queue.Push(offered) // reported, not fetched: the sender need not wait
		decline(wire.FileReasonCanceled)
		return
	case o.Size > uint64(limit):
		e.queue.Push(offered)
		e.fileFailed(offered.ID, o.Name, false, wFileLarger.With(map[string]any{"Limit": byteSize(uint64(limit))}))
		decline(wire.FileReasonTooLarge)
		return
	case len(fs.in) >= maxIncoming || perHost >= maxIncomingPerHost:
		e.queue.Push(offered)
		e.fileFailed(offered.ID, o.Name, false, wFileCrowded.With(nil))
		return
	}
	w, err := startFileWriter(e, m, o)
	if err != nil {
		e.queue.Push(offered)
		e.fileFailed(offered.ID, o.Name, false, failWords(err))
		decline(wire.FileReasonWrite)
		return
	}
	offered.Saving = true
	e.queue.Push(offered)
	in := &incoming{offer: o, from: p.Sender, peer: view(pr), host: src.Addr(), r: files.NewReceiver(o), w: w,
		nackAt: now.Add(fileNackEvery), queued: map[uint64]bool{}, retry: map[uint64]bool{}, reported: now}
	if o.EndOfPass() || o.Pass > 1 {
		in.upto = o.Groups() // joined late: all of it is there to ask for
	}
	fs.in[o.ID] = in
	if o.Size == 0 {
		in.finish()
	}
}

// answerFile sends FILE_DONE to a file's sender.
func (e *Engine) answerFile(now time.Time, to wire.SenderID, id wire.FileID, st wire.FileStatus, r wire.FileReason) {
	e.writeFile(wire.KindFileDone, 0, wire.AppendFileDone(e.m.files.scratch[:0], wire.FileDone{Target: to, ID: id, Status: st, Reason: r}), now)
}

// onFileBlock takes a block or parity block of a file being fetched.
func (e *Engine) onFileBlock(now time.Time, p *wire.Packet) {
	b, err := wire.ParseFileBlock(p.Body)
	if err != nil {
		add(&e.stats.Rejected, 1)
		return
	}
	in := e.m.files.in[b.ID]
	if in == nil || in.from != p.Sender || in.state != fetching {
		return // not fetched (or not from its sender), or all there
	}
	what, sh, restorable := in.r.Take(p.Seq, b.Data)
	switch what {
	case files.Invalid:
		add(&e.stats.Rejected, 1)
		return
	case files.NewBlock:
		if !sh.Parity {
			in.upto = max(in.upto, sh.Group) // groups before this one were sent whole
			e.addToRun(in, in.offer.Index(sh), b.Data)
		}
	}
	if restorable {
		in.restore(sh.Group)
	}
	if in.r.Complete() {
		in.finish()
	}
}

// addToRun adds block i to in's run, handing the run to the writer first
// when i does not follow it or it is full.
func (e *Engine) addToRun(in *incoming, i uint64, data []byte) {
	if in.runN > 0 && (i != in.runFirst+uint64(in.runN) || len(in.run)+len(data) > maxRunOp) {
		in.handRun()
	}
	if in.runN == 0 {
		in.runFirst = i
		if in.run == nil {
			in.run = in.w.buffer()
		}
	}
	in.run = append(in.run, data...)
	in.runN++
	if fs := e.m.files; !in.dirty {
		in.dirty = true
		fs.dirty = append(fs.dirty, in)
	}
}

// handRun hands in's run to the writer. When the writer has no room, its
// blocks are needed again.
func (in *incoming) handRun() {
	if in.runN == 0 {
		return
	}
	if in.w.put(fileOp{kind: opWrite, index: in.runFirst, data: in.run}) {
		in.run = nil
	} else {
		for j := range uint64(in.runN) {
			in.r.Lost(in.runFirst + j) // the writer is behind: asked for again
		}
		in.run = in.run[:0]
	}
	in.runN = 0
}

// flushRuns hands every run to its writer: after each batch of
// datagrams.
func (fs *fileSession) flushRuns() {
	for _, in := range fs.dirty {
		in.dirty = false
		if fs.in[in.offer.ID] == in && in.state == fetching {
			in.handRun()
			if in.r.Complete() {
				in.finish()
			}
		}
	}
	clear(fs.dirty)
	fs.dirty = fs.dirty[:0]
}

// restore hands group g to the writer to restore from parity; when the
// writer has no room, receiveFiles tries again (nothing more of a group
// that can be restored is asked for, so nothing else would).
func (in *incoming) restore(g uint64) {
	if in.queued[g] {
		return
	}
	// The writer restores from what it has written: the run first. If
	// the writer had no room for it, its blocks are needed again, and
	// the group may need more than it holds.
	if in.handRun(); !in.r.Restorable(g) {
		delete(in.retry, g) // said again by the block or parity that makes it so
		return
	}
	held := make([]bool, in.offer.GroupLen(g))
	first := g * uint64(in.offer.Group)
	for i := range held {
		held[i] = in.r.Has(first + uint64(i))
	}
	if in.w.restore(g, held, in.r.Parity(g)) {
		in.queued[g] = true
		delete(in.retry, g)
	} else {
		in.retry[g] = true
	}
}

// finish hands a complete file to the writer to check and name
// (tried again by receiveFiles when the writer has no room).
func (in *incoming) finish() {
	if in.handRun(); !in.r.Complete() {
		return // the writer had no room for the last blocks: asked again
	}
	if in.state == fetching && in.w.finish() {
		in.state = finishing
	}
}

// onFileResult takes what a writer did.
func (e *Engine) onFileResult(r fileResult) {
	m := e.m
	if m == nil || r.owner != m {
		return
	}
	in := m.files.in[r.id]
	if in == nil || in.w != r.w {
		return
	}
	now := e.now()
	id := r.id.String()
	switch {
	case r.err != nil:
		in.state, in.status, in.reason = settled, wire.FileFailed, r.reason
		in.doneAt, in.dones = now, 0
		e.fileFailed(id, in.offer.Name, false, failWords(r.err))
	case r.restored:
		in.r.Restored(r.group)
		delete(in.queued, r.group)
		if in.r.Complete() {
			in.finish()
		}
	case r.path != "":
		in.state, in.status = settled, wire.FileHave
		in.doneAt, in.dones = now, 0
		e.queue.Push(FileProgress{ID: id, Name: in.offer.Name, Done: int64(in.offer.Size), Size: int64(in.offer.Size)})
		e.queue.Push(FileReceived{ID: id, From: in.peer, Name: in.offer.Name, Size: int64(in.offer.Size),
			SHA256: hex.EncodeToString(in.offer.SHA256[:]), Path: r.path})
	}
}

// receiveFiles asks for what is missing, answers senders and reports
// progress.
func (e *Engine) receiveFiles(now time.Time) {
	fs := e.m.files
	for id, in := range fs.in {
		switch in.state {
		case fetching:
			for g := range in.retry {
				in.restore(g)
			}
			if in.r.Complete() {
				in.finish()
			}
			if !now.Before(in.nackAt) {
				if base, needs, ok := in.r.Nack(in.upto); ok {
					e.writeFile(wire.KindFileNack, 0, wire.AppendFileNack(fs.scratch[:0], wire.FileNack{Target: in.from, ID: id, Base: base, Needs: needs}), now)
				}
				in.nackAt = now.Add(fileNackEvery + time.Duration(e.rng.Int64N(int64(fileNackEvery/2))))
			}
			if now.Sub(in.reported) >= fileProgressEvery && in.r.Held() != in.held {
				in.reported, in.held = now, in.r.Held()
				done := min(in.held*uint64(in.offer.BlockSize), in.offer.Size)
				e.queue.Push(FileProgress{ID: id.String(), Name: in.offer.Name, Done: int64(done), Size: int64(in.offer.Size)})
			}
		case settled:
			if in.dones < 3 && !now.Before(in.doneAt) {
				e.answerFile(now, in.from, id, in.status, in.reason)
				in.dones++
				in.doneAt = now.Add(time.Duration(100*in.dones*in.dones) * time.Millisecond) // +0, +100, +400 ms
			}
			if in.dones >= 3 {
				// Answered: over here. A later offer is answered again.
				delete(fs.in, id)
				a := fs.remember(id, now)
				a.from, a.status, a.reason = in.from, in.status, in.reason
			}
		}
	}
}

// fileDeadline is when the transfers next need the loop.
func (fs *fileSession) deadline(now time.Time) time.Time {
	next := now.Add(time.Hour)
	for _, o := range fs.out {
		next = earliest(next, o.offerAt, now.Add(fileProgressEvery))
		if !o.endAt.IsZero() && !o.done {
			next = earliest(next, o.endAt.Add(fileDoneGrace), o.lastAsk.Add(fileDoneGrace/2), o.endAt.Add(fileLonelyGrace), o.endAt.Add(fileSilence))
		}
		if !o.s.PassSent() && (fs.pump == nil || len(fs.pump.free) > 0) {
			// (With every burst out, the pump wakes the loop: Engine.pumped.)
			next = earliest(next, now.Add(o.pacer.Wait()))
		}
		if o.done && !o.until.IsZero() {
			next = earliest(next, o.until)
		}
	}
	for _, in := range fs.in {
		switch in.state {
		case fetching:
			next = earliest(next, in.nackAt, in.reported.Add(fileProgressEvery))
		case settled:
			if in.dones < 3 {
				next = earliest(next, in.doneAt)
			}
		}
	}
	return next
}

// onFile handles the file kinds.
func (e *Engine) onFile(now time.Time, p *wire.Packet, src netip.AddrPort) {
	if e.m.cfg.Plain {
		add(&e.stats.Ignored, 1)
		return
	}
	pr := e.peerFor(now, p, src)
	if pr == nil {
		return
	}
	switch p.Kind {
	case wire.KindFileOffer:
		e.onFileOffer(now, p, pr, src)
	case wire.KindFileBlock:
		e.onFileBlock(now, p)
	case wire.KindFileNack:
		e.onFileNack(now, p, pr)
	case wire.KindFileDone:
		e.onFileDone(now, p, pr)
	}
}

// byteSize words a size: "4.0 GiB".
func byteSize(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// ---- the writer ----

// fileWriter writes one received file: blocks at their offsets in a
// temporary file, groups restored from parity, and at the end the
// SHA-256 checked and the file given its name. It runs in a goroutine of
// its own; the loop hands it work on a bounded queue and hears back on
// Engine.fileResults.
type fileWriter struct {
	ops chan fileOp
	// queued is the bytes of blocks in ops (writerBytes at most); spare
	// holds run buffers written, for the loop's next runs.
	queued atomic.Int64
	spare  chan []byte
	quit   chan struct{}
	e      *Engine
	owner  *session
	id     wire.FileID
	offer  wire.FileOffer
	dir    string
	tmp    string
	f      *os.File
	code   files.Code
	// pending holds blocks that follow each other, written in one go: a
	// first pass arrives in order, and one write per block cost a system
	// call per 1.3 KB (10 receivers on two cores could not keep up).
	pending      []byte
	pendingStart int64  // the file offset of pending
	group        []byte // a group's blocks read back to restore the rest
}

// maxRun bounds the bytes held before they are written; flushAt of them
// are written once nothing else waits, and any after writerIdle.
const (
	maxRun     = 1 << 20
	flushAt    = 256 << 10
	writerIdle = 20 * time.Millisecond
)

// putBlock adds blocks at off to those pending, writing them first when
// they do not follow or the run is full.
func (w *fileWriter) putBlock(off int64, data []byte) error {
	if len(w.pending) > 0 && (off != w.pendingStart+int64(len(w.pending)) || len(w.pending)+len(data) > maxRun) {
		if err := w.flush(); err != nil {
			return err
		}
	}
	if len(w.pending) == 0 {
		w.pendingStart = off
	}
	w.pending = append(w.pending, data...)
	return nil
}

// flush writes what is pending.
func (w *fileWriter) flush() error {
	if len(w.pending) == 0 {
		return nil
	}
	_, err := w.f.WriteAt(w.pending, w.pendingStart)
	w.pending = w.pending[:0]
	return err
}

type fileOp struct {
	kind   int // opWrite, opRestore, opFinish
	index  uint64
	group  uint64
	data   []byte
	held   []bool // opRestore: which of the group's blocks are written
	parity []files.Shard
}

const (
	opWrite = iota
	opRestore
	opFinish
)

type fileResult struct {
	owner    *session
	w        *fileWriter
	id       wire.FileID
	restored bool
	group    uint64
	path     string
	err      error
	reason   wire.FileReason
}

func startFileWriter(e *Engine, m *session, o wire.FileOffer) (*fileWriter, error) {
	dir := m.cfg.SaveDir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fileErr(wFileFolder, err)
	}
	tmp := filepath.Join(dir, ".groupcast-"+o.ID.String()+".part")
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fileErr(wFileWrite, err)
	}
	w := &fileWriter{ops: make(chan fileOp, writerQueue), spare: make(chan []byte, 8), quit: make(chan struct{}), e: e, owner: m, id: o.ID, offer: o, dir: dir, tmp: tmp, f: f}
	go w.run()
	return w, nil
}

// writing is the bytes of blocks waiting for the writers of the files
// being received (on the loop: fs.in is the loop's).
func (fs *fileSession) writing() int64 {
	var n int64
	for _, in := range fs.in {
		if in.w != nil {
			n += in.w.queued.Load()
		}
	}
	return n
}

// put hands op to the writer (on the loop), or reports that the writer is
// too far behind.
func (w *fileWriter) put(op fileOp) bool {
	n := int64(len(op.data))
	if n > 0 && (w.queued.Load()+n > writerBytes || w.owner.files.writing()+n > writersBytes) {
		return false
	}
	w.queued.Add(n)
	select {
	case w.ops <- op:
		return true
	default:
		w.queued.Add(-n)
		return false
	}
}

// buffer is an empty buffer for a run: one the writer is done with, or
// a new one.
func (w *fileWriter) buffer() []byte {
	select {
	case b := <-w.spare:
		return b[:0]
	default:
		return make([]byte, 0, maxRunOp)
	}
}

func (w *fileWriter) restore(g uint64, held []bool, parity []files.Shard) bool {
	return w.put(fileOp{kind: opRestore, group: g, held: held, parity: append([]files.Shard(nil), parity...)})
}

func (w *fileWriter) finish() bool { return w.put(fileOp{kind: opFinish}) }

// abort stops the writer and removes its temporary file.
func (w *fileWriter) abort() {
	select {
	case <-w.quit:
	default:
		close(w.quit)
	}
}

func (w *fileWriter) report(r fileResult) {
	r.owner, r.w, r.id = w.owner, w, w.id
	select {
	case w.e.fileResults <- r:
	case <-w.quit:
	case <-w.e.done:
	}
}

func (w *fileWriter) run() {
	defer func() {
		_ = w.f.Close()
		_ = os.Remove(w.tmp) // gone once renamed; removed if not
	}()
	// Blocks wait in pending until flushAt of them follow each other (a
	// write of 256 KiB, not one per batch of datagrams), or until nothing
	// has come for writerIdle.
	idle := time.NewTimer(time.Hour)
	idle.Stop()
	defer idle.Stop()
	armed := false
	for {
		select {
		case <-w.quit:
			return
		case <-w.e.done:
			return
		case <-idle.C:
			armed = false
			if err := w.flush(); err != nil {
				w.report(fileResult{err: fileErr(wFileWrite, err), reason: wire.FileReasonWrite})
				return
			}
		case op := <-w.ops:
			var err error
			switch op.kind {
			case opWrite:
				err = w.putBlock(int64(op.index)*int64(w.offer.BlockSize), op.data)
				w.queued.Add(-int64(len(op.data)))
				select {
				case w.spare <- op.data:
				default:
				}
			case opRestore:
				if err = w.flush(); err != nil {
					break // a restore reads what was written
				}
				if err = w.restoreGroup(op.group, op.held, op.parity); err == nil {
					w.report(fileResult{restored: true, group: op.group})
				}
			case opFinish:
				if err := w.flush(); err != nil {
					w.report(fileResult{err: fileErr(wFileWrite, err), reason: wire.FileReasonWrite})
					return
				}
				path, reason, ferr := w.finishFile()
				if ferr != nil {
					w.report(fileResult{err: ferr, reason: reason})
					return
				}
				w.report(fileResult{path: path})
				return
			}
			if err == nil && len(w.ops) == 0 && len(w.pending) >= flushAt {
				err = w.flush() // nothing waits: on to the disk
			}
			if len(w.pending) > 0 && !armed {
				idle.Reset(writerIdle)
				armed = true
			}
			if err != nil {
				w.report(fileResult{err: fileErr(wFileWrite, err), reason: wire.FileReasonWrite})
				return
			}
		}
	}
}

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

// SizeText words a size as file managers do, in decimal units: "50.0
// MB", "1.2 kB". ok is false below a kilobyte, which a front end words
// in its own language ("512 bytes").
func SizeText(n int64) (s string, ok bool) {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9), true
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6), true
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3), true
	}
	return "", false
}
