// Package fileshare is files to the room (docs/FILES.md), a part of the
// engine (netconf/internal/part) that owns the kinds FILE_OFFER,
// FILE_BLOCK, FILE_NACK and FILE_DONE. The loop owns the bookkeeping of
// every transfer (netconf/internal/files) and makes every datagram; what
// touches a received file's disk runs in one writer goroutine per file
// (fileWriter), so a slow disk holds neither chat nor the network, and a
// file's blocks go out from a goroutine of their own (the pump).
package fileshare

import (
	"net/netip"
	"os"
	"time"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/classroom"
	"github.com/groupcast/groupcast/netconf/internal/ledger"
	"github.com/groupcast/groupcast/netconf/internal/part"
	"github.com/groupcast/groupcast/netconf/internal/presence"
	"github.com/groupcast/groupcast/netconf/wire"
)

// File limits and defaults.
const (
	// DefaultMaxFileSize is the largest offer taken unless
	// Options.MaxFileSize says otherwise.
	DefaultMaxFileSize = 4 << 30
	// DefaultFileRate caps a file's sending, in bits a second, unless
	// Options.FileRate says otherwise.
	DefaultFileRate = 400e6
	// maxIncoming bounds the files being received at once, and
	// maxIncomingPerHost those from one computer.
	maxIncoming        = 16
	maxIncomingPerHost = 4
	// MaxOutgoing bounds the files we send (and hash) at once.
	MaxOutgoing = 4
	// fileOfferEvery: a sender repeats its offer this often while
	// sending, and fileLingerOfferEvery while it stays for late joiners
	// (Timing.FileLinger after every member has it).
	fileOfferEvery       = 500 * time.Millisecond
	fileLingerOfferEvery = 2 * time.Second
	// fileSilence: after an end of pass, members that neither ask nor
	// answer for this long are named as not answering. An answer
	// repeated (to an offer repeated) is not news, and a member named as
	// unable to keep up no longer counts as asking: neither keeps the
	// room from being silent. fileChecking: a receiver that has every
	// block says so this often while it checks the file.
	fileSilence  = 3 * time.Second
	fileChecking = time.Second
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
	// OffersPerHost: new offers taken from one computer, at once and
	// then a second (a computer offering thousands would fill the log);
	// the ledger's purse of offers.
	OffersPerHost = 4
	offersRate    = 0.5
	// fileBurst bounds the blocks sent in one go of the loop.
	fileBurst = 64
)

// Writer sends datagrams on the companion port; the pump also uses
// WriteControlBatch when the writer has it (BatchWriter).
type Writer interface {
	WriteControl(b []byte) error
}

// BatchWriter writes several datagrams to the companion port with one
// system call.
type BatchWriter interface {
	WriteControlBatch(dgrams [][]byte) error
}

// Options is what the part needs of the membership's configuration and
// of the engine.
type Options struct {
	// SaveDir is where received files go ("": offers are reported, not
	// fetched). MaxFileSize is the largest taken (0: DefaultMaxFileSize);
	// FileRate caps sending, in bits a second (0: DefaultFileRate).
	SaveDir     string
	MaxFileSize int64
	FileRate    float64
	// Plain and SendOnly memberships send no files; Plain ones take none.
	Plain, SendOnly bool
	// Linger: a file we sent stays offered this long after every member
	// has answered (Timing.FileLinger).
	Linger time.Duration
	// Judge signs our offers when we present, and judges the presenter's.
	Judge *classroom.Judge
	// Proven marks a member as the room's presenter (its key signed an
	// offer).
	Proven func(pr *presence.Peer)
	// Link is the transport that carries the membership now; the pump it
	// starts writes there (until StopPump). MTU is its interface's MTU
	// (0: not known).
	Link func() Writer
	MTU  func() int
	// Seal seals a burst in place in a private group (buf holds the
	// sealed forms): only the loop seals, as it owns the packet numbers.
	Seal func(dgrams [][]byte, buf []byte) []byte
}

