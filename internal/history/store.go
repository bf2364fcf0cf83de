// Package history is the store of what Groupcast showed: messages,
// announcements, joins and leaves, files received; kept in SQLite
// (modernc.org/sqlite, pure Go), searchable with FTS5, a private group's
// text sealed at rest. Design: docs/HISTORY.md.
package history

import (
	"cmp"
	"context"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/hkdf"
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
	// Wire is the datagrams a message came in (netconf.Message.Wire),
	// kept to answer another member's catch-up; sealed at rest with the
	// text in a private group. Not read back by Search.
	Wire [][]byte
}

// schemaVersion is the schema this program writes (PRAGMA user_version).
const schemaVersion = 3

// MaxText bounds a row's text: what the engine delivers is far less;
// this is the store's own bound.
const MaxText = 1 << 20

// migrations[v] takes a database from version v to v+1.
var migrations = []string{
	`CREATE TABLE rows (
		id INTEGER PRIMARY KEY,
		grp TEXT NOT NULL,
		kind INTEGER NOT NULL,
		sender TEXT NOT NULL,
		nick TEXT NOT NULL,
		host TEXT NOT NULL,
		seq INTEGER NOT NULL,
		sent INTEGER NOT NULL,
		received INTEGER NOT NULL,
		text TEXT NOT NULL,
		sealed BLOB,
		encoding TEXT NOT NULL,
		plain INTEGER NOT NULL,
		private INTEGER NOT NULL,
		file_name TEXT NOT NULL,
		file_sha256 TEXT NOT NULL,
		file_path TEXT NOT NULL,
		grams TEXT NOT NULL
	);
	CREATE UNIQUE INDEX rows_once ON rows(grp, sender, kind, seq) WHERE seq > 0;
	CREATE INDEX rows_grp ON rows(grp, id);
	CREATE INDEX rows_received ON rows(received);
	CREATE VIRTUAL TABLE rows_fts USING fts5(text, grams, content='rows', content_rowid='id', tokenize='trigram');
	CREATE TRIGGER rows_ai AFTER INSERT ON rows BEGIN
		INSERT INTO rows_fts(rowid, text, grams) VALUES (new.id, new.text, new.grams);
	END;
	CREATE TRIGGER rows_ad AFTER DELETE ON rows BEGIN
		INSERT INTO rows_fts(rows_fts, rowid, text, grams) VALUES ('delete', old.id, old.text, old.grams);
	END;`,
	// 2: the datagrams a message came in, for catch-up. Rows enter the
	// full-text index a thousand at a time (index), not by a trigger
	// per row: FTS5 writes what it has pending at each statement's
	// savepoint, and a segment a row kept it merging (9 000 rows a
	// second with the engine; 10 000 were the target). indexed is the
	// highest row id in the index; a row deleted before it was indexed
	// has nothing there to delete.
	`ALTER TABLE rows ADD COLUMN wire BLOB;
	DROP TRIGGER rows_ai;
	DROP TRIGGER rows_ad;
	CREATE TABLE indexed (id INTEGER NOT NULL);
	INSERT INTO indexed SELECT coalesce(max(id), 0) FROM rows;
	CREATE TRIGGER rows_ad AFTER DELETE ON rows WHEN old.id <= (SELECT id FROM indexed) BEGIN
		INSERT INTO rows_fts(rows_fts, rowid, text, grams) VALUES ('delete', old.id, old.text, old.grams);
	END;`,
	// 3: a message sent before we were there (pinned, or caught up from
	// another member's history), shown as earlier when reopened too.
	`ALTER TABLE rows ADD COLUMN earlier INTEGER NOT NULL DEFAULT 0;`,
}

// ErrNewer says the store was written by a newer Groupcast.
var ErrNewer = errors.New("history was written by a newer Groupcast; it is left as it is")

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

// Rows enter the full-text index indexSlice at a time (a few tens of
// milliseconds of holding the write lock, which Add then waits for),
// indexAfter after they came, so that a burst is indexed in full slices:
// not with each batch, as FTS5 then writes and merges a segment per
// statement (9 000 messages a second kept from the engine; 10 000 were
// the target), and not in one piece after a flood, which held Add, and
// so the engine's deliveries, for a second and more.
const (
	maxConns   = 3
	indexSlice = 1000
	indexAfter = 200 * time.Millisecond
)

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

