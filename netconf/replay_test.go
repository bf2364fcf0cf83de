package netconf

import (
	"testing"
	"time"
)

func TestReplayWindow(t *testing.T) {
	var w replayWindow
	steps := []struct {
		pn   uint64
		want bool
	}{
		{0, false}, {1, true}, {1, false}, {3, true}, {2, true}, {2, false},
		{200, true}, {72, false}, {73, true}, {73, false}, {199, true}, {136, true},
		{1000, true}, {873, true}, {872, false}, {999, true}, {200, false},
	}
	for i, s := range steps {
		got := w.check(s.pn)
		if got != s.want {
			t.Fatalf("step %d: check(%d) = %v; want %v", i, s.pn, got, s.want)
		}
		if got {
			w.record(s.pn)
		}
	}
}

func TestReplayGuard(t *testing.T) {
	g := newReplayGuard()
	now := time.Now()
	a := SenderID{1}
	if !g.admit(a, 1, now, now) || g.admit(a, 1, now, now) {
		t.Fatal("a datagram was admitted twice, or not at all")
	}
	if g.admit(SenderID{2}, 1, now.Add(-6*time.Minute), now) {
		t.Fatal("a six-minute-old incarnation was admitted")
	}
	if g.admit(SenderID{3}, 1, now.Add(6*time.Minute), now) {
		t.Fatal("a datagram from the future was admitted")
	}
	if !g.admit(SenderID{4}, 9, now.Add(-time.Minute), now) {
		t.Fatal("a minute of clock skew was refused")
	}
}
