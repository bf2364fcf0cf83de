package keep

import (
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/groupcast/groupcast/internal/history"
	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/wire"
)

func TestConversation(t *testing.T) {
	g := netip.MustParseAddrPort("239.255.3.3:3333")
	if c := Conversation(netconf.Config{Group: g}); c != "239.255.3.3:3333" {
		t.Errorf("a group: %q", c)
	}
	if c := Conversation(netconf.Config{Group: g, Room: &netconf.Room{Name: "Physics 101", Group: g}}); c != "room:Physics 101" {
		t.Errorf("a room: %q", c)
	}
}

// Each event shown makes the row it should, the others none.
func TestRow(t *testing.T) {
	self := wire.SenderID{1, 2, 3, 4, 5, 6, 7, 8}
	bob := wire.SenderID{9, 9, 9, 9, 9, 9, 9, 9}
	c := Conv{Group: "room:Physics 101", Private: true, Self: self}
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	sent, received := now.Add(-2*time.Second), now.Add(-time.Second)
	src := netip.MustParseAddrPort("10.0.0.9:50112")
	peer := netconf.Peer{ID: bob, Nick: "Bob", Host: netip.MustParseAddr("10.0.0.9")}
	wireData := [][]byte{{1, 2, 3}, {4, 5}}

	for _, tc := range []struct {
		name string
		ev   netconf.Event
		want history.Record
	}{
		{"message", netconf.Message{From: "Bob", Sender: bob, Seq: 7, Sent: sent, Received: received, Source: src, Text: "hello 世界", Encoding: "utf-8", Wire: wireData, CaughtUp: true, Earlier: true},
			history.Record{Kind: history.Message, Group: c.Group, Private: true, Sender: bob.String(), Nick: "Bob", Host: "10.0.0.9", Seq: 7, Sent: sent, Received: received, Text: "hello 世界", Encoding: "utf-8", Wire: wireData, Earlier: true}},
		{"announcement", netconf.Message{From: "Ms Lee", Sender: bob, Seq: 2, Source: src, Text: "Exam on Tuesday", Announcement: true, Presenter: true},
			history.Record{Kind: history.Announcement, Group: c.Group, Private: true, Sender: bob.String(), Nick: "Ms Lee", Host: "10.0.0.9", Seq: 2, Received: now, Text: "Exam on Tuesday", Presenter: true}},
		{"the presenter's message", netconf.Message{From: "Ms Lee", Sender: bob, Seq: 3, Source: src, Text: "Yes, chapter 3 only.", Presenter: true},
			history.Record{Kind: history.Message, Group: c.Group, Private: true, Sender: bob.String(), Nick: "Ms Lee", Host: "10.0.0.9", Seq: 3, Received: now, Text: "Yes, chapter 3 only.", Presenter: true}},
		{"bare text", netconf.Message{From: "10.0.0.9:50112", Sender: bob, Seq: 3, Source: src, Received: received, Text: "hi", Plain: true, Encoding: "gbk"},
			history.Record{Kind: history.Message, Group: c.Group, Private: true, Nick: "10.0.0.9:50112", Host: "10.0.0.9", Received: received, Text: "hi", Plain: true, Encoding: "gbk"}},
		{"sent", netconf.Sent{Seq: 5, Time: sent, Nick: "Alice", Text: "mine"},
			history.Record{Kind: history.Message, Group: c.Group, Private: true, Sender: self.String(), Nick: "Alice", Seq: 5, Sent: sent, Received: now, Text: "mine"}},
		{"announced", netconf.Sent{Seq: 6, Time: sent, Nick: "Alice", Text: "Exam on Tuesday", Announcement: true, Presenter: true, Wire: wireData},
			history.Record{Kind: history.Announcement, Group: c.Group, Private: true, Sender: self.String(), Nick: "Alice", Seq: 6, Sent: sent, Received: now, Text: "Exam on Tuesday", Wire: wireData, Presenter: true}},
		{"said as the presenter", netconf.Sent{Seq: 7, Time: sent, Nick: "Alice", Text: "Yes, chapter 3 only.", Presenter: true},
			history.Record{Kind: history.Message, Group: c.Group, Private: true, Sender: self.String(), Nick: "Alice", Seq: 7, Sent: sent, Received: now, Text: "Yes, chapter 3 only.", Presenter: true}},
		{"joined", netconf.PeerJoined{Peer: peer},
			history.Record{Kind: history.Joined, Group: c.Group, Private: true, Sender: bob.String(), Nick: "Bob", Host: "10.0.0.9", Received: now}},
		{"left", netconf.PeerLeft{Peer: peer, Timeout: true},
			history.Record{Kind: history.Left, Group: c.Group, Private: true, Sender: bob.String(), Nick: "Bob", Host: "10.0.0.9", Received: now}},
		{"file", netconf.FileReceived{ID: "f1", From: peer, Name: "worksheet.pdf", Size: 10, SHA256: "ab12", Path: "/home/a/Downloads/Groupcast/worksheet.pdf"},
			history.Record{Kind: history.FileReceived, Group: c.Group, Private: true, Sender: bob.String(), Nick: "Bob", Host: "10.0.0.9", Received: now,
				FileName: "worksheet.pdf", FileSHA256: "ab12", FilePath: "/home/a/Downloads/Groupcast/worksheet.pdf"}},
	} {
		got, ok := Row(tc.ev, c, now)
		if !ok {
			t.Errorf("%s: no row", tc.name)
			continue
		}
		if got.Sent.Equal(tc.want.Sent) && got.Received.Equal(tc.want.Received) {
			got.Sent, got.Received = tc.want.Sent, tc.want.Received
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
	for _, ev := range []netconf.Event{netconf.Joined{}, netconf.Left{}, netconf.Lost{}, netconf.Receipt{}, netconf.FileOffered{}, netconf.Unreadable{}} {
		if r, ok := Row(ev, c, now); ok {
			t.Errorf("%T made a row: %+v", ev, r)
		}
	}
}

// A PC restarted in a lesson hears the pinned announcement again, and
// catch-up again: what its history kept before is not shown twice. A
// message that is new (or that was never kept) is.
func TestAlreadyKeptAfterARestart(t *testing.T) {
	s, err := history.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	teacher := wire.SenderID{7, 7, 7, 7, 7, 7, 7, 7}
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	c := Conv{Group: "room:Chemistry 9", Self: wire.SenderID{1}, Joined: now.Add(time.Minute)} // the restarted PC joined
	ann := netconf.Message{From: "Ms Lee", Sender: teacher, Seq: 3, Sent: now, Received: now, Text: "Chapter 3", Announcement: true}
	keepAll := func(evs ...netconf.Event) []bool {
		var recs []history.Record
		for _, ev := range evs {
			r, ok := Row(ev, c, now)
			if !ok {
				t.Fatalf("%T makes no row", ev)
			}
			recs = append(recs, r)
		}
		if err := s.Add(recs); err != nil {
			t.Fatal(err)
		}
		out := make([]bool, len(evs))
		for i, ev := range evs {
			out[i] = c.AlreadyKept(ev, recs, i)
		}
		return out
	}
	if got := keepAll(ann); got[0] {
		t.Fatal("an announcement heard the first time was taken as kept")
	}
	// After the restart: pinned for the newcomer (Earlier), and a message
	// caught up that was kept, and one that was not.
	pinned := ann
	pinned.Earlier = true
	caught := netconf.Message{From: "Ms Lee", Sender: teacher, Seq: 4, Sent: now, Received: now, Text: "Yes, chapter 3 only.", CaughtUp: true, Earlier: true}
	keepAll(netconf.Message{From: "Ms Lee", Sender: teacher, Seq: 4, Sent: now, Received: now, Text: "Yes, chapter 3 only."})
	fresh := netconf.Message{From: "Ms Lee", Sender: teacher, Seq: 5, Sent: now, Received: now, Text: "Page 12.", CaughtUp: true, Earlier: true}
	repaired := ann // delivered again from the sender's buffer, as if live
	if got := keepAll(pinned, caught, fresh, repaired); !got[0] || !got[1] || got[2] || !got[3] {
		t.Fatalf("already kept: pinned %v, caught up %v, new %v, repaired %v; want true, true, false, true", got[0], got[1], got[2], got[3])
	}
	if _, ok := Row(netconf.FileReceived{Name: "Worksheet.pdf", Already: true}, c, now); ok {
		t.Fatal("a file found in the folder again made a second row")
	}
	// Sent since we joined, kept already by another program of ours on
	// this computer that keeps the same store (its sender): shown.
	live := netconf.Message{From: "Ms Lee", Sender: teacher, Seq: 6, Sent: now.Add(2 * time.Minute), Received: now.Add(2 * time.Minute), Text: "Now."}
	keepAll(live)
	if got := keepAll(live); got[0] {
		t.Fatal("a message sent since we joined, kept by another program of ours, was not shown")
	}
}
