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
	s, err := history.Open(dir)
	if err != nil {
		return nil, err
	}
	r := &recorder{store: s, conv: keep.Conv{Group: keep.Conversation(cfg), Private: cfg.Passphrase != ""}}
	if cfg.Passphrase != "" {
		if err := s.SetPassphrase(r.conv.Group, cfg.Passphrase); err != nil {
			s.Close()
			return nil, err
		}
	}
	return r, nil
}

// printKept is session.print with history kept: it holds ev (and its row)
// while more events wait, then commits the rows and prints the events.
func (s *session) printKept(ev netconf.Event) {
	r := s.hist
	if j, ok := ev.(netconf.Joined); ok {
		r.conv.Self = j.Sender
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
		if err == nil && keep.AlreadyKept(ev, r.recs, r.rowOf[i]) {
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
	fs := flag.NewFlagSet("groupcast history", flag.ContinueOnError)
	group := fs.String("group", "", "only this group's conversation (ADDR:PORT)")
	room := fs.String("room", "", "only this room's conversation")
	search := fs.String("search", "", "only messages with all these words (any case; Chinese words of two characters too)")
	from := fs.String("from", "", "only what this person (nick) sent")
	since := fs.String("since", "", "only since this date (2026-11-30, 2026-11-30T14:00, or a duration back: 2h, 7d)")
	limit := fs.Int("limit", 50, "at most this many, the latest (1-1000)")
	asJSON := fs.Bool("json", false, "one JSON object per row")
	export := fs.String("export", "", "write them to FILE instead (all of them, unless -limit): .txt, .html or .json by its name")
	dir := fs.String("dir", "", "the history folder (default: this user's, "+defaultHistoryDir()+")")
	keyFile := fs.String("key-file", "", "with -group or -room: the private group's passphrase, to read its rows (or GROUPCAST_KEY)")
	if code, done := parseFlags(fs, args, stdio); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stdio, fmt.Errorf("unexpected %q: give words to look for with -search", fs.Arg(0)))
	}
	q := history.Query{Words: *search, From: *from, Limit: *limit}
	switch {
	case *group != "" && *room != "":
		return usageError(stdio, errors.New("-group and -room both given: a conversation is one or the other"))
	case *group != "":
		g, err := netconf.ParseGroup(*group)
		if err != nil {
			return usageError(stdio, err)
		}
		q.Group = g.String()
	case *room != "":
		q.Group = "room:" + *room
	}
	if *limit < 1 || *limit > 1000 {
		return usageError(stdio, fmt.Errorf("-limit %d: from 1 to 1000", *limit))
	}
	if *since != "" {
		t, err := parseSince(*since, time.Now())
		if err != nil {
			return usageError(stdio, err)
		}
		q.Since = t
	}
	format := ""
	if *export != "" {
		var ok bool
		if format, ok = history.FormatFor(*export); !ok {
			return usageError(stdio, fmt.Errorf("-export %s: name it .txt, .html or .json, which says how to write it", *export))
		}
	}
	d := *dir
	if d == "" {
		var err error
		if d, err = history.DefaultDir(); err != nil {
			fmt.Fprintf(stdio.Stderr, "groupcast: history: %s\n", err)
			return ExitFailure
		}
	}
	if _, err := os.Stat(filepath.Join(d, "history.db")); err != nil {
		fmt.Fprintf(stdio.Stderr, "groupcast: no history in %s yet (listen and chat keep it with -history; the window keeps it)\n", d)
		return ExitFailure
	}
	o := options{keyFile: *keyFile}
	pass, err := o.passphrase()
	if err != nil {
		return usageError(stdio, err)
	}
	if pass != "" && q.Group == "" {
		if *keyFile != "" {
			return usageError(stdio, errors.New("-key-file is the passphrase of one conversation: say which with -group or -room"))
		}
		pass = "" // GROUPCAST_KEY, set for the network commands: no conversation to read with it
	}
	s, err := history.Open(d)
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "groupcast: %s\n", err)
		return ExitFailure
	}
	defer s.Close()
	if pass != "" {
		if err := s.SetPassphrase(q.Group, pass); err != nil {
			fmt.Fprintf(stdio.Stderr, "groupcast: %s\n", err)
			return ExitFailure
		}
	}
	// An export takes everything found unless -limit says otherwise;
	// rows read oldest first, as a conversation does.
	limited := false
	fs.Visit(func(f *flag.Flag) { limited = limited || f.Name == "limit" })
	max := *limit
	if *export != "" && !limited {
		max = 0
	}
	rows, err := s.All(q, max)
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "groupcast: %s\n", err)
		return ExitFailure
	}
	if format != "" {
		f, err := os.Create(*export)
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
		fmt.Fprintf(stdio.Stderr, "%d rows written to %s\n", len(rows), *export)
		return ExitOK
	}
	format = history.FormatText
	if *asJSON {
		format = history.FormatJSON
	}
	if err := history.Write(stdio.Stdout, rows, format); err != nil {
		return ExitFailure
	}
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
