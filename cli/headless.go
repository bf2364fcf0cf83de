package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/rooms"
)

// leaveTimeout bounds how long a command waits for the engine to confirm
// it left: lingering (netconf.Timing.LingerMax, 15 s) plus a margin.
const leaveTimeout = 25 * time.Second

// runHeadless runs listen, send or chat: it checks the command's flags
// and text, then runs the session (runSession).
func runHeadless(ctx context.Context, cmd string, args []string, stdio IO) int {
	fs := flag.NewFlagSet("groupcast "+cmd, flag.ContinueOnError)
	var o options
	o.register(fs, "group")
	fs.BoolVar(&o.json, "json", false, "print one JSON object per event")
	var file, save string
	var maxFile int64
	if cmd == "send" || cmd == "chat" {
		if cmd == "send" {
			fs.StringVar(&file, "file", "", "offer this file to everyone in the group, and wait until each has it or has failed")
		}
		fs.Float64Var(&o.fileRate, "file-rate", 0, "files sent: at most this many Mbit/s (default 400)")
	}
	var keep bool
	var keepDir string
	if cmd != "send" {
		fs.BoolVar(&keep, "history", false, "keep what is shown in this user's history (groupcast history reads it)")
		fs.StringVar(&keepDir, "history-dir", "", "with -history: keep it in this folder instead")
		fs.StringVar(&save, "save", "", "save files offered to the group in this folder")
		fs.Int64Var(&maxFile, "max-file-size", 0, "with -save: the largest file taken, in MB (default 4096)")
	}
	if code, done := parseFlags(fs, args, stdio); done {
		return code
	}
	var text string
	switch cmd {
	case "send":
		text = strings.Join(fs.Args(), " ")
		if text == "" && file == "" {
			return usageError(stdio, errors.New("nothing to send: give the message after the options, e.g. groupcast send -group 239.255.3.3:3333 hello, or a file with -file PATH"))
		}
		if file != "" {
			if err := checkFile(file); err != nil {
				return usageError(stdio, err)
			}
		}
	default:
		if fs.NArg() > 0 {
			return usageError(stdio, fmt.Errorf("unexpected %q: %s takes no text (did you mean send?)", fs.Arg(0), cmd))
		}
	}
	cfg, err := o.config()
	if err != nil {
		return usageError(stdio, err)
	}
	cfg.SaveDir, cfg.MaxFileSize, cfg.FileRate = save, maxFile*1e6, o.fileRate*1e6
	if file != "" && cfg.Plain {
		return usageError(stdio, errors.New("-file cannot go with -plain: classic tools have no way to receive a file"))
	}
	// Bare text asks for no repairs: sending it needs no receiver, so it
	// works even where a classic program holds the port alone.
	cfg.SendOnly = cmd == "send" && cfg.Plain
	groupGiven := false
	fs.Visit(func(f *flag.Flag) { groupGiven = groupGiven || f.Name == "group" })
	announce, err := o.setupRoom(ctx, cmd, groupGiven, &cfg)
	if err != nil {
		return usageError(stdio, err)
	}
	if cmd == "send" && text != "" {
		if err := netconf.CheckText(cfg, text); err != nil {
			return usageError(stdio, err)
		}
	}
	for _, w := range o.warnings {
		fmt.Fprintf(stdio.Stderr, "warning: %s\n", w)
	}
	if cfg.Presenter != nil && cfg.Room != nil {
		// What students compare with the lists when two rooms claim the name.
		fmt.Fprintf(stdio.Stderr, "* presenting %s with key %s\n", cfg.Room.Name, rooms.Fingerprint(cfg.Room.PresenterKey))
	}
	var rec *recorder
	if keep || keepDir != "" {
		if rec, err = openRecorder(keepDir, cfg); err != nil {
			fmt.Fprintf(stdio.Stderr, "groupcast: %s\n", err)
			return ExitFailure
		}
		defer rec.store.Close()
		if cmd != "send" {
			// What we keep answers others who were away; and we ask, on
			// joining, for what we missed while away.
			cfg.Archive = rec.store.Archive(rec.conv.Group)
		}
	}
	return runSession(ctx, cmd, text, file, cfg, announce, o.json, stdio, rec)
}

