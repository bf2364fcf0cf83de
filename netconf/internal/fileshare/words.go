package fileshare

import (
	"errors"
	"fmt"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/wire"
	"github.com/groupcast/groupcast/netconf/words"
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
	wFilePlain = words.Define("files cannot be sent as plain text: classic tools have no way to receive them")
	// WFileReadOnly: a student of a read-only room sends a file.
	WFileReadOnly = words.Define("{{.Room}} is read-only: only its presenter may send files")
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
func (pt *Part) fileFailed(id, name string, sending bool, why words.Words) {
	pt.env.Emit(event.FileFailed{ID: id, Name: name, Sending: sending, Reason: why.String(), Why: why})
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

// innermost is the error err wraps at the bottom: the system's words.
func innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}
