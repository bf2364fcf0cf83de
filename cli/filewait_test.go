package cli

import (
	"testing"
	"time"

	"github.com/groupcast/groupcast/netconf"
)

// A file's final receipt is waited for at most fileWait once its blocks
// have all gone out, counted from the end of input when that is later;
// not at all before they have gone out.
func TestFileWaitIsBounded(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	f := &outFile{name: "Worksheet.pdf"}
	f.progress(t0, netconf.FileProgress{Sending: true, Done: 0, Size: 5 << 20})
	if f.overdue(t0, t0.Add(time.Hour)) {
		t.Fatal("overdue before its blocks went out")
	}
	out := t0.Add(2 * time.Second)
	f.progress(out, netconf.FileProgress{Sending: true, Done: 5 << 20, Size: 5 << 20})
	f.progress(out.Add(time.Second), netconf.FileProgress{Sending: true, Done: 5 << 20, Size: 5 << 20})
	for _, c := range []struct {
		eof, now time.Time
		want     bool
	}{
		{t0, out.Add(fileWait - time.Millisecond), false},
		{t0, out.Add(fileWait), true},
		{out.Add(10 * time.Second), out.Add(fileWait + time.Second), false}, // input closed after it went out
		{out.Add(10 * time.Second), out.Add(10*time.Second + fileWait), true},
	} {
		if got := f.overdue(c.eof, c.now); got != c.want {
			t.Errorf("end of input %v, now %v after it went out: overdue %v", c.eof.Sub(out), c.now.Sub(out), got)
		}
	}
	empty := &outFile{}
	empty.progress(t0, netconf.FileProgress{Sending: true})
	if !empty.overdue(t0, t0.Add(fileWait)) {
		t.Fatal("an empty file is not out at once")
	}
}