// runSession joins the group with cfg, announces the room when announce
// is set, and runs cmd (listen, send text, or chat) until it ends. It
// returns the command's exit status.
func runSession(ctx context.Context, cmd, text, file string, cfg netconf.Config, announce *netconf.Room, asJSON bool, stdio IO, rec *recorder) int {
	out := newPrinter(stdio, asJSON, cmd == "chat")
	if f, ok := stdio.Stderr.(*os.File); ok && !asJSON {
		out.tty = isTerminal(f)
	}
	defer out.flush()
	e := netconf.New()
	defer e.Close()
	s := &session{e: e, out: out, hist: rec}
	defer s.flushKept()
	if !s.join(ctx, cfg) {
		return s.status
	}
	oneThread()
	if announce != nil {
		var a *rooms.Announcer
		var err error
		if cfg.NATS.URL != "" {
			a, err = rooms.AnnounceNATS(*announce, cfg.NATS, cfg.Presenter) // no network here: through the server
		} else {
			a, err = rooms.Announce(*announce, s.joined.Interface, cfg.Presenter)
		}
		if err != nil {
			s.out.problem("announce the room", err)
			s.leave(false)
			return ExitFailure
		}
		defer a.Close() // announces the room's end
	}
	switch cmd {
	case "listen":
		s.listen(ctx)
	case "send":
		if file != "" {
			if text != "" {
				s.e.Do(netconf.Send{Text: text})
			}
			if s.sendFile(ctx, file) {
				s.leave(true)
			}
			break
		}
		s.send(ctx, text)
	case "chat":
		s.chat(ctx, stdio, cfg)
	}
	return s.status
}

// oneThread runs the rest of a headless command on one OS thread at a
// time (GOMAXPROCS 1), unless GOMAXPROCS is set. Its work is a chain of
// goroutines handing each message on (reader → engine loop → this
// command), and with a second processor idle Go wakes a thread for every
// hand-off, which finds nothing to do and sleeps again: perf showed 46% of
// a streaming sender's time in the kernel's task switching, and between
// two lab hosts (groupcast bench -lab) the engine sent 19 000-25 000 msg/s
// with two processors against 29 000-34 000 with one. The kernel's share
// of the work (sending, receiving) still runs on any CPU. It is set after
// joining: deriving a passphrase's key uses two threads.
func oneThread() {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
}

// session drives one engine membership for a headless command.
type session struct {
	e        *netconf.Engine
	out      *printer
	status   int
	joined   netconf.Joined
	badInput bool      // some input could not be sent (chat goes on; exit 2 at the end)
	hist     *recorder // -history: what is shown is kept first
}

// join waits for the membership or its failure.
func (s *session) join(ctx context.Context, cfg netconf.Config) bool {
	s.e.Do(netconf.Join{Config: cfg})
	for {
		select {
		case <-ctx.Done():
			s.status = ExitOK
			return false
		case ev := <-s.e.Events():
			s.print(ev)
			switch ev := ev.(type) {
			case netconf.Joined:
				s.joined = ev
				return true
			case netconf.Error:
				s.status = ExitFailure
				if netconf.IsInputError(ev.Err) {
					s.status = ExitUsage
				}
				return false
			}
		}
	}
}

// print prints ev, flushing standard output unless another event is
// already waiting.
func (s *session) print(ev netconf.Event) {
	if s.hist != nil {
		s.printKept(ev)
		return
	}
	s.out.event(ev)
	if len(s.e.Events()) == 0 {
		s.out.flush()
	}
}

// handle prints ev and reports whether the membership has ended.
func (s *session) handle(ev netconf.Event) (ended bool) {
	s.print(ev)
	if l, ok := ev.(netconf.Left); ok {
		if l.Err != nil {
			s.status = ExitFailure
		}
		return true
	}
	return false
}

