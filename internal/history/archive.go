package history

import (
	"encoding/binary"
	"fmt"
	"slices"
	"time"
)

// wireAD is added to a private conversation's name to seal its rows'
// datagrams: a row's sealed text cannot be passed off as its datagrams.
const wireAD = "\x00wire"

// maxWire bounds what is kept of a message's datagrams: a message is at
// most 64 KiB of text in at most 54 datagrams of at most 1 400 bytes.
const maxWire = 64 * 1400

// packWire lays out a message's datagrams as one blob: each as its
// length (u16) then its bytes. Nil when there are none or they are more
// than a message can be.
func packWire(dgs [][]byte) []byte {
	n := 0
	for _, d := range dgs {
		if len(d) == 0 || len(d) > 0xffff {
			return nil
		}
		n += 2 + len(d)
	}
	if n == 0 || n > maxWire {
		return nil
	}
	b := make([]byte, 0, n)
	for _, d := range dgs {
		b = binary.BigEndian.AppendUint16(b, uint16(len(d)))
		b = append(b, d...)
	}
	return b
}

// unpackWire undoes packWire; false for a blob it did not make.
func unpackWire(b []byte) ([][]byte, bool) {
	var out [][]byte
	for len(b) > 0 {
		if len(b) < 2 {
			return nil, false
		}
		n := int(binary.BigEndian.Uint16(b))
		if n == 0 || len(b) < 2+n {
			return nil, false
		}
		out = append(out, b[2:2+n:2+n])
		b = b[2+n:]
	}
	return out, len(out) > 0
}

// Archive is one conversation's kept messages as catch-up asks for them
// (it satisfies netconf.Archive).
type Archive struct {
	s     *Store
	group string
}

// Archive is the conversation's archive.
func (s *Store) Archive(group string) Archive { return Archive{s: s, group: group} }

// Last is when something of the conversation with a sequence number (a
// Groupcast message, not bare text) was last kept; zero if never.
func (a Archive) Last() (time.Time, error) {
	r, ok, err := a.s.Last(a.group)
	if err != nil || !ok {
		return time.Time{}, err
	}
	return r.Received, nil
}

// Kept is the datagrams of up to max of the latest messages and
// announcements kept since (received at or after it), oldest first. A
// private conversation's are opened with its key; without it there are
// none.
func (a Archive) Kept(since time.Time, max int) ([][][]byte, error) {
	if max <= 0 {
		return nil, nil
	}
	rows, err := a.s.db.Query(`SELECT wire, private FROM rows
		WHERE grp = ? AND received >= ? AND kind IN (?, ?) AND wire IS NOT NULL
		ORDER BY id DESC LIMIT ?`, a.group, since.UnixMilli(), int(Message), int(Announcement), max)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	defer rows.Close()
	k := a.s.key(a.group)
	var out [][][]byte
	for rows.Next() {
		var blob []byte
		var private bool
		if err := rows.Scan(&blob, &private); err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		if private {
			var ok bool
			if blob, ok = openWith(k, blob, a.group+wireAD); !ok {
				continue
			}
		}
		if dgs, ok := unpackWire(blob); ok {
			out = append(out, dgs)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	slices.Reverse(out)
	return out, nil
}