// indexer indexes what Add kicks it for, a slice at a time.
func (s *Store) indexer() {
	defer s.wg.Done()
	for {
		select {
		case <-s.stop:
			return
		case <-s.kick:
		}
		select {
		case <-s.stop:
			return
		case <-time.After(indexAfter):
		}
		for {
			n, err := s.indexSome(indexSlice)
			if err != nil || n < indexSlice {
				break // an error is tried again by the next kick, a search or Close
			}
			select {
			case <-s.stop:
				return
			default:
			}
		}
	}
}

// index brings the full-text index up to date.
func (s *Store) index() error {
	for {
		n, err := s.indexSome(indexSlice)
		if err != nil || n < indexSlice {
			return err
		}
	}
}

// indexSome indexes up to n of the rows added since the index was last
// brought up to date, in one transaction, and says how many it did.
func (s *Store) indexSome(n int) (int, error) {
	s.indexMu.Lock()
	defer s.indexMu.Unlock()
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	tx, err := s.db.Begin()
	if err != nil {
		return 0, fmt.Errorf("history: indexing: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
	var from, to int64
	if err := tx.QueryRow(`SELECT id FROM indexed`).Scan(&from); err != nil {
		return 0, fmt.Errorf("history: indexing: %w", err)
	}
	if err := tx.QueryRow(`SELECT coalesce(max(id), ?) FROM (SELECT id FROM rows WHERE id > ? ORDER BY id LIMIT ?)`, from, from, n).Scan(&to); err != nil {
		return 0, fmt.Errorf("history: indexing: %w", err)
	}
	if to == from {
		return 0, nil
	}
	res, err := tx.Exec(`INSERT INTO rows_fts(rowid, text, grams) SELECT id, text, grams FROM rows WHERE id > ? AND id <= ?`, from, to)
	if err != nil {
		return 0, fmt.Errorf("history: indexing: %w", err)
	}
	if _, err := tx.Exec(`UPDATE indexed SET id = ?`, to); err != nil {
		return 0, fmt.Errorf("history: indexing: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("history: indexing: %w", err)
	}
	done, _ := res.RowsAffected()
	return int(done), nil
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

func (s *Store) migrate() error {
	ctx := context.Background()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	defer conn.Close()
	var v int
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	if v > schemaVersion {
		return ErrNewer
	}
	if v == schemaVersion {
		return nil
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
	for ; v < schemaVersion; v++ {
		if _, err := tx.Exec(migrations[v]); err != nil {
			return fmt.Errorf("history: migrating to version %d: %w", v+1, err)
		}
	}
	if _, err := tx.Exec(fmt.Sprintf("PRAGMA user_version = %d", schemaVersion)); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	return tx.Commit()
}

// SetKey gives the store a private group's secret (from its passphrase):
// its rows are sealed with a key derived from it, and can be read (and
// searched) only while it is set.
func (s *Store) SetKey(group string, secret []byte) error {
	k := make([]byte, chacha20poly1305.KeySize)
	if _, err := io.ReadFull(hkdf.New(sha256.New, secret, nil, []byte("groupcast history v1")), k); err != nil {
		return err
	}
	aead, err := chacha20poly1305.NewX(k)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.keys[group] = aead
	s.mu.Unlock()
	return nil
}

// SetPassphrase is SetKey with a private group's passphrase: its secret
// is derived with Argon2id (as the network's key is, with a salt of the
// store's own), so the file gives no faster way to guess it than the
// network does.
func (s *Store) SetPassphrase(group, passphrase string) error {
	secret := argon2.IDKey([]byte(passphrase), []byte("groupcast history "+group), 3, 64*1024, 2, 32)
	return s.SetKey(group, secret)
}

func (s *Store) key(group string) cipher.AEAD {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[group]
}

// ErrNoKey says a private group's row was to be stored without its key.
var ErrNoKey = errors.New("history: a private group's text with no key to seal it")

// Add stores records in one transaction (a batch shown together is
// committed together, before it is shown). A message already stored
// (same conversation, sender, kind and seq) is not stored again; the
// records' IDs are set.
func (s *Store) Add(recs []Record) error {
	if len(recs) == 0 {
		return nil
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	tx, err := s.db.Begin()
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
	ins, err := tx.Prepare(`INSERT OR IGNORE INTO rows
		(grp, kind, sender, nick, host, seq, sent, received, text, sealed, encoding, plain, private, file_name, file_sha256, file_path, grams, wire, earlier)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	defer ins.Close()
	added := 0
	for i := range recs {
		r := &recs[i]
		text, sealed, wire := clip(r.Text), []byte(nil), packWire(r.Wire)
		if r.Private {
			k := s.key(r.Group)
			if k == nil {
				return ErrNoKey
			}
			if sealed, err = sealWith(k, []byte(text), r.Group); err != nil {
				return err
			}
			if wire != nil {
				if wire, err = sealWith(k, wire, r.Group+wireAD); err != nil {
					return err
				}
			}
			text = ""
		}
		res, err := ins.Exec(r.Group, int(r.Kind), r.Sender, r.Nick, r.Host, int64(r.Seq), millis(r.Sent), millis(r.Received),
			text, sealed, r.Encoding, r.Plain, r.Private, r.FileName, r.FileSHA256, r.FilePath, bigrams(text), wire, r.Earlier)
		if err != nil {
			return fmt.Errorf("history: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			r.ID, _ = res.LastInsertId()
			added++
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	if added > 0 {
		select {
		case s.kick <- struct{}{}:
		default: // kicked already
		}
	}
	return nil
}

// clip bounds a text to MaxText bytes, on a rune boundary.
func clip(t string) string {
	if len(t) <= MaxText {
		return t
	}
	cut := MaxText
	for cut > 0 && !utf8.RuneStart(t[cut]) {
		cut--
	}
	return t[:cut]
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// Query says which rows to find. Every field is optional.
type Query struct {
	Group  string    // one conversation
	Words  string    // full text: every word must appear (case-insensitive)
	From   string    // the sender's nick
	Since  time.Time // received at or after
	Until  time.Time // received before
	Before int64     // rows older than this row id (paging back)
	Limit  int       // at most this many (default 50, at most 1 000)
}

const columns = `rows.id, rows.grp, rows.kind, rows.sender, rows.nick, rows.host, rows.seq, rows.sent, rows.received, rows.text, rows.sealed, rows.encoding, rows.plain, rows.private, rows.file_name, rows.file_sha256, rows.file_path, rows.earlier`

// Search finds rows, newest first. A private group's rows are found only
// while its key is set (SetKey), and then only by opening them: their
// text is not in the index.
func (s *Store) Search(q Query) ([]Record, error) {
	if q.Words != "" {
		// Rows this store or another (a window and a listen -history
		// share the file) added since the index was last brought up to
		// date are indexed first: a search finds everything kept.
		var pending bool
		if err := s.db.QueryRow(`SELECT (SELECT coalesce(max(id), 0) FROM rows) > (SELECT id FROM indexed)`).Scan(&pending); err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		if pending {
			if err := s.index(); err != nil {
				return nil, err
			}
		}
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 1000)
	var where []string
	var args []any
	if q.Group != "" {
		where, args = append(where, "rows.grp = ?"), append(args, q.Group)
	}
	if q.From != "" {
		where, args = append(where, "rows.nick = ?"), append(args, q.From)
	}
	if !q.Since.IsZero() {
		where, args = append(where, "rows.received >= ?"), append(args, q.Since.UnixMilli())
	}
	if !q.Until.IsZero() {
		where, args = append(where, "rows.received < ?"), append(args, q.Until.UnixMilli())
	}
	if q.Before > 0 {
		where, args = append(where, "rows.id < ?"), append(args, q.Before)
	}
	words := strings.Fields(q.Words)
	fts := false
	plain := where
	plainArgs := append([]any(nil), args...)
	if len(words) > 0 {
		plain = append(plain, "rows.private = 0")
		var short, m []string
		for _, w := range words {
			switch {
			case utf8.RuneCountInString(w) >= 3:
				// The trigram index: a long word as a phrase of its own.
				m = append(m, `text : "`+strings.ReplaceAll(w, `"`, `""`)+`"`)
			case isCJKPair(w):
				// A two-character Chinese (Japanese, Korean) word: the
				// pairs of characters kept beside the text (bigrams).
				m = append(m, `grams : "`+gramMark+w+gramMark+`"`)
			default:
				short = append(short, w)
			}
		}
		if len(m) > 0 {
			// Joined, not "id IN (…)": the index is then walked newest
			// first and the walk stops at the limit, where a subquery
			// made every hit of a common word first (58 ms for 100 000
			// rows instead of a few).
			plain = append(plain, "rows_fts MATCH ?")
			plainArgs = append(plainArgs, strings.Join(m, " AND "))
			fts = true
		}
		for _, w := range short {
			// Under three characters (but a Chinese pair) the trigram
			// index finds nothing: a scan of what the other conditions
			// leave.
			plain = append(plain, "rows.text LIKE ? ESCAPE '\\'")
			plainArgs = append(plainArgs, "%"+likeEscape(w)+"%")
		}
	}
	out, err := s.queryFrom(fts, plain, plainArgs, limit)
	if err != nil || len(words) == 0 {
		return out, err
	}
	// Private rows, opened one by one with their groups' keys.
	sealed, err := s.searchSealed(where, args, words, limit)
	if err != nil {
		return nil, err
	}
	if len(sealed) == 0 {
		return out, nil
	}
	out = append(out, sealed...)
	sortNewest(out)
	return out[:min(len(out), limit)], nil
}

func likeEscape(w string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(w)
}

func (s *Store) query(where []string, args []any, limit int) ([]Record, error) {
	return s.queryFrom(false, where, args, limit)
}

// queryFrom selects rows, newest first; with fts, joined to the index
// (where has its MATCH).
func (s *Store) queryFrom(fts bool, where []string, args []any, limit int) ([]Record, error) {
	q := "SELECT " + columns + " FROM rows"
	order := "rows.id"
	if fts {
		q = "SELECT " + columns + " FROM rows_fts JOIN rows ON rows.id = rows_fts.rowid"
		order = "rows_fts.rowid"
	}
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY %s DESC LIMIT %d", order, limit)
	return s.records(nil, q, args...)
}

// records appends to out the rows query q finds.
func (s *Store) records(out []Record, q string, args ...any) ([]Record, error) {
	rows, err := s.db.Query(q, args...)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := s.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s *Store) scan(rows *sql.Rows) (Record, error) {
	var r Record
	var kind int
	var seq, sent, received int64
	var sealed []byte
	if err := rows.Scan(&r.ID, &r.Group, &kind, &r.Sender, &r.Nick, &r.Host, &seq, &sent, &received, &r.Text, &sealed,
		&r.Encoding, &r.Plain, &r.Private, &r.FileName, &r.FileSHA256, &r.FilePath, &r.Earlier); err != nil {
		return r, fmt.Errorf("history: %w", err)
	}
	r.Kind, r.Seq, r.Sent, r.Received = Kind(kind), uint64(seq), fromMillis(sent), fromMillis(received)
	if r.Private {
		r.Text = s.open(r.Group, sealed) // "" without the key
	}
	return r, nil
}

// open is a private row's text, "" without its group's key or if it does
// not open.
func (s *Store) open(group string, sealed []byte) string {
	t, _ := openWith(s.key(group), sealed, group)
	return string(t)
}

// sealWith seals b with k (a fresh random nonce in front), bound to ad.
func sealWith(k cipher.AEAD, b []byte, ad string) ([]byte, error) {
	nonce := make([]byte, k.NonceSize(), k.NonceSize()+len(b)+k.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return k.Seal(nonce, nonce, b, []byte(ad)), nil
}

// openWith opens what sealWith sealed; false without the key or if it
// does not open.
func openWith(k cipher.AEAD, sealed []byte, ad string) ([]byte, bool) {
	if k == nil || len(sealed) < k.NonceSize() {
		return nil, false
	}
	n := k.NonceSize()
	b, err := k.Open(nil, sealed[:n], sealed[n:], []byte(ad))
	return b, err == nil
}

// searchSealed opens the private rows of the groups whose keys are set
// and keeps those with every word.
func (s *Store) searchSealed(where []string, args []any, words []string, limit int) ([]Record, error) {
	s.mu.Lock()
	groups := make([]string, 0, len(s.keys))
	for g := range s.keys {
		groups = append(groups, g)
	}
	s.mu.Unlock()
	var out []Record
	for _, g := range groups {
		w := append(append([]string(nil), where...), "rows.private = 1", "rows.grp = ?")
		a := append(append([]any(nil), args...), g)
		before := int64(0)
		for len(out) < limit {
			ww, aa := w, a
			if before > 0 {
				ww, aa = append(ww, "rows.id < ?"), append(aa, before)
			}
			page, err := s.query(ww, aa, 500)
			if err != nil {
				return nil, err
			}
			for _, r := range page {
				if hasAll(r.Text, words) {
					out = append(out, r)
				}
			}
			if len(page) < 500 {
				break
			}
			before = page[len(page)-1].ID
		}
	}
	return out, nil
}

func hasAll(text string, words []string) bool {
	t := strings.ToLower(text)
	for _, w := range words {
		if !strings.Contains(t, strings.ToLower(w)) {
			return false
		}
	}
	return true
}

func sortNewest(rs []Record) {
	slices.SortFunc(rs, func(a, b Record) int { return cmp.Compare(b.ID, a.ID) })
}

// All is every row q finds (its Limit aside), oldest first: an export.
// It pages through the store 1 000 rows at a time; max bounds it (0:
// no bound).
func (s *Store) All(q Query, max int) ([]Record, error) {
	var out []Record
	q.Limit = 1000
	if max > 0 {
		q.Limit = min(max, 1000)
	}
	for {
		page, err := s.Search(q)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < q.Limit || (max > 0 && len(out) >= max) {
			break
		}
		q.Before = page[len(page)-1].ID
	}
	if max > 0 && len(out) > max {
		out = out[:max]
	}
	slices.Reverse(out)
	return out, nil
}

// Recent is a conversation's latest rows before row id before (0: the
// very latest), oldest first: a page of the log.
func (s *Store) Recent(group string, before int64, limit int) ([]Record, error) {
	rs, err := s.Search(Query{Group: group, Before: before, Limit: limit})
	slices.Reverse(rs)
	return rs, err
}

// Last is the newest row of a conversation from a sender with a
// sequence number: where catch-up starts.
func (s *Store) Last(group string) (Record, bool, error) {
	rs, err := s.query([]string{"rows.grp = ?", "rows.seq > 0"}, []any{group}, 1)
	if err != nil || len(rs) == 0 {
		return Record{}, false, err
	}
	return rs[0], true, nil
}

// Forget deletes a conversation's rows.
func (s *Store) Forget(group string) (int64, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	res, err := s.db.Exec("DELETE FROM rows WHERE grp = ?", group)
	if err != nil {
		return 0, fmt.Errorf("history: %w", err)
	}
	return res.RowsAffected()
}

// Prune deletes rows received before t (the setting "keep for").
func (s *Store) Prune(t time.Time) (int64, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	res, err := s.db.Exec("DELETE FROM rows WHERE received < ?", t.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("history: %w", err)
	}
	return res.RowsAffected()
}

// gramMark wraps each pair of characters in grams, so that a pair is
// three characters and more for the trigram index, and matches only a
// whole pair.
const gramMark = "\x01"

// isCJK reports whether r is written without spaces between words: Han,
// Hiragana, Katakana, Hangul.
func isCJK(r rune) bool {
	return r >= 0x1100 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) // below: Latin, Greek, Cyrillic…
}

func isCJKPair(w string) bool {
	n := 0
	for _, r := range w {
		if !isCJK(r) {
			return false
		}
		n++
	}
	return n == 2
}

// bigrams is every pair of neighbouring characters of text's runs of
// Chinese (Japanese, Korean) characters, each wrapped in gramMark: the
// trigram index finds nothing under three characters, and Chinese
// words are mostly two (Lucene's CJK analyzer does the same).
func bigrams(text string) string {
	var b strings.Builder
	var prev rune
	for _, r := range text {
		if isCJK(r) && prev != 0 {
			b.WriteString(gramMark)
			b.WriteRune(prev)
			b.WriteRune(r)
			b.WriteString(gramMark)
			b.WriteByte(' ')
		}
		prev = 0
		if isCJK(r) {
			prev = r
		}
	}
	return b.String()
}
