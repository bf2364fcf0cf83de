package fileshare

import (
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/groupcast/groupcast/netconf/internal/files"
	"github.com/groupcast/groupcast/netconf/wire"
)

// fileWriter writes one received file: blocks at their offsets in a
// temporary file, groups restored from parity, and at the end the
// SHA-256 checked and the file given its name. It runs in a goroutine of
// its own; the loop hands it work on a bounded queue and hears back
// through Env.Post.
type fileWriter struct {
	ops chan fileOp
	// queued is the bytes of blocks in ops (writerBytes at most); spare
	// holds run buffers written, for the loop's next runs.
	queued atomic.Int64
	spare  chan []byte
	quit   chan struct{}
	pt     *Part
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
	w        *fileWriter
	id       wire.FileID
	restored bool
	group    uint64
	path     string
	err      error
	reason   wire.FileReason
}

// startWriter makes the temporary file of o in the folder for files and
// starts its writer.
func (pt *Part) startWriter(o wire.FileOffer) (*fileWriter, error) {
	dir := pt.opts.SaveDir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fileErr(wFileFolder, err)
	}
	tmp := filepath.Join(dir, ".groupcast-"+o.ID.String()+".part")
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fileErr(wFileWrite, err)
	}
	w := &fileWriter{ops: make(chan fileOp, writerQueue), spare: make(chan []byte, 8), quit: make(chan struct{}), pt: pt, id: o.ID, offer: o, dir: dir, tmp: tmp, f: f}
	pt.env.Go(w.run)
	return w, nil
}

// writing is the bytes of blocks waiting for the writers of the files
// being received (on the loop: pt.in is the loop's).
func (pt *Part) writing() int64 {
	var n int64
	for _, in := range pt.in {
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
	if n > 0 && (w.queued.Load()+n > writerBytes || w.pt.writing()+n > writersBytes) {
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

// report hands r to the loop (unless the writer was stopped).
func (w *fileWriter) report(r fileResult) {
	r.w, r.id = w, w.id
	pt := w.pt
	pt.env.Post(w.quit, func(now time.Time) { pt.onFileResult(now, r) })
}

// failWrite reports that the file could not be written.
func (w *fileWriter) failWrite(err error) {
	w.report(fileResult{err: fileErr(wFileWrite, err), reason: wire.FileReasonWrite})
}

// run does what the loop hands over until the file is finished, fails,
// or the writer is stopped (abort, or the engine's done).
func (w *fileWriter) run(done <-chan struct{}) {
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
		case <-done:
			return
		case <-idle.C:
			armed = false
			if err := w.flush(); err != nil {
				w.failWrite(err)
				return
			}
		case op := <-w.ops:
			over, err := w.do(op)
			if over {
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
				w.failWrite(err)
				return
			}
		}
	}
}

// do does op; over: the file is finished or failed, and said so.
func (w *fileWriter) do(op fileOp) (over bool, err error) {
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
			return false, err // a restore reads what was written
		}
		if err = w.restoreGroup(op.group, op.held, op.parity); err == nil {
			w.report(fileResult{restored: true, group: op.group})
		}
	case opFinish:
		w.finishUp()
		return true, nil
	}
	return false, err
}

// finishUp writes what is pending, checks the file and names it, and
// says how that went.
func (w *fileWriter) finishUp() {
	if err := w.flush(); err != nil {
		w.failWrite(err)
		return
	}
	path, reason, err := w.finishFile()
	if err != nil {
		w.report(fileResult{err: err, reason: reason})
		return
	}
	w.report(fileResult{path: path})
}
