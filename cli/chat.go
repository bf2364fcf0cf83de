package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/groupcast/groupcast/netconf"
)

// chat sends each line of stdin and prints events; at end of input it
// leaves once every line has been handed to the network, lingering so the
// last lines can still be repaired, and every file offered has its final
// receipt (waited for at most fileWait once the file has gone out). A
// line that cannot be sent (too long, not UTF-8, not writable in the
// chosen encoding) gets an error of its own, the rest is still sent, and
// the command exits 2 at the end. A line "/file PATH" offers
// the file at PATH to the group (as send -file), while chat goes on; a
// room's presenter sends each line as its message, and a line
// "/announce TEXT" as an announcement; a line that begins "//" is sent
// without its first "/".
func (s *session) chat(ctx context.Context, stdio IO, cfg netconf.Config) {
	lines := make(chan inputLine)
	readErr := make(chan error, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() { readErr <- readLines(stdio.Stdin, netconf.TextLimit(cfg), lines, stop) }()
	w := chatWork{sending: map[string]*outFile{}}
	eof := false
	var eofAt time.Time
	var tick <-chan time.Time // after end of input: files waited for too long
	in := lines
	for {
		if eof && w.done() {
			if s.badInput && s.status == ExitOK {
				s.status = ExitUsage
			}
			s.leave(true)
			return
		}
		select {
		case <-ctx.Done():
			s.leave(false)
			return
		case l := <-in:
			s.chatLine(l, cfg, &w)
		case err := <-readErr:
			if err != nil {
				s.out.problem("read input", err)
				s.status = ExitFailure
			}
			eof, in, eofAt = true, nil, time.Now()
			t := time.NewTicker(time.Second)
			defer t.Stop()
			tick = t.C
		case now := <-tick:
			s.overdueFiles(&w, eofAt, now)
		case ev := <-s.e.Events():
			if s.handle(ev) {
				return
			}
			s.chatEvent(ev, &w)
		case <-s.watch.notified():
			if s.roomNews(ctx) {
				return
			}
		}
	}
}

// chatWork is what chat has handed to the engine and waits for before it
// may leave at the end of input.
type chatWork struct {
	pending int                 // lines sent to the engine and not yet confirmed
	offered int                 // files offered, not yet named by the engine
	sending map[string]*outFile // files being sent, by id, until their final receipt
}

func (w *chatWork) done() bool {
	return w.pending == 0 && w.offered == 0 && len(w.sending) == 0
}

// chatLine hands one line of input to the engine: a file to offer, or a
// message.
func (s *session) chatLine(l inputLine, cfg netconf.Config, w *chatWork) {
	if l.text == "" && l.size == 0 {
		return
	}
	if path, ok := strings.CutPrefix(l.text, "/file "); ok {
		path = strings.TrimSpace(path)
		if err := checkFile(path); err != nil {
			s.badInput = true
			s.out.problem(fmt.Sprintf("line %d", l.n), &netconf.InputError{Field: "file", Msg: err.Error()})
			return
		}
		s.e.Do(netconf.SendFile{Path: path})
		w.offered++
		return
	}
	announce := false
	if rest, ok := cutCommand(l.text, "/announce"); ok {
		if msg := announceProblem(cfg, rest); msg != "" {
			s.badInput = true
			s.out.problem(fmt.Sprintf("line %d", l.n), &netconf.InputError{Field: "text", Msg: msg})
			return
		}
		l.text, l.size, announce = rest, l.size-(len(l.text)-len(rest)), true
	}
	if strings.HasPrefix(l.text, "//") {
		l.text, l.size = l.text[1:], l.size-1
	}
	err := netconf.CheckText(cfg, l.text)
	if l.size > len(l.text) {
		err = &netconf.InputError{Field: "text", Msg: fmt.Sprintf("the message is %d bytes; at most %d bytes fit in one message", l.size, netconf.TextLimit(cfg))}
	}
	if err != nil {
		s.badInput = true
		s.out.problem(fmt.Sprintf("line %d", l.n), err)
		return
	}
	s.e.Do(netconf.Send{Text: l.text, Announce: announce})
	w.pending++
}

// cutCommand reports whether line is the line command cmd ("/announce"),
// alone or followed by a space, and returns what follows it, without the
// spaces between.
func cutCommand(line, cmd string) (rest string, ok bool) {
	rest, ok = strings.CutPrefix(line, cmd)
	if !ok || rest != "" && rest[0] != ' ' {
		return "", false
	}
	return strings.TrimLeft(rest, " "), true
}

// announceProblem is why text cannot be announced ("" when it can): only
// a room's presenter announces, and an announcement says something.
func announceProblem(cfg netconf.Config, text string) string {
	switch {
	case cfg.Presenter == nil || cfg.Room == nil:
		return "/announce: only a room's presenter announces (chat -room NAME -present); other lines are sent as messages"
	case strings.TrimSpace(text) == "":
		return "/announce: nothing to announce (/announce TEXT)"
	}
	return ""
}

// chatEvent counts off, in w, what the engine has finished with. A line
// the engine refused as input makes the exit status 2, as chatLine's
// refusals do; a file that failed, or that a member did not get, makes
// it 1.
func (s *session) chatEvent(ev netconf.Event, w *chatWork) {
	switch ev := ev.(type) {
	case netconf.Sent:
		w.pending--
	case netconf.Error:
		if ev.Op == "send" {
			w.pending--
			s.badInput = s.badInput || netconf.IsInputError(ev.Err)
		}
	case netconf.FileProgress:
		if !ev.Sending {
			break
		}
		if f := w.sending[ev.ID]; f != nil {
			f.progress(time.Now(), ev)
		} else if ev.Done == 0 && w.offered > 0 {
			w.offered-- // the engine took it: its first progress
			f := &outFile{name: ev.Name}
			f.progress(time.Now(), ev)
			w.sending[ev.ID] = f
		}
	case netconf.FileReceipt:
		if f := w.sending[ev.ID]; f != nil {
			f.last = ev
			if ev.Done {
				delete(w.sending, ev.ID)
				if len(ev.Failed) > 0 {
					s.status = ExitFailure
				}
			}
		}
	case netconf.FileFailed:
		if ev.Sending {
			if ev.ID == "" {
				w.offered-- // refused before it had an id
			} else {
				delete(w.sending, ev.ID)
			}
			s.status = ExitFailure
		}
	}
}

// overdueFiles stops waiting for the files whose final receipt is
// overdue at now (fileWait), the end of input at start.
func (s *session) overdueFiles(w *chatWork, start, now time.Time) {
	for id, f := range w.sending {
		if f.overdue(start, now) {
			s.stopWaiting(f)
			delete(w.sending, id)
		}
	}
}

// inputLine is one line of standard input: its number, its text without
// the line ending, and its size, which is larger than the text when the
// line was longer than the limit and only its start was kept.
type inputLine struct {
	n    int
	text string
	size int
}

// readLines sends each line of r to out until r ends (nil) or fails. It
// keeps at most limit bytes of a line however long the line is, so a
// 10 MB line costs no more memory than a message, and the lines after it
// are read as usual.
func readLines(r io.Reader, limit int, out chan<- inputLine, stop <-chan struct{}) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for n := 1; ; n++ {
		var kept []byte
		var tail [2]byte // the line's last two bytes, for its ending
		size := 0
		var err error
		for {
			var frag []byte
			frag, err = br.ReadSlice('\n')
			size += len(frag)
			if room := limit + 2 - len(kept); room > 0 {
				kept = append(kept, frag[:min(len(frag), room)]...)
			}
			for _, c := range frag[max(len(frag)-2, 0):] {
				tail[0], tail[1] = tail[1], c
			}
			if err != bufio.ErrBufferFull {
				break
			}
		}
		if size == 0 && err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		switch { // the line ending is not part of the message
		case tail == [2]byte{'\r', '\n'}:
			size -= 2
		case tail[1] == '\n', tail[1] == '\r' && err == io.EOF:
			size--
		}
		text := string(kept[:min(len(kept), size, limit)])
		select {
		case out <- inputLine{n: n, text: text, size: size}:
		case <-stop:
			return nil
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
