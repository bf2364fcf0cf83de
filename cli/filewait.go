package cli

import (
	"fmt"
	"time"

	"github.com/groupcast/groupcast/netconf"
)

// fileWait bounds how long chat, at end of its input, and send -file wait
// for a file's final receipt once the file's blocks have all gone out
// once (counted from the end of input, when that is later). The engine
// decides well before (docs/FILES.md: a PC silent 3 s after a pass is
// named as not answering, one that asks without getting further as
// unable to keep up; one gone times out in 5 s): this is the safety net
// that ends the command whatever the members do. Then the command leaves
// as usual, lingering at most 15 s.
const fileWait = 30 * time.Second

// outFile is a file we send, waited for until its final receipt.
type outFile struct {
	name string
	out  time.Time           // when its blocks had all gone out once (zero: not yet)
	last netconf.FileReceipt // its latest receipt
}

// progress notes a progress of the file, at now.
func (f *outFile) progress(now time.Time, ev netconf.FileProgress) {
	if f.out.IsZero() && ev.Done >= ev.Size {
		f.out = now
	}
}

// due is when waiting for f ends, the wait counted from start at the
// earliest (zero: its blocks have not all gone out yet).
func (f *outFile) due(start time.Time) time.Time {
	if f.out.IsZero() {
		return time.Time{}
	}
	if start.After(f.out) {
		return start.Add(fileWait)
	}
	return f.out.Add(fileWait)
}

// overdue reports whether waiting for f is over at now, the wait counted
// from start at the earliest.
func (f *outFile) overdue(start, now time.Time) bool {
	due := f.due(start)
	return !due.IsZero() && !now.Before(due)
}

// stopWaiting says that f's final receipt is no longer waited for: the
// exit status is 1, as for a file some PC did not get.
func (s *session) stopWaiting(f *outFile) {
	s.status = ExitFailure
	r := f.last
	s.out.problem("send "+f.name, fmt.Errorf("no final receipt %v after the file went out (%d of %d PCs have it): not waiting longer",
		fileWait, len(r.Have), r.Members))
}
