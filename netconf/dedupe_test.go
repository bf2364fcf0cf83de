package netconf

import "testing"

func TestDedupeWindow(t *testing.T) {
	var w dedupeWindow
	steps := []struct {
		seq  uint64
		want bool
	}{
		{5, true}, {5, false}, {6, true}, {4, true}, {4, false},
		{100, true}, {36, false}, {37, true}, {37, false}, {99, true},
		{1000, true}, {999, true}, {936, false},
	}
	for i, s := range steps {
		if got := w.fresh(s.seq); got != s.want {
			t.Fatalf("step %d: fresh(%d) = %v; want %v", i, s.seq, got, s.want)
		}
	}
}
