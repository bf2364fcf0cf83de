package main

import (
	"crypto/ed25519"
	"errors"
	"time"

	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/rooms"
)

// sapDelete tries to hide a signed room (-group is the SAP group): it
// waits for one of our rooms' announcements, then sends it back with the
// SAP deletion flag set, a deletion without the presenter's signature,
// and one signed by a key of its own, each a few times.
func (t *tool) sapDelete(wait time.Duration, report map[string]any) error {
	c, err := t.listen(false)
	if err != nil {
		return err
	}
	_ = c.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, 65536)
	var captured []byte
	var room netconf.Room
	for captured == nil {
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			_ = c.Close()
			return errors.New("no room was announced")
		}
		if r, del, err := rooms.ParseSAP(buf[:n]); err == nil && !del && r.PresenterKey != nil {
			captured, room = append([]byte(nil), buf[:n]...), r
		}
	}
	_ = c.Close()
	report["room"] = room.Name
	flipped := append([]byte(nil), captured...)
	flipped[0] |= 1 << 2 // SAP's deletion flag
	unsigned := room
	unsigned.PresenterKey = nil
	plain, err := rooms.AppendSAP(nil, unsigned, true, nil)
	if err != nil {
		return err
	}
	pub, priv, _ := ed25519.GenerateKey(nil)
	mine := room
	mine.PresenterKey = pub
	signed, err := rooms.AppendSAP(nil, mine, true, priv)
	if err != nil {
		return err
	}
	for range 5 {
		for _, b := range [][]byte{flipped, plain, signed} {
			if err := t.writeTo(b, false); err != nil {
				return err
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return nil
}
