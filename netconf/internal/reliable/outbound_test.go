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
			dgrams, first, err := o.Message(now, "hello", wire.MaxText, wire.MaxFragmentText, nil, 0)
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
