package reliable

import (
	"testing"
	"time"

	"github.com/groupcast/groupcast/netconf/wire"
)

var testOut = OutParams{
	HelloRepeats: []time.Duration{0, 100 * time.Millisecond, 300 * time.Millisecond},
	DataBeats:    []time.Duration{50 * time.Millisecond, 150 * time.Millisecond},
	Heartbeat:    time.Second, BufferAge: time.Minute, BufferBytes: 1 << 20,
	LingerQuiet: 1500 * time.Millisecond, LingerMax: 15 * time.Second,
	LeaveRepeats: []time.Duration{0, 60 * time.Millisecond, 120 * time.Millisecond, 180 * time.Millisecond},
}

func TestOutboundBeatsMessagesAndLeave(t *testing.T) {
	start := time.Unix(1000, 0)
	o := NewOutbound(wire.SenderID{1}, "Alice", start, testOut)
	var beats []string
	for now := start; now.Before(start.Add(2 * time.Second)); now = now.Add(10 * time.Millisecond) {
		if now.Equal(start.Add(500 * time.Millisecond)) {
			dgrams, first, err := o.Message(now, "hello", wire.MaxText, wire.MaxFragmentText, nil, nil)
			if err != nil || len(dgrams) != 1 || first != 1 || o.Seq() != 1 {
				t.Fatalf("message: %d datagrams from %d, %v", len(dgrams), first, err)
			}
		}
		if kind, ok := o.BeatDue(now); ok {
			beats = append(beats, kind.String()+"@"+now.Sub(start).String())
		}
	}
	want := "hello@0s hello@100ms hello@300ms heartbeat@550ms heartbeat@650ms heartbeat@1.65s"
	if got := join(beats); got != want {
		t.Fatalf("beats %s; want %s", got, want)
	}
	if p := o.Control(wire.KindHeartbeat, start, nil); p.Seq != 1 {
		t.Fatalf("a heartbeat says seq %d", p.Seq)
	}
	// Lingering waits for quiet and for every member heard since the last
	// message; then four LEAVEs, the last ending the membership.
	now := start.Add(2 * time.Second)
	o.Linger(now)
	if d := o.Depart(now.Add(2*time.Second), false); d != Stay {
		t.Fatalf("left while a member was not heard since the last message: %v", d)
	}
	var leaves []Departure
	for at := now.Add(2 * time.Second); at.Before(now.Add(3 * time.Second)); at = at.Add(10 * time.Millisecond) {
		if d := o.Depart(at, true); d != Stay {
			leaves = append(leaves, d)
		}
	}
	if len(leaves) != 4 || leaves[3] != LastLeave || leaves[0] != SendLeave {
		t.Fatalf("departures %v", leaves)
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

// TestLingerWaitsForTheNackOfAMemberBack: a member silent while we sent
// our last messages (a computer frozen for a moment) comes back; its
// first datagram is a heartbeat, and its NACK follows a few milliseconds
// later. Hearing the heartbeat must not end lingering at once: the NACK
// would find us gone and the member would lose what it asks for.
func TestLingerWaitsForTheNackOfAMemberBack(t *testing.T) {
	start := time.Unix(1000, 0)
	o := NewOutbound(wire.SenderID{1}, "Alice", start, testOut)
	if _, _, err := o.Message(start, "last words", wire.MaxText, wire.MaxFragmentText, nil, nil); err != nil {
		t.Fatal(err)
	}
	lingerAt := start.Add(2 * time.Second) // quiet for longer than LingerQuiet already
	o.Linger(lingerAt)
	if d := o.Depart(lingerAt, false); d != Stay {
		t.Fatalf("left before the member was heard: %v", d)
	}
	for _, ok := o.BeatDue(lingerAt); ok; _, ok = o.BeatDue(lingerAt) { // as the engine's timers do
	}
	if next := o.NextDeadline(lingerAt); !next.After(lingerAt) {
		t.Fatalf("waiting for a member, the next deadline is %v from now: the loop would spin", next.Sub(lingerAt))
	}
	back := lingerAt.Add(400 * time.Millisecond)
	if d := o.Depart(back, true); d != Stay {
		t.Fatalf("left the moment the member came back, before its NACK could arrive: %v", d)
	}
	if kind, ok := o.BeatDue(back); !ok || kind != wire.KindHeartbeat {
		t.Fatal("no heartbeat to tell the member back where our stream ends")
	}
	if next := o.NextDeadline(back); !next.After(back) || next.After(back.Add(testOut.LingerQuiet)) {
		t.Fatalf("next deadline %v after the member came back", next.Sub(back))
	}
	nack := back.Add(30 * time.Millisecond)
	if d := o.Depart(nack, true); d != Stay {
		t.Fatalf("left before the NACK: %v", d)
	}
	o.Activity(nack)
	if d := o.Depart(nack.Add(testOut.LingerQuiet-time.Millisecond), true); d != Stay {
		t.Fatalf("left before the repairs' quiet: %v", d)
	}
	if d := o.Depart(nack.Add(testOut.LingerQuiet), true); d != SendLeave {
		t.Fatalf("did not leave after quiet with every member heard: %v", d)
	}
	// A member heard all along does not hold us back for long: the wait
	// after hearing everyone is a third of LingerQuiet; with nothing sent,
	// there is no wait at all.
	o2 := NewOutbound(wire.SenderID{2}, "Bob", start, testOut)
	o3 := NewOutbound(wire.SenderID{3}, "Carol", start, testOut)
	o3.Linger(lingerAt)
	if d := o3.Depart(lingerAt, true); d != SendLeave {
		t.Fatalf("with nothing sent, lingering waited: %v", d)
	}
	if _, _, err := o2.Message(start, "earlier", wire.MaxText, wire.MaxFragmentText, nil, nil); err != nil {
		t.Fatal(err)
	}
	o2.Linger(lingerAt)
	if d := o2.Depart(lingerAt, true); d != Stay {
		t.Fatalf("left without a moment for a NACK: %v", d)
	}
	if d := o2.Depart(lingerAt.Add(testOut.LingerQuiet/3), true); d != SendLeave {
		t.Fatalf("still lingering %v after everyone was heard: %v", testOut.LingerQuiet/3, d)
	}
}