func (s *session) listen(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			s.leave(false)
			return
		case ev := <-s.e.Events():
			if s.handle(ev) {
				return
			}
		}
	}
}

func (s *session) send(ctx context.Context, text string) {
	s.e.Do(netconf.Send{Text: text})
	for {
		select {
		case <-ctx.Done():
			s.leave(false)
			return
		case ev := <-s.e.Events():
			if s.handle(ev) {
				return
			}
			switch ev := ev.(type) {
			case netconf.Sent:
				s.leave(true) // answer repair requests until the group is quiet
				return
			case netconf.Error:
				if ev.Op == "send" {
					s.status = ExitFailure
					s.leave(true)
					return
				}
			}
		}
	}
}

// chat sends each line of stdin and prints events; at end of input it
// leaves once every line has been handed to the network, lingering so the
// last lines can still be repaired, and every file offered has its final
// receipt. A line that cannot be sent (too long, not UTF-8, not writable
// in the chosen encoding) gets an error of its own, the rest is still
// sent, and the command exits 2 at the end. A line "/file PATH" offers
// the file at PATH to the group (as send -file), while chat goes on; a
// line that begins "//" is sent without its first "/".
func (s *session) chat(ctx context.Context, stdio IO, cfg netconf.Config) {
	lines := make(chan inputLine)
	readErr := make(chan error, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() { readErr <- readLines(stdio.Stdin, netconf.TextLimit(cfg), lines, stop) }()
	pending := 0                 // lines sent to the engine and not yet confirmed
	offered := 0                 // files offered, not yet named by the engine
	sending := map[string]bool{} // files being sent, by id, until their final receipt
	eof := false
	in := lines
	for {
		if eof && pending == 0 && offered == 0 && len(sending) == 0 {
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
			if l.text == "" && l.size == 0 {
				continue
			}
			if path, ok := strings.CutPrefix(l.text, "/file "); ok {
				path = strings.TrimSpace(path)
				if err := checkFile(path); err != nil {
					s.badInput = true
					s.out.problem(fmt.Sprintf("line %d", l.n), &netconf.InputError{Field: "file", Msg: err.Error()})
					continue
				}
				s.e.Do(netconf.SendFile{Path: path})
				offered++
				continue
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
				continue
			}
			s.e.Do(netconf.Send{Text: l.text})
			pending++
		case err := <-readErr:
			if err != nil {
				s.out.problem("read input", err)
				s.status = ExitFailure
			}
			eof, in = true, nil
		case ev := <-s.e.Events():
			if s.handle(ev) {
				return
			}
			switch ev := ev.(type) {
			case netconf.Sent:
				pending--
			case netconf.Error:
				if ev.Op == "send" {
					pending--
					s.badInput = s.badInput || netconf.IsInputError(ev.Err)
				}
			case netconf.FileProgress:
				if ev.Sending && ev.Done == 0 && offered > 0 && !sending[ev.ID] {
					offered-- // the engine took it: its first progress
					sending[ev.ID] = true
				}
			case netconf.FileReceipt:
				if ev.Done && sending[ev.ID] {
					delete(sending, ev.ID)
					if len(ev.Failed) > 0 {
						s.status = ExitFailure
					}
				}
			case netconf.FileFailed:
				if ev.Sending {
					if ev.ID == "" {
						offered-- // refused before it had an id
					} else {
						delete(sending, ev.ID)
					}
					s.status = ExitFailure
				}
			}
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

// leave asks the engine to leave (lingering, or at once) and prints
// events until it has.
func (s *session) leave(linger bool) {
	s.e.Do(netconf.Leave{Linger: linger})
	timeout := time.After(leaveTimeout)
	for {
		select {
		case ev, ok := <-s.e.Events():
			if !ok || s.handle(ev) {
				return
			}
		case <-timeout:
			s.out.problem("leave", errors.New("the engine did not confirm leaving in time"))
			s.status = ExitFailure
			return
		}
	}
}
