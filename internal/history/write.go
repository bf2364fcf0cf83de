package history

import (
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

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
		(grp, kind, sender, nick, host, seq, sent, received, text, sealed, encoding, plain, private, file_name, file_sha256, file_path, grams, wire, earlier, presenter)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
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
			text, sealed, r.Encoding, r.Plain, r.Private, r.FileName, r.FileSHA256, r.FilePath, bigrams(text), wire, r.Earlier, r.Presenter)
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

// MaxText bounds a row's text: what the engine delivers is far less;
// this is the store's own bound.
const MaxText = 1 << 20

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
