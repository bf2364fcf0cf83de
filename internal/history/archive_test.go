package history

import (
	"bytes"
	"database/sql"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// A message's datagrams are kept and come back for catch-up: the latest
// max received since a time, oldest first; a private group's only with
// its key, and sealed at rest.
func TestArchive(t *testing.T) {
	s := openTemp(t)
	base := time.UnixMilli(1_700_000_000_000)
	var recs []Record
	for i := range 5 {
		r := msg("g", "Ann", uint64(i+1), "hello")
		r.Received = base.Add(time.Duration(i) * time.Minute)
		r.Wire = [][]byte{{byte(i), 1, 2}, {byte(i), 3}}
		recs = append(recs, r)
	}
	joined := Record{Kind: Joined, Group: "g", Nick: "Ann", Received: base.Add(10 * time.Minute)}
	plain := msg("g", "tool", 0, "bare")
	plain.Received = base.Add(11 * time.Minute)
	if err := s.Add(append(recs, joined, plain)); err != nil {
		t.Fatal(err)
	}
	a := s.Archive("g")
	if last, err := a.Last(); err != nil || !last.Equal(base.Add(4*time.Minute)) {
		t.Fatalf("last %v, %v", last, err)
	}
	got, err := a.Kept(base.Add(time.Minute), 3)
	if err != nil {
		t.Fatal(err)
	}
	want := [][][]byte{recs[2].Wire, recs[3].Wire, recs[4].Wire}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("kept %v, want %v", got, want)
	}
	if got, _ := a.Kept(base.Add(time.Hour), 10); len(got) != 0 {
		t.Fatalf("nothing since: %v", got)
	}
	if last, err := s.Archive("other").Last(); err != nil || !last.IsZero() {
		t.Fatalf("an empty conversation: %v %v", last, err)
	}

	// Private: sealed at rest, opened only with the key.
	if err := s.SetPassphrase("p", "pass phrase"); err != nil {
		t.Fatal(err)
	}
	secret := msg("p", "Ann", 1, "secret")
	secret.Private, secret.Received, secret.Wire = true, base, [][]byte{[]byte("the secret datagram")}
	if err := s.Add([]Record{secret}); err != nil {
		t.Fatal(err)
	}
	var blob []byte
	if err := s.db.QueryRow("SELECT wire FROM rows WHERE grp = 'p'").Scan(&blob); err != nil || bytes.Contains(blob, []byte("secret")) || len(blob) == 0 {
		t.Fatalf("stored %q, %v", blob, err)
	}
	if got, err := s.Archive("p").Kept(base, 10); err != nil || len(got) != 1 || string(got[0][0]) != "the secret datagram" {
		t.Fatalf("with the key: %q, %v", got, err)
	}
	other, err := Open(filepath.Dir(s.Path()))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if got, err := other.Archive("p").Kept(base, 10); err != nil || len(got) != 0 {
		t.Fatalf("without the key: %q, %v", got, err)
	}
}

// A store of schema version 1 is migrated: its rows stay, and new rows
// keep their datagrams.
func TestMigrateFromVersion1(t *testing.T) {
	dir := t.TempDir()
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(filepath.Join(dir, "history.db")))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{migrations[0], "PRAGMA user_version = 1",
		`INSERT INTO rows (grp, kind, sender, nick, host, seq, sent, received, text, encoding, plain, private, file_name, file_sha256, file_path, grams)
		 VALUES ('g', 1, 'a1', 'Ann', '10.0.0.7', 1, 0, 1700000000000, 'from version 1', '', 0, 0, '', '', '', '')`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var v int
	if err := s.db.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != schemaVersion {
		t.Fatalf("version %d, %v", v, err)
	}
	rs, err := s.Search(Query{Words: "version"})
	if err != nil || len(rs) != 1 || rs[0].Text != "from version 1" {
		t.Fatalf("after migrating: %v, %v", texts(rs), err)
	}
	r := msg("g", "Ann", 2, "new")
	r.Wire = [][]byte{{1}}
	if err := s.Add([]Record{r}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Archive("g").Kept(time.UnixMilli(0), 10); err != nil || len(got) != 1 {
		t.Fatalf("kept %v, %v", got, err)
	}
}

func TestPackWire(t *testing.T) {
	for _, dgs := range [][][]byte{nil, {{}}, {make([]byte, 0x10000)}} {
		if b := packWire(dgs); b != nil {
			t.Errorf("packed %d datagrams into %d bytes", len(dgs), len(b))
		}
	}
	in := [][]byte{{1, 2, 3}, bytes.Repeat([]byte{7}, 1400)}
	if out, ok := unpackWire(packWire(in)); !ok || !reflect.DeepEqual(out, in) {
		t.Fatalf("round trip: %v", ok)
	}
	for _, bad := range [][]byte{{0}, {0, 5, 1}, {0, 0}, nil} {
		if _, ok := unpackWire(bad); ok {
			t.Errorf("unpacked %v", bad)
		}
	}
}

// Rows enter the full-text index in batches; a search, by this store or
// another on the same file, finds every row kept all the same, and so
// does one after the writer was killed before it indexed them.
func TestSearchFindsRowsNotYetIndexed(t *testing.T) {
	dir := t.TempDir()
	w, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Add([]Record{msg("g", "Ann", 1, "written just now 今天考试")}); err != nil {
		t.Fatal(err)
	}
	r, err := Open(dir) // another program on the same file
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := w.Add([]Record{msg("g", "Ann", 2, "and one more after that")}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"just now", "考试", "one more"} {
		rs, err := r.Search(Query{Words: q})
		if err != nil || len(rs) != 1 {
			t.Fatalf("search %q from the other store: %v, %v", q, texts(rs), err)
		}
	}
	if rs, err := w.Search(Query{Words: "more after"}); err != nil || len(rs) != 1 {
		t.Fatalf("search by the writer: %v, %v", texts(rs), err)
	}
	// Forget deletes rows indexed and not yet indexed alike, and the
	// index stays sound.
	if err := w.Add([]Record{msg("g", "Ann", 3, "never indexed")}); err != nil {
		t.Fatal(err)
	}
	if n, err := w.Forget("g"); err != nil || n != 3 {
		t.Fatalf("forgot %d, %v", n, err)
	}
	if _, err := w.db.Exec(`INSERT INTO rows_fts(rows_fts) VALUES ('integrity-check')`); err != nil {
		t.Fatalf("index after forgetting: %v", err)
	}
	w.Close()
}

func TestCloseTwice(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("closed again: %v", err)
	}
}