// Part is a membership's transfers; the loop owns it.
type Part struct {
	opts Options
	env  part.Env
	// offers is the ledger's purse of new offers per computer
	// (OffersPerHost).
	offers ledger.PurseID
	// incoming is the ledger's tally of files each computer is sending
	// us (maxIncomingPerHost).
	incoming ledger.TallyID
	out      map[wire.FileID]*outgoing
	in       map[wire.FileID]*incoming
	// seen remembers offers refused or finished here, so they are not
	// taken again, and are answered again while their sender still
	// offers them (bounded: the oldest is forgotten).
	seen    map[wire.FileID]*answered
	scratch []byte
	// pump sends the blocks of the files we send (started with the
	// first).
	pump *filePump
	// hashing: files of ours being hashed before they are offered,
	// closed by Close if the membership ends first.
	hashing map[*os.File]bool
	// dirty: files with a run of blocks to hand to their writer.
	dirty []*incoming
	// quit closes with the part: its goroutines stop posting.
	quit chan struct{}
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

// New is the part of a membership, made with its env.
func New(o Options, env part.Env) *Part {
	pt := &Part{opts: o, env: env, out: map[wire.FileID]*outgoing{}, in: map[wire.FileID]*incoming{},
		seen: map[wire.FileID]*answered{}, hashing: map[*os.File]bool{}, quit: make(chan struct{})}
	pt.offers = env.Ledger().Open(ledger.Purse{Host: ledger.Allowance{Burst: OffersPerHost, PerSecond: offersRate}})
	pt.incoming = env.Ledger().OpenTally(maxIncomingPerHost)
	return pt
}

var _ part.Part = (*Part)(nil)

// Kinds is the file kinds.
func (pt *Part) Kinds() []wire.Kind {
	return []wire.Kind{wire.KindFileOffer, wire.KindFileBlock, wire.KindFileNack, wire.KindFileDone}
}

// Receive handles a datagram of the file kinds.
func (pt *Part) Receive(in *part.In) { pt.onFile(in.Now, in.P, in.Src) }

// Tick hands the runs of the last batch to their writers, sends what is
// due of the files we send, and asks for and answers those we receive.
func (pt *Part) Tick(now time.Time) {
	if len(pt.dirty) > 0 {
		pt.flushRuns() // the batch's blocks, one write per run
	}
	if len(pt.out) > 0 {
		pt.sendFiles(now)
	}
	if len(pt.in) > 0 {
		pt.receiveFiles(now)
	}
}

// NextDeadline is when the transfers next need the loop (zero: none).
func (pt *Part) NextDeadline(now time.Time) time.Time {
	if len(pt.out) == 0 && len(pt.in) == 0 {
		return time.Time{}
	}
	return pt.deadline(now)
}

// PeerLeft: a member who left counts no more.
func (pt *Part) PeerLeft(_ time.Time, pr *presence.Peer) { pt.memberLeft(pr.ID) }

// StopPump stops the pump, which writes to the transport that carried the
// membership: the engine closes that one (the next burst starts a pump
// on the new one).
func (pt *Part) StopPump() {
	if pt.pump != nil {
		pt.pump.stop()
		pt.pump = nil
	}
}

// Close stops every transfer: files sent are closed, files being
// received are dropped with their temporary files, files being hashed
// are closed.
func (pt *Part) Close() {
	select {
	case <-pt.quit:
		return
	default:
		close(pt.quit)
	}
	pt.StopPump()
	for _, o := range pt.out {
		_ = o.f.Close()
	}
	for _, in := range pt.in {
		in.w.abort()
	}
	for f := range pt.hashing {
		_ = f.Close()
	}
	clear(pt.out)
	clear(pt.in)
	clear(pt.hashing)
}

// refuse counts a refused datagram in the ledger (reported once).
func (pt *Part) refuse(now time.Time, r event.UnreadableReason, peer string, host netip.Addr) {
	pt.env.Ledger().Refuse(now, r, peer, host)
}

// view is pr as the user sees it.
func view(pr *presence.Peer) event.Peer {
	return event.Peer{ID: pr.ID, Nick: pr.Nick, Host: pr.Host, LastHeard: pr.LastHeard, Presenter: pr.Presenter}
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
func (pt *Part) remember(id wire.FileID, now time.Time) *answered {
	const maxSeen = 1024
	if len(pt.seen) >= maxSeen {
		forgetOldest(pt.seen, func(a *answered) time.Time {
			if a.heard.After(a.at) {
				return a.heard
			}
			return a.at
		})
	}
	a := &answered{at: now}
	pt.seen[id] = a
	return a
}

// writeFile sends a file datagram of ours. A presenter signs its offers,
// so that members know the file is the presenter's.
func (pt *Part) writeFile(kind wire.Kind, seq uint64, body []byte, now time.Time) {
	p := wire.Packet{Kind: kind, Sender: pt.env.Self(), Seq: seq, Time: now.UnixMicro(), Nick: pt.env.Nick(), Body: body}
	if kind == wire.KindFileOffer && pt.opts.Judge.Presenting() {
		pt.opts.Judge.Sign(&p)
	}
	pt.env.Write(&p)
}

// onFile handles the file kinds.
func (pt *Part) onFile(now time.Time, p *wire.Packet, src netip.AddrPort) {
	if pt.opts.Plain {
		event.Add(&pt.env.Stats().Ignored, 1)
		return
	}
	pr := pt.env.Member(now, p, src)
	if pr == nil {
		return
	}
	switch p.Kind {
	case wire.KindFileOffer:
		pt.onFileOffer(now, p, pr, src)
	case wire.KindFileBlock:
		pt.onFileBlock(now, p)
	case wire.KindFileNack:
		pt.onFileNack(now, p, pr)
	case wire.KindFileDone:
		pt.onFileDone(now, p, pr)
	}
}
