package history

import (
	"cmp"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

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

const columns = `rows.id, rows.grp, rows.kind, rows.sender, rows.nick, rows.host, rows.seq, rows.sent, rows.received, rows.text, rows.sealed, rows.encoding, rows.plain, rows.private, rows.file_name, rows.file_sha256, rows.file_path, rows.earlier, rows.presenter`

// Search finds rows, newest first. A private group's rows are found only
// while its key is set (SetKey), and then only by opening them: their
// text is not in the index.
func (s *Store) Search(q Query) ([]Record, error) {
	if q.Words != "" {
		if err := s.indexPending(); err != nil {
			return nil, err
		}
	}
	limit := q.limit()
	where, args := q.filters()
	words := strings.Fields(q.Words)
	plain, plainArgs, fts := where, args, false
	if len(words) > 0 {
		w, a, f := wordsWhere(words)
		plain, plainArgs, fts = append(slices.Clip(where), w...), append(slices.Clip(args), a...), f
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

// indexPending indexes the rows this store or another (a window and a
// listen -history share the file) added since the index was last
// brought up to date: a search finds everything kept.
func (s *Store) indexPending() error {
	var pending bool
	if err := s.db.QueryRow(`SELECT (SELECT coalesce(max(id), 0) FROM rows) > (SELECT id FROM indexed)`).Scan(&pending); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	if pending {
		return s.index()
	}
	return nil
}

// limit is how many rows q asks for, within what one search gives.
func (q Query) limit() int {
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	return min(limit, 1000)
}

// filters are q's conditions but its words, private rows and others
// alike.
func (q Query) filters() (where []string, args []any) {
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
	return where, args
}

// wordsWhere is the conditions that find every word in the rows that are
// not private; fts: they match the full-text index, to be joined.
func wordsWhere(words []string) (where []string, args []any, fts bool) {
	where = []string{"rows.private = 0"}
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
		where, args = append(where, "rows_fts MATCH ?"), append(args, strings.Join(m, " AND "))
		fts = true
	}
	for _, w := range short {
		// Under three characters (but a Chinese pair) the trigram
		// index finds nothing: a scan of what the other conditions
		// leave.
		where, args = append(where, "rows.text LIKE ? ESCAPE '\\'"), append(args, "%"+likeEscape(w)+"%")
	}
	return where, args, fts
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
		&r.Encoding, &r.Plain, &r.Private, &r.FileName, &r.FileSHA256, &r.FilePath, &r.Earlier, &r.Presenter); err != nil {
		return r, fmt.Errorf("history: %w", err)
	}
	r.Kind, r.Seq, r.Sent, r.Received = Kind(kind), uint64(seq), fromMillis(sent), fromMillis(received)
	if r.Private {
		r.Text = s.open(r.Group, sealed) // "" without the key
	}
	return r, nil
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
