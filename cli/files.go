package cli

import (
	"context"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/groupcast/groupcast/netconf"
)

// Files on the command line: `send -file PATH` offers a file to the
// group and waits until every member has answered; `listen -save DIR`
// saves what is offered. Events print as lines on standard error, or as
// JSON objects (file_offered, file_progress, file_received, file_failed,
// file_receipt).

type (
	jsonFileOffered struct {
		Event  string `json:"event"`
		ID     string `json:"id"`
		From   string `json:"from"`
		Host   string `json:"host"`
		Name   string `json:"name"`
		Size   int64  `json:"size"`
		SHA256 string `json:"sha256"`
		Saving bool   `json:"saving"`
		// Presenter: the room's presenter signed the offer.
		Presenter bool   `json:"presenter"`
		Time      string `json:"time"`
	}
	jsonFileProgress struct {
		Event   string `json:"event"`
		ID      string `json:"id"`
		Name    string `json:"name"`
		Sending bool   `json:"sending"`
		Done    int64  `json:"done"`
		Size    int64  `json:"size"`
		Time    string `json:"time"`
	}
	jsonFileReceived struct {
		Event  string `json:"event"`
		ID     string `json:"id"`
		From   string `json:"from"`
		Name   string `json:"name"`
		Size   int64  `json:"size"`
		SHA256 string `json:"sha256"`
		Path   string `json:"path"`
		// Already: it was in the folder before (not fetched again).
		Already bool   `json:"already,omitempty"`
		Time    string `json:"time"`
	}
	jsonFileFailed struct {
		Event   string `json:"event"`
		ID      string `json:"id,omitempty"`
		Name    string `json:"name"`
		Sending bool   `json:"sending"`
		Reason  string `json:"reason"`
		Time    string `json:"time"`
	}
	jsonFileReceipt struct {
		Event   string            `json:"event"`
		ID      string            `json:"id"`
		Name    string            `json:"name"`
		Members int               `json:"members"` // computers
		People  int               `json:"people"`  // members on them
		Have    []string          `json:"have"`
		Failed  []jsonFileFailure `json:"failed"`
		Waiting []string          `json:"waiting"`
		Done    bool              `json:"done"`
		Time    string            `json:"time"`
	}
	jsonFileFailure struct {
		Who    string `json:"who"`
		Reason string `json:"reason"`
	}
)

// fileJSON is the JSON of a file event, or nil for another event.
func fileJSON(ev netconf.Event) any {
	now := stamp(time.Now())
	switch ev := ev.(type) {
	case netconf.FileOffered:
		return jsonFileOffered{Event: "file_offered", ID: ev.ID, From: ev.From.Nick, Host: hostOf(ev.From), Name: ev.Name, Size: ev.Size, SHA256: ev.SHA256, Saving: ev.Saving, Presenter: ev.Presenter, Time: now}
	case netconf.FileProgress:
		return jsonFileProgress{Event: "file_progress", ID: ev.ID, Name: ev.Name, Sending: ev.Sending, Done: ev.Done, Size: ev.Size, Time: now}
	case netconf.FileReceived:
		return jsonFileReceived{Event: "file_received", ID: ev.ID, From: ev.From.Nick, Name: ev.Name, Size: ev.Size, SHA256: ev.SHA256, Path: ev.Path, Already: ev.Already, Time: now}
	case netconf.FileFailed:
		return jsonFileFailed{Event: "file_failed", ID: ev.ID, Name: ev.Name, Sending: ev.Sending, Reason: ev.Reason, Time: now}
	case netconf.FileReceipt:
		r := jsonFileReceipt{Event: "file_receipt", ID: ev.ID, Name: ev.Name, Members: ev.Members, People: ev.People, Done: ev.Done, Time: now,
			Have: who(ev.Have), Waiting: who(ev.Waiting), Failed: []jsonFileFailure{}}
		for _, f := range ev.Failed {
			r.Failed = append(r.Failed, jsonFileFailure{Who: f.Peer.Nick + " (" + hostOf(f.Peer) + ")", Reason: f.Reason})
		}
		return r
	}
	return nil
}

func who(ps []netconf.Peer) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.Nick+" ("+hostOf(p)+")")
	}
	sort.Strings(out)
	return out
}

