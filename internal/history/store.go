// Package history is the store of what Groupcast showed: messages,
// announcements, joins and leaves, files received; kept in SQLite
// (modernc.org/sqlite, pure Go), searchable with FTS5, a private group's
// text sealed at rest. Design: docs/HISTORY.md.
package history

import (
	"crypto/cipher"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// Kind is what a row records.
type Kind int

// Kinds of rows.
const (
	Message Kind = iota + 1
	Announcement
	Joined
	Left
	FileReceived
)

// Record is one thing shown.
type Record struct {
	ID       int64  // the store's row id (0 before it is stored)
	Kind     Kind   //
	Group    string // the conversation: "239.255.3.3:3333" or "room:Physics 101"
	Sender   string // the sender's id (hex), "" for bare text
	Nick     string
	Host     string    // where it came from
	Seq      uint64    // the sender's sequence number; 0 for bare text
	Sent     time.Time // the sender's time (zero when unknown)
	Received time.Time // ours
	Text     string
	Encoding string // how it came: "utf-8", "gbk"…
	Plain    bool   // bare text from another program
	Private  bool   // the group is private: its text is sealed at rest
	// A received file's record.
	FileName, FileSHA256, FilePath string
	// Earlier: a message sent before we were there (a pinned
	// announcement, or caught up from another member's history).
	Earlier bool
	// Presenter: the room's presenter signed it (verified when it came):
	// an announcement, or a message of the presenter's (Kind Message).
	Presenter bool
	// Wire is the datagrams a message came in (netconf.Message.Wire),
	// kept to answer another member's catch-up; sealed at rest with the
	// text in a private group. Not read back by Search.
	Wire [][]byte
}

// Store is one user's history.
type Store struct {
	db   *sql.DB
	path string
	mu   sync.Mutex             // guards keys
	keys map[string]cipher.AEAD // a private group's, by conversation

	// The full-text index is brought up to date by a goroutine of its
	// own (indexer), kicked by Add, a slice at a time; and before any
	// search. indexMu: one indexing at a time.
	kick      chan struct{}
	stop      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
	indexMu   sync.Mutex
	// writeMu: one of this program's write transactions at a time. SQLite
	// makes a second writer poll the lock, sleeping between tries (whole
	// milliseconds and more): a batch waiting so behind the indexer kept
	// a listener to a tenth of its speed, and lost a flood's end.
	writeMu sync.Mutex
}

// maxConns bounds the store's connections: Open says why so few.
const maxConns = 3

// DefaultDir is where a user's history is kept: the system's folder for
// application data.
func DefaultDir() (string, error) {
	switch runtime.GOOS {
	case "windows", "darwin":
		d, err := os.UserConfigDir() // %AppData%, ~/Library/Application Support
		if err != nil {
			return "", err
		}
		return filepath.Join(d, "groupcast"), nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "groupcast"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "share", "groupcast"), nil
}

// Open opens (making it if need be) the store in dir, migrating an older
// schema.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	path := filepath.Join(dir, "history.db")
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_txlock", "immediate") // every transaction writes: take the lock at its start, never upgrade
	// A window keeps its history beside everything else: each connection's
	// page cache at 512 KiB (SQLite's default is 2 MB), and at most
	// maxConns connections (a batch being kept, the indexer, a search).
	q.Add("_pragma", "cache_size(-512)")
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	db.SetMaxOpenConns(maxConns)
	s := &Store{db: db, path: path, keys: map[string]cipher.AEAD{}, kick: make(chan struct{}, 1), stop: make(chan struct{})}
	if err := s.migrate(); err != nil {
		_ = db.Close()
		return nil, err
	}
	s.wg.Add(1)
	go s.indexer()
	s.kick <- struct{}{} // what a program killed left unindexed, in the background: a search indexes it first anyway
	return s, nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close brings the index up to date and closes the store. Closing it
// again does nothing.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.stop)
		s.wg.Wait()
		err = errors.Join(s.index(), s.db.Close())
	})
	return err
}
