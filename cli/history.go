package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/groupcast/groupcast/internal/history"
	"github.com/groupcast/groupcast/internal/keep"
	"github.com/groupcast/groupcast/netconf"
)

// recorder keeps what a headless command shows (listen/chat -history):
// the events of a burst are held until the engine has no more waiting,
// their rows committed in one transaction, and only then printed, so
// that what was printed is in the store even after kill -9.
type recorder struct {
	store  *history.Store
	conv   keep.Conv // the conversation, whether private, and who we are in it
	held   []netconf.Event
	recs   []history.Record
	rowOf  []int // held[i]'s row in recs, -1 for none
	warned bool
}

// maxHeld bounds a batch: a stream that never pauses is still committed
// and printed every maxHeld events.
const maxHeld = 256

func openRecorder(dir string, cfg netconf.Config) (*recorder, error) {
	if dir == "" {
		d, err := history.DefaultDir()
		if err != nil {
			return nil, fmt.Errorf("history: no folder for it: %w", err)
		}
		dir = d
	}
	conv := keep.Conv{Group: keep.Conversation(cfg), Private: cfg.Passphrase != ""}
	s, err := openHistory(dir, conv.Group, cfg.Passphrase)
	if err != nil {
		return nil, err
	}
	return &recorder{store: s, conv: conv}, nil
}

// printKept is session.print with history kept: it holds ev (and its row)
// while more events wait, then commits the rows and prints the events.
func (s *session) printKept(ev netconf.Event) {
	r := s.hist
	if j, ok := ev.(netconf.Joined); ok {
		r.conv.Self, r.conv.Joined = j.Sender, time.Now()
	}
	r.held = append(r.held, ev)
	row := -1
	if rec, ok := keep.Row(ev, r.conv, time.Now()); ok {
		row, r.recs = len(r.recs), append(r.recs, rec)
	}
	r.rowOf = append(r.rowOf, row)
	if len(s.e.Events()) > 0 && len(r.held) < maxHeld {
		return
	}
	s.flushKept()
}

// flushKept commits the rows held and prints their events. A store that
// fails (a full disk) is said once; what was received is still shown.
func (s *session) flushKept() {
	r := s.hist
	if r == nil || len(r.held) == 0 {
		return
	}
	err := r.store.Add(r.recs)
	if err != nil && !r.warned {
		r.warned = true
		s.out.problem("keep history", err)
	}
	for i, ev := range r.held {
		if err == nil && r.conv.AlreadyKept(ev, r.recs, r.rowOf[i]) {
			continue // caught up, but kept before: shown then
		}
		s.out.event(ev)
	}
	s.out.flush()
	clear(r.held)
	clear(r.recs)
	r.held, r.recs, r.rowOf = r.held[:0], r.recs[:0], r.rowOf[:0]
}

// runHistory is "groupcast history": what was kept, searched, printed or
// exported.
func runHistory(_ context.Context, args []string, stdio IO) int {
	fs, f := newHistoryFlags()
	if code, done := parseFlags(fs, args, stdio); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stdio, fmt.Errorf("unexpected %q: give words to look for with -search", fs.Arg(0)))
	}
	q, err := f.query()
	if err != nil {
		return usageError(stdio, err)
	}
	format, err := exportFormat(f.export)
	if err != nil {
		return usageError(stdio, err)
	}
	d, err := historyDir(f.dir)
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "groupcast: %s\n", err)
		return ExitFailure
	}
	pass, err := f.passphrase(q.Group)
	if err != nil {
		return usageError(stdio, err)
	}
	s, err := openHistory(d, q.Group, pass)
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "groupcast: %s\n", err)
		return ExitFailure
	}
	defer s.Close()
	// An export takes everything found unless -limit says otherwise;
	// rows read oldest first, as a conversation does.
	max := f.limit
	if f.export != "" && !flagGiven(fs, "limit") {
		max = 0
	}
	rows, err := s.All(q, max)
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "groupcast: %s\n", err)
		return ExitFailure
	}
	if format != "" {
		return exportRows(stdio, f.export, rows, format)
	}
	format = history.FormatText
	if f.asJSON {
		format = history.FormatJSON
	}
	if err := history.Write(stdio.Stdout, rows, format); err != nil {
		return ExitFailure
	}
	return ExitOK
}

// historyFlags are the flags of groupcast history.
type historyFlags struct {
	group, room, search, from, since string
	limit                            int
	asJSON                           bool
	export, dir, keyFile             string
}