// fileText prints a file event for people, and reports whether ev was
// one.
func (p *printer) fileText(ev netconf.Event) bool {
	switch ev := ev.(type) {
	case netconf.FileOffered:
		how := "not saved: listen with -save DIR to save files"
		if ev.Saving {
			how = "saving"
		}
		fmt.Fprintf(p.stderr, "* %s (%s) offers %s (%s, SHA-256 %s…): %s\n", ev.From.Nick, hostOf(ev.From), ev.Name, sizeText(ev.Size), ev.SHA256[:12], how)
	case netconf.FileProgress:
		p.progress(ev)
	case netconf.FileReceived:
		p.endProgress()
		if ev.Already {
			fmt.Fprintf(p.stderr, "* %s from %s is here already: %s\n", ev.Name, ev.From.Nick, ev.Path)
			break
		}
		fmt.Fprintf(p.stderr, "* received %s from %s: %s\n", ev.Name, ev.From.Nick, ev.Path)
	case netconf.FileFailed:
		p.endProgress()
		fmt.Fprintf(p.stderr, "groupcast: %s: %s\n", ev.Name, ev.Reason)
	case netconf.FileReceipt:
		if !ev.Done {
			return true // the final one says it all
		}
		p.endProgress()
		fmt.Fprintf(p.stderr, "* %s: %d of %s have it\n", ev.Name, len(ev.Have), pcs(ev.Members, ev.People))
		for _, f := range ev.Failed {
			fmt.Fprintf(p.stderr, "  %s (%s) %s\n", f.Peer.Nick, hostOf(f.Peer), f.Reason)
		}
	default:
		return false
	}
	return true
}

// progress shows a file's progress on one line of a terminal, rewritten
// in place: "worksheet.pdf: 45% of 50.0 MB, 12.3 MB/s, 3 s left".
func (p *printer) progress(ev netconf.FileProgress) {
	if !p.tty || ev.Size == 0 {
		return
	}
	now := time.Now()
	if p.progressID != ev.ID {
		p.progressID, p.progressStart, p.progressFrom = ev.ID, now, ev.Done
	}
	line := fmt.Sprintf("%s: %d%% of %s", ev.Name, ev.Done*100/ev.Size, sizeText(ev.Size))
	if d := now.Sub(p.progressStart).Seconds(); d > 0.5 && ev.Done > p.progressFrom {
		rate := float64(ev.Done-p.progressFrom) / d
		left := time.Duration(float64(ev.Size-ev.Done)/rate) * time.Second
		line += fmt.Sprintf(", %s/s, %s left", sizeText(int64(rate)), left.Round(time.Second))
	}
	fmt.Fprintf(p.stderr, "\r%-70s", line)
	p.progressShown = true
}

// endProgress ends the progress line before other output.
func (p *printer) endProgress() {
	if p.progressShown {
		fmt.Fprintln(p.stderr)
		p.progressShown = false
	}
}

// sizeText is "50.0 MB" (netconf.SizeText, "… bytes" below a kilobyte).
func sizeText(n int64) string {
	if s, ok := netconf.SizeText(n); ok {
		return s
	}
	return fmt.Sprintf("%d bytes", n)
}

// isTerminal reports whether f is a terminal (a progress line is for
// people, not for a script's log).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// sendFile offers path to the group and waits for its final receipt (or
// its failure), at most fileWait once the file has gone out; the exit
// status says whether every member has it.
func (s *session) sendFile(ctx context.Context, path string) bool {
	s.e.Do(netconf.SendFile{Path: path})
	var f *outFile
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		var ev netconf.Event
		select {
		case <-ctx.Done():
			return true
		case now := <-tick.C:
			if f != nil && f.overdue(time.Time{}, now) {
				s.stopWaiting(f)
				return true
			}
			continue
		case ev = <-s.e.Events():
		}
		if s.handle(ev) {
			return false
		}
		switch ev := ev.(type) {
		case netconf.FileFailed:
			if ev.Sending {
				s.status = ExitFailure
				return true
			}
		case netconf.FileProgress:
			if ev.Sending {
				if f == nil {
					f = &outFile{name: ev.Name}
				}
				f.progress(time.Now(), ev)
			}
		case netconf.FileReceipt:
			if f != nil {
				f.last = ev
			}
			if ev.Done {
				if len(ev.Failed) > 0 {
					s.status = ExitFailure
				}
				return true
			}
		}
	}
}

// checkFile checks -file before joining.
func checkFile(path string) error {
	st, err := os.Stat(path)
	switch {
	case err != nil:
		return err
	case !st.Mode().IsRegular():
		return fmt.Errorf("%s is not a file", path)
	}
	return nil
}
