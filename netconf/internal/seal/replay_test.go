package seal

import (
	"testing"
	"time"
)

func TestReplayWindow(t *testing.T) {
	var w window
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
	g := NewGuard(4096)
	now := time.Now()
	a := [8]byte{1}
	admit := func(id [8]byte, pn uint64, sent time.Time) error {
		_, err := g.Admit(id, pn, sent, now)
		return err
	}
	if admit(a, 1, now) != nil || admit(a, 1, now) != ErrReplay {
		t.Fatal("a datagram was admitted twice, or not at all")
	}
	if admit([8]byte{2}, 1, now.Add(-6*time.Minute)) != ErrClock {
		t.Fatal("a six-minute-old incarnation was admitted")
	}
	if admit([8]byte{3}, 1, now.Add(6*time.Minute)) != ErrClock {
		t.Fatal("a datagram from the future was admitted")
	}
	if admit([8]byte{4}, 9, now.Add(-time.Minute)) != nil {
		t.Fatal("a minute of clock skew was refused")
	}
	// How far ahead a sender's clock is: the largest offset seen, never
	// negative, and a replay (older) does not lower it.
	for i, c := range []struct {
		sent  time.Duration
		ahead time.Duration
	}{{-2 * time.Second, 0}, {3 * time.Second, 3 * time.Second}, {-8 * time.Second, 3 * time.Second}} {
		ahead, err := g.Admit([8]byte{5}, uint64(i+1), now.Add(c.sent), now)
		if err != nil || ahead != c.ahead {
			t.Fatalf("datagram %d stamped %v: ahead %v, %v; want %v", i, c.sent, ahead, err, c.ahead)
		}
	}
}

// TestGuardFullOfSenders: with every window in use by a sender heard
// recently, a new sender is refused as one too many (not as a replay),
// and the ones tracked still are.
func TestGuardFullOfSenders(t *testing.T) {
	g := NewGuard(2)
	now := time.Now()
	for i := range 2 {
		if _, err := g.Admit([8]byte{byte(i + 1)}, 1, now, now); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := g.Admit([8]byte{9}, 1, now, now); err != ErrTooManySenders {
		t.Fatalf("a third sender: %v; want ErrTooManySenders", err)
	}
	if _, err := g.Admit([8]byte{1}, 2, now, now); err != nil {
		t.Fatalf("a tracked sender refused: %v", err)
	}
}