func newHistoryFlags() (*flag.FlagSet, *historyFlags) {
	fs := flag.NewFlagSet("groupcast history", flag.ContinueOnError)
	f := &historyFlags{}
	fs.StringVar(&f.group, "group", "", "only this group's conversation (ADDR:PORT)")
	fs.StringVar(&f.room, "room", "", "only this room's conversation")
	fs.StringVar(&f.search, "search", "", "only messages with all these words (any case; Chinese words of two characters too)")
	fs.StringVar(&f.from, "from", "", "only what this person (nick) sent")
	fs.StringVar(&f.since, "since", "", "only since this date (2026-11-30, 2026-11-30T14:00, or a duration back: 2h, 7d)")
	fs.IntVar(&f.limit, "limit", 50, "at most this many, the latest (1-1000)")
	fs.BoolVar(&f.asJSON, "json", false, "one JSON object per row")
	fs.StringVar(&f.export, "export", "", "write them to FILE instead (all of them, unless -limit): .txt, .html or .json by its name")
	fs.StringVar(&f.dir, "dir", "", "the history folder (default: this user's, "+defaultHistoryDir()+")")
	fs.StringVar(&f.keyFile, "key-file", "", "with -group or -room: the private group's passphrase, to read its rows (or GROUPCAST_KEY)")
	return fs, f
}

// query is what the flags ask the store for. Every error it returns is
// the user's input.
func (f *historyFlags) query() (history.Query, error) {
	q := history.Query{Words: f.search, From: f.from, Limit: f.limit}
	switch {
	case f.group != "" && f.room != "":
		return q, errors.New("-group and -room both given: a conversation is one or the other")
	case f.group != "":
		g, err := netconf.ParseGroup(f.group)
		if err != nil {
			return q, err
		}
		q.Group = g.String()
	case f.room != "":
		q.Group = "room:" + f.room
	}
	if f.limit < 1 || f.limit > 1000 {
		return q, fmt.Errorf("-limit %d: from 1 to 1000", f.limit)
	}
	if f.since != "" {
		t, err := parseSince(f.since, time.Now())
		if err != nil {
			return q, err
		}
		q.Since = t
	}
	return q, nil
}

// exportFormat is how -export writes its file, which its name says; ""
// without -export.
func exportFormat(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	format, ok := history.FormatFor(path)
	if !ok {
		return "", fmt.Errorf("-export %s: name it .txt, .html or .json, which says how to write it", path)
	}
	return format, nil
}

// historyDir is the history folder to read: dir, or this user's. A
// folder that holds no history yet is an error, rather than an empty
// store made by reading it.
func historyDir(dir string) (string, error) {
	if dir == "" {
		d, err := history.DefaultDir()
		if err != nil {
			return "", fmt.Errorf("history: %w", err)
		}
		dir = d
	}
	if _, err := os.Stat(filepath.Join(dir, "history.db")); err != nil {
		return "", fmt.Errorf("no history in %s yet (listen and chat keep it with -history; the window keeps it)", dir)
	}
	return dir, nil
}

// passphrase is the passphrase to read conversation's private rows with,
// or "".
func (f *historyFlags) passphrase(conversation string) (string, error) {
	o := options{keyFile: f.keyFile}
	pass, err := o.passphrase()
	if err != nil {
		return "", err
	}
	if pass != "" && conversation == "" {
		if f.keyFile != "" {
			return "", errors.New("-key-file is the passphrase of one conversation: say which with -group or -room")
		}
		return "", nil // GROUPCAST_KEY, set for the network commands: no conversation to read with it
	}
	return pass, nil
}

// openHistory opens the store in dir; with pass, conversation's private
// rows can be read and kept.
func openHistory(dir, conversation, pass string) (*history.Store, error) {
	s, err := history.Open(dir)
	if err != nil {
		return nil, err
	}
	if pass != "" {
		if err := s.SetPassphrase(conversation, pass); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// exportRows writes rows to a new file at path, in format, and says how
// many it wrote. It returns the command's exit status.
func exportRows(stdio IO, path string, rows []history.Record, format string) int {
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "groupcast: %s\n", err)
		return ExitFailure
	}
	err = history.Write(f, rows, format)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "groupcast: export: %s\n", err)
		return ExitFailure
	}
	fmt.Fprintf(stdio.Stderr, "%d rows written to %s\n", len(rows), path)
	return ExitOK
}

func defaultHistoryDir() string {
	d, err := history.DefaultDir()
	if err != nil {
		return "none found"
	}
	return d
}

// parseSince reads a date, a date and time (local), or a duration back
// from now ("7d" is seven days).
func parseSince(s string, now time.Time) (time.Time, error) {
	for _, layout := range []string{"2006-01-02", "2006-01-02T15:04", "2006-01-02 15:04", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		if _, err := fmt.Sscanf(n, "%d", &days); err == nil && days >= 0 && fmt.Sprint(days) == n {
			return now.AddDate(0, 0, -days), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("-since %q: give a date (2026-11-30), a date and time (2026-11-30T14:00), or how long back (2h, 7d)", s)
}
