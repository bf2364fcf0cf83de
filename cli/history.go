package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/groupcast/groupcast/internal/history"
	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/wire"
)

// recorder keeps what a headless command shows (listen/chat -history):
// the events of a burst are held until the engine has no more waiting,
// their rows committed in one transaction, and only then printed, so
// that what was printed is in the store even after kill -9.
type recorder struct {
	store   *history.Store
	group   string
	private bool // the group's text is sealed at rest
	self    wire.SenderID
	held    []netconf.Event
	recs    []history.Record
	warned  bool
}

// maxHeld bounds a batch: a stream that never pauses is still committed
// and printed every maxHeld events.
const maxHeld = 256

// conversation is how a membership's history is named: the room, or the
// group's address.
func conversation(cfg netconf.Config) string {
	if cfg.Room != nil && cfg.Room.Name != "" {
		return "room:" + cfg.Room.Name
	}
	return cfg.Group.String()
}

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
	r := &recorder{store: s, group: conversation(cfg), private: cfg.Passphrase != ""}
	if cfg.Passphrase != "" {
		if err := s.SetPassphrase(r.group, cfg.Passphrase); err != nil {
			s.Close()
			return nil, err
		}
	}
	return r, nil
}

// row is the row an event makes, if it makes one.
func (r *recorder) row(ev netconf.Event) (history.Record, bool) {
	now := time.Now()
	base := history.Record{Group: r.group, Private: r.private, Received: now}
	switch ev := ev.(type) {
	case netconf.Message:
		base.Kind = history.Message
		if ev.Announcement {
			base.Kind = history.Announcement
		}
		if !ev.Plain {
			base.Sender, base.Seq = ev.Sender.String(), ev.Seq
		}
		base.Nick, base.Host, base.Text, base.Encoding, base.Plain = ev.From, ev.Source.Addr().String(), ev.Text, ev.Encoding, ev.Plain
		base.Sent, base.Received = ev.Sent, ev.Received
		if base.Received.IsZero() {
			base.Received = now
		}
		return base, true
	case netconf.Sent:
		base.Kind, base.Nick, base.Text, base.Sent, base.Plain = history.Message, ev.Nick, ev.Text, ev.Time, ev.Plain
		if !ev.Plain {
			base.Sender, base.Seq = r.self.String(), ev.Seq
		}
		return base, true
	case netconf.PeerJoined:
		base.Kind, base.Sender, base.Nick, base.Host = history.Joined, ev.Peer.ID.String(), ev.Peer.Nick, ev.Peer.Host.String()
		return base, true
	case netconf.PeerLeft:
		base.Kind, base.Sender, base.Nick, base.Host = history.Left, ev.Peer.ID.String(), ev.Peer.Nick, ev.Peer.Host.String()
		return base, true
	case netconf.FileReceived:
		base.Kind, base.Sender, base.Nick, base.Host = history.FileReceived, ev.From.ID.String(), ev.From.Nick, ev.From.Host.String()
		base.FileName, base.FileSHA256, base.FilePath = ev.Name, ev.SHA256, ev.Path
		return base, true
	}
	return history.Record{}, false
}

// printKept is session.print with history kept: it holds ev (and its row)
// while more events wait, then commits the rows and prints the events.
func (s *session) printKept(ev netconf.Event) {
	r := s.hist
	if j, ok := ev.(netconf.Joined); ok {
		r.self = j.Sender
	}
	r.held = append(r.held, ev)
	if rec, ok := r.row(ev); ok {
		r.recs = append(r.recs, rec)
	}
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
	if err := r.store.Add(r.recs); err != nil && !r.warned {
		r.warned = true
		s.out.problem("keep history", err)
	}
	for _, ev := range r.held {
		s.out.event(ev)
	}
	s.out.flush()
	clear(r.held)
	r.held, r.recs = r.held[:0], r.recs[:0]
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
		switch strings.ToLower(filepath.Ext(*export)) {
		case ".txt", ".text":
			format = "txt"
		case ".html", ".htm":
			format = "html"
		case ".json":
			format = "json"
		default:
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
	s, err := history.Open(d)
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "groupcast: %s\n", err)
		return ExitFailure
	}
	defer s.Close()
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
		err = writeRows(f, rows, format)
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
	if *asJSON {
		format = "json"
	} else {
		format = "txt"
	}
	if err := writeRows(stdio.Stdout, rows, format); err != nil {
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

var kindNames = map[history.Kind]string{history.Message: "message", history.Announcement: "announcement",
	history.Joined: "joined", history.Left: "left", history.FileReceived: "file"}

// rowJSON is a row as JSON.
type rowJSON struct {
	Event    string `json:"event"`
	ID       int64  `json:"id"`
	Kind     string `json:"kind"`
	Group    string `json:"group"`
	Sender   string `json:"sender,omitempty"`
	Nick     string `json:"nick"`
	Host     string `json:"host,omitempty"`
	Seq      uint64 `json:"seq,omitempty"`
	Sent     string `json:"sent,omitempty"`
	Received string `json:"received"`
	Text     string `json:"text,omitempty"`
	Sealed   bool   `json:"sealed,omitempty"`
	Encoding string `json:"encoding,omitempty"`
	Plain    bool   `json:"plain,omitempty"`
	FileName string `json:"file_name,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
	Path     string `json:"path,omitempty"`
}

// rowText is how a row reads: what the message, join, leave or file was.
func rowText(r history.Record) string {
	switch r.Kind {
	case history.Joined:
		return fmt.Sprintf("* %s (%s) joined", r.Nick, r.Host)
	case history.Left:
		return fmt.Sprintf("* %s (%s) left", r.Nick, r.Host)
	case history.FileReceived:
		return fmt.Sprintf("* file %s from %s, saved as %s", r.FileName, r.Nick, r.FilePath)
	}
	text := r.Text
	if r.Private && text == "" {
		text = "(private: not readable without the group's passphrase)"
	}
	who := r.Nick
	if r.Kind == history.Announcement {
		who = "📢 " + who
	}
	return who + ": " + text
}

func writeRows(w io.Writer, rows []history.Record, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, r := range rows {
			j := rowJSON{Event: "history", ID: r.ID, Kind: kindNames[r.Kind], Group: r.Group, Sender: r.Sender, Nick: r.Nick, Host: r.Host,
				Seq: r.Seq, Received: r.Received.Format(time.RFC3339Nano), Text: r.Text, Sealed: r.Private && r.Text == "",
				Encoding: r.Encoding, Plain: r.Plain, FileName: r.FileName, SHA256: r.FileSHA256, Path: r.FilePath}
			if !r.Sent.IsZero() {
				j.Sent = r.Sent.Format(time.RFC3339Nano)
			}
			if err := enc.Encode(j); err != nil {
				return err
			}
		}
		return nil
	case "html":
		fmt.Fprint(w, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Groupcast history</title></head><body>\n<table>\n")
		for _, r := range rows {
			fmt.Fprintf(w, "<tr><td>%s</td><td>%s</td><td>%s</td></tr>\n", r.Received.Format("2006-01-02 15:04:05"),
				html.EscapeString(r.Group), html.EscapeString(rowText(r)))
		}
		_, err := fmt.Fprint(w, "</table>\n</body></html>\n")
		return err
	}
	for _, r := range rows {
		if _, err := fmt.Fprintf(w, "%s [%s] %s\n", r.Received.Format("2006-01-02 15:04:05"), r.Group, strings.ReplaceAll(rowText(r), "\n", "\n    ")); err != nil {
			return err
		}
	}
	return nil
}
