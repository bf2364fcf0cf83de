package classroom

import (
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/ledger"
	"github.com/groupcast/groupcast/netconf/wire"
)

// A member's history may hold a room of the same name under another key
// (last term's key, or an impostor's room joined by mistake): it passes
// on only what this room's key signed, and in a read-only room nothing
// unsigned, so a newcomer never calls an honest member a forger (seen in
// the window lesson: "a computer … passed on 2 earlier messages as
// announcements … that its key did not sign").
func TestJudgeVouchesOnlyForThisRoomsKey(t *testing.T) {
	now := time.Unix(2_000_000, 0)
	pub, priv, _ := ed25519.GenerateKey(nil)
	_, oldPriv, _ := ed25519.GenerateKey(nil)
	signed := func(key ed25519.PrivateKey, room, text string, message bool) [][]byte {
		p := wire.Packet{Kind: wire.KindData, Sender: wire.SenderID{1}, Seq: 1, Time: now.UnixMicro(), Nick: "Ms Lee", Body: []byte(text)}
		if key != nil {
			if message {
				wire.SignMessage(&p, key, room, 7, p.Time)
			} else {
				wire.Sign(&p, key, room, 7, p.Time)
			}
		}
		b, err := wire.AppendEncode(nil, &p)
		if err != nil {
			t.Fatal(err)
		}
		return [][]byte{b}
	}
	for _, ro := range []bool{false, true} {
		j := NewJudge(RoomKeys{Room: true, Name: "Chemistry 9", Key: pub, ReadOnly: ro, Version: 7}, now, ledger.New(16), &event.Stats{})
		for _, c := range []struct {
			what string
			msg  [][]byte
			want bool
		}{
			{"this key's announcement", signed(priv, "Chemistry 9", "Open chapter 3", false), true},
			{"this key's message", signed(priv, "Chemistry 9", "Yes", true), true},
			{"another key's announcement", signed(oldPriv, "Chemistry 9", "Old", false), false},
			{"this key, another room", signed(priv, "Physics", "Elsewhere", false), false},
			{"a student's line", signed(nil, "", "hi", false), !ro},
			{"not a datagram", [][]byte{[]byte("junk")}, false},
		} {
			if got := j.Vouches(c.msg); got != c.want {
				t.Errorf("read-only %v, %s: vouched %v, want %v", ro, c.what, got, c.want)
			}
		}
	}
	open := NewJudge(RoomKeys{}, now, ledger.New(16), &event.Stats{})
	if !open.Vouches(signed(oldPriv, "Chemistry 9", "x", false)) {
		t.Error("an open group's member does not pass on what it holds")
	}
}
