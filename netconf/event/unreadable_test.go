package event

import (
	"net/netip"
	"strings"
	"testing"
)

// Issue 30: "1 asks were not answered". Every refusal's sentence agrees
// with its count: one datagram (ask, offer, sender…) was, several were.
func TestUnreadableSentencesAgreeWithTheirCount(t *testing.T) {
	host := netip.MustParseAddr("198.18.0.2")
	for r := range unreadableWords {
		one := Unreadable{Reason: r, Count: 1, Peer: "Bob", Host: host}.Sentence()
		many := Unreadable{Reason: r, Count: 3, Peer: "Bob", Host: host}.Sentence()
		if strings.Contains(one, "{{") || strings.Contains(many, "{{") {
			t.Errorf("%s: a template left unfilled: %q", r, one)
		}
		if strings.Contains(one, " were ") || strings.Contains(one, "they ") || !strings.Contains(one, "1 ") {
			t.Errorf("%s, one: %q", r, one)
		}
		if !strings.Contains(many, "3 ") || strings.Replace(many, "3 ", "1 ", 1) == one {
			t.Errorf("%s, three: %q (one: %q)", r, many, one)
		}
	}
	for _, c := range []struct {
		count uint64
		want  string
	}{
		{1, "A computer at 198.18.0.2 asked for earlier messages more often than anyone needs: 1 ask was not answered"},
		{3, "A computer at 198.18.0.2 asked for earlier messages more often than anyone needs: 3 asks were not answered"},
	} {
		if got := (Unreadable{Reason: UnreadableCatchUpFlood, Count: c.count, Host: host}).Sentence(); got != c.want {
			t.Errorf("said %q, want %q", got, c.want)
		}
	}
	if got := (Unreadable{Reason: "unknown", Count: 1}).Sentence(); got != "1 datagram could not be read" {
		t.Errorf("said %q", got)
	}
}
