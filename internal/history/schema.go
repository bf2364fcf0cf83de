package history

import (
	"context"
	"errors"
	"fmt"
)

// schemaVersion is the schema this program writes (PRAGMA user_version).
const schemaVersion = 4

// ErrNewer says the store was written by a newer Groupcast.
var ErrNewer = errors.New("history was written by a newer Groupcast; it is left as it is")

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
	// 4: a message the room's presenter signed (its message, or an
	// announcement), shown as the presenter's when reopened too.
	`ALTER TABLE rows ADD COLUMN presenter INTEGER NOT NULL DEFAULT 0;`,
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
