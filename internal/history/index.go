package history

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// Rows enter the full-text index indexSlice at a time (a few tens of
// milliseconds of holding the write lock, which Add then waits for),
// indexAfter after they came, so that a burst is indexed in full slices:
// not with each batch, as FTS5 then writes and merges a segment per
// statement (9 000 messages a second kept from the engine; 10 000 were
// the target), and not in one piece after a flood, which held Add, and
// so the engine's deliveries, for a second and more.
const (
	indexSlice = 1000
	indexAfter = 200 * time.Millisecond
)

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
