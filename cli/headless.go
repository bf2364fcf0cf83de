package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/rooms"
)

// runHeadless runs listen, send or chat: it checks the command's flags
// and text, then runs the session (runSession).
func runHeadless(ctx context.Context, cmd string, args []string, stdio IO) int {
	var o options
	fs, h := newHeadlessFlags(cmd, &o)
	if code, done := parseFlags(fs, args, stdio); done {
		return code
	}
	text, err := commandText(cmd, fs, h.file)
	if err != nil {
		return usageError(stdio, err)
	}
	o.say = newRoomSay(stdio, o.json)
	defer func() { _ = o.watch.stop() }() // o.watch is set while the room is looked for
	cfg, created, err := headlessConfig(ctx, cmd, text, fs, &o, h)
	if err != nil {
		return setupFailed(stdio, err)
	}
	if cmd == "send" {
		_ = o.watch.stop() // it has its room: nothing to follow
		o.watch = nil
	}
	sayBeforeJoining(stdio, o.warnings, cfg)
	var rec *recorder
	if h.keep || h.keepDir != "" {
		if rec, err = openRecorder(h.keepDir, cfg); err != nil {
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
	return runSession(ctx, cmd, text, h, cfg, created, o.json, stdio, rec, o.watch)
}

// setupFailed reports why a command could not start, and returns its
// exit status: 2 for the user's input, 1 when the room waited for was not
// announced in -room-wait or the network failed, 0 when interrupted
// while waiting.
func setupFailed(stdio IO, err error) int {
	var expired *WaitExpiredError
	var failed *roomWaitError
	switch {
	case errors.Is(err, errInterrupted):
		return ExitOK
	case errors.As(err, &expired):
		fmt.Fprintf(stdio.Stderr, "groupcast: %s\n", oneLine(err.Error()))
		return ExitFailure
	case errors.As(err, &failed):
		fmt.Fprintf(stdio.Stderr, "groupcast: wait for the room: %s\n", oneLine(netconf.Explain(failed.err)))
		return ExitFailure
	}
	return usageError(stdio, err)
}

// headlessFlags are the flags of listen, send and chat beyond the options
// every network command shares.
type headlessFlags struct {
	file     string // send -file
	announce bool   // send -announce
	save     string // -save: the folder files offered are saved in
	maxFile  int64  // -max-file-size, MB
	keep     bool   // -history
	keepDir  string // -history-dir
}

// newHeadlessFlags makes cmd's flag set: each command gets only the flags
// that mean something to it (send keeps no history, listen offers no file).
func newHeadlessFlags(cmd string, o *options) (*flag.FlagSet, *headlessFlags) {
	fs := flag.NewFlagSet("groupcast "+cmd, flag.ContinueOnError)
	h := &headlessFlags{}
	o.register(fs, "group")
	fs.BoolVar(&o.json, "json", false, "print one JSON object per event")
	if cmd == "send" || cmd == "chat" {
		if cmd == "send" {
			fs.StringVar(&h.file, "file", "", "offer this file to everyone in the group, and wait until each has it or has failed")
			fs.BoolVar(&h.announce, "announce", false, "with -room NAME -present: send TEXT as an announcement (pinned on top, receipts), not as a message")
		}
		fs.Float64Var(&o.fileRate, "file-rate", 0, "files sent: at most this many Mbit/s (default 400)")
	}
	if cmd != "send" {
		fs.BoolVar(&h.keep, "history", false, "keep what is shown in this user's history (groupcast history reads it)")
		fs.StringVar(&h.keepDir, "history-dir", "", "with -history: keep it in this folder instead")
		fs.StringVar(&h.save, "save", "", "save files offered to the group in this folder")
		fs.Int64Var(&h.maxFile, "max-file-size", 0, "with -save: the largest file taken, in MB (default 4096)")
	}
	return fs, h
}

// commandText is what send sends, from the words after the flags; listen
// and chat take none, so words there are most likely a mistaken command.
func commandText(cmd string, fs *flag.FlagSet, file string) (string, error) {
	if cmd != "send" {
		if fs.NArg() > 0 {
			return "", fmt.Errorf("unexpected %q: %s takes no text (did you mean send?)", fs.Arg(0), cmd)
		}
		return "", nil
	}
	text := strings.Join(fs.Args(), " ")
	if text == "" && file == "" {
		return "", errors.New("nothing to send: give the message after the options, e.g. groupcast send -group 239.255.3.3:3333 hello, or a file with -file PATH")
	}
	if file != "" {
		if err := checkFile(file); err != nil {
			return "", err
		}
	}
	return text, nil
}

// headlessConfig is the engine's configuration for cmd, and the room to
// announce if any. Every error it returns is the user's input.
func headlessConfig(ctx context.Context, cmd, text string, fs *flag.FlagSet, o *options, h *headlessFlags) (netconf.Config, *netconf.Room, error) {
	cfg, err := o.config()
	if err != nil {
		return cfg, nil, err
	}
	cfg.SaveDir, cfg.MaxFileSize, cfg.FileRate = h.save, h.maxFile*1e6, o.fileRate*1e6
	if h.file != "" && cfg.Plain {
		return cfg, nil, errors.New("-file cannot go with -plain: classic tools have no way to receive a file")
	}
	// Bare text asks for no repairs: sending it needs no receiver, so it
	// works even where a classic program holds the port alone.
	cfg.SendOnly = cmd == "send" && cfg.Plain
	announce, err := o.setupRoom(ctx, cmd, flagGiven(fs, "group"), &cfg)
	if err != nil {
		return cfg, nil, err
	}
	if cmd == "send" && text != "" {
		// After setupRoom: a presenter's messages are signed, leaving less
		// room for text.
		if err := netconf.CheckText(cfg, text); err != nil {
			return cfg, nil, err
		}
	}
	switch {
	case h.announce && cfg.Presenter == nil:
		return cfg, nil, &netconf.InputError{Field: "announce", Msg: "-announce needs -room NAME -present: only a room's presenter announces"}
	case h.announce && text == "":
		return cfg, nil, &netconf.InputError{Field: "announce", Msg: "-announce needs the TEXT to announce"}
	}
	return cfg, announce, nil
}

// sayBeforeJoining writes the setup's warnings and, for a presenter, the
// room's key on standard error.
func sayBeforeJoining(stdio IO, warnings []string, cfg netconf.Config) {
	for _, w := range warnings {
		fmt.Fprintf(stdio.Stderr, "warning: %s\n", w)
	}
	if cfg.Presenter != nil && cfg.Room != nil {
		// What students compare with the lists when two rooms claim the name.
		fmt.Fprintf(stdio.Stderr, "* presenting %s with key %s\n", cfg.Room.Name, rooms.Fingerprint(cfg.Room.PresenterKey))
	}
}

// runSession joins the group with cfg, announces the room when created
// is set (we made it), and runs cmd (listen, send text, or chat) until it
// ends. It returns the command's exit status.
func runSession(ctx context.Context, cmd, text string, h *headlessFlags, cfg netconf.Config, created *netconf.Room, asJSON bool, stdio IO, rec *recorder, watch *roomWatch) int {
	out := newPrinter(stdio, asJSON, cmd == "chat")
	if f, ok := stdio.Stderr.(*os.File); ok && !asJSON {
		out.tty = isTerminal(f)
	}
	defer out.flush()
	e := netconf.New()
	defer e.Close()
	s := &session{e: e, out: out, hist: rec, watch: watch}
	defer s.flushKept()
	if !s.join(ctx, cfg) {
		return s.status
	}
	oneThread()
	if created != nil {
		var a *rooms.Announcer
		var err error
		if cfg.NATS.URL != "" {
			a, err = rooms.AnnounceNATS(*created, cfg.NATS, cfg.Presenter) // no network here: through the server
		} else {
			a, err = rooms.Announce(*created, s.joined.Interface, cfg.Presenter)
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
		if h.file != "" {
			if text != "" {
				s.e.Do(netconf.Send{Text: text, Announce: h.announce})
			}
			if s.sendFile(ctx, h.file) {
				s.leave(true)
			}
			break
		}
		s.send(ctx, netconf.Send{Text: text, Announce: h.announce})
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
