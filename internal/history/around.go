package history

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
)

// Around is row id in its context: up to n rows of its conversation
// before it, the row, and up to n after it, oldest first (none if there
// is no such row). A search result is shown so.
func (s *Store) Around(id int64, n int) ([]Record, error) {
	var group string
	err := s.db.QueryRow("SELECT grp FROM rows WHERE id = ?", id).Scan(&group)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	n = max(0, min(n, 1000))
	out, err := s.query([]string{"rows.grp = ?", "rows.id <= ?"}, []any{group, id}, n+1)
	if err != nil {
		return nil, err
	}
	slices.Reverse(out)
	if n == 0 {
		return out, nil
	}
	return s.records(out, "SELECT "+columns+" FROM rows WHERE rows.grp = ? AND rows.id > ? ORDER BY rows.id LIMIT ?", group, id, n)
}
