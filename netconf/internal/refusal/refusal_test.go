package refusal

import (
	"net/netip"
	"testing"
	"time"
)

func TestReportedOnceAfterASecondWithCount(t *testing.T) {
	tb := New[string]()
	t0 := time.Unix(1000, 0)
	host := netip.MustParseAddr("192.0.2.7")
	if !tb.NextDeadline().IsZero() {
		t.Fatal("empty table has a deadline")
	}
	tb.Note(t0, "forged", "", host)
	tb.Note(t0.Add(10*time.Millisecond), "other", "bob", netip.Addr{})
	for i := range 4 {
		tb.Note(t0.Add(time.Duration(i)*100*time.Millisecond), "forged", "mallory", netip.Addr{})
	}
	if got := tb.NextDeadline(); !got.Equal(t0.Add(ReportAfter)) {
		t.Fatalf("deadline %v, want %v", got, t0.Add(ReportAfter))
	}
	var got []string
	tb.Due(t0.Add(ReportAfter-time.Nanosecond), func(r string, e Entry) { got = append(got, r) })
	if len(got) != 0 {
		t.Fatalf("reported early: %v", got)
	}
	var forged Entry
	tb.Due(t0.Add(ReportAfter), func(r string, e Entry) { got = append(got, r); forged = e })
	if len(got) != 1 || got[0] != "forged" || forged.Count != 5 || forged.Host != host || forged.Peer != "" {
		t.Fatalf("reports %v, entry %+v", got, forged)
	}
	if d := tb.NextDeadline(); !d.Equal(t0.Add(10*time.Millisecond + ReportAfter)) {
		t.Fatalf("next deadline %v", d)
	}
	tb.Due(t0.Add(time.Hour), func(r string, e Entry) { got = append(got, r) })
	tb.Due(t0.Add(2*time.Hour), func(r string, e Entry) { got = append(got, r) })
	if len(got) != 2 || got[1] != "other" {
		t.Fatalf("reports %v: each reason once", got)
	}
	if !tb.NextDeadline().IsZero() {
		t.Fatal("deadline after all were reported")
	}
}
