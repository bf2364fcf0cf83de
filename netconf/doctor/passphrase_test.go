package doctor

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/groupcast/groupcast/netconf"
)

// TestAnotherPassphraseIsSaidPlainly: with a wrong passphrase the report
// said "✓ Multicast works … 3 senders heard" and listed key ids without
// saying which was ours. Now members sealing with ours are marked, the
// others too, and a hint says nobody of them can read us; with no
// passphrase, that they use one.
func TestAnotherPassphraseIsSaidPlainly(t *testing.T) {
	g := netip.MustParseAddrPort("239.255.3.3:3333")
	ours, theirs := netconf.KeyID(g, "violet umbrella seventeen harbour"), netconf.KeyID(g, "a different passphrase")
	heard := []Heard{
		{Kind: "private", Name: "key " + ours, From: netip.MustParseAddrPort("198.18.0.2:4000"), Count: 5},
		{Kind: "private", Name: "key " + theirs, From: netip.MustParseAddrPort("198.18.0.3:4000"), Count: 7},
		{Kind: "private", Name: "key " + theirs, From: netip.MustParseAddrPort("198.18.0.4:4000"), Count: 7},
	}
	markOurs(heard, g, "violet umbrella seventeen harbour")
	if !heard[0].Ours || heard[1].Ours || heard[2].Ours {
		t.Fatalf("marked %+v", heard)
	}
	r := Report{Group: g, Listened: 3e9, Heard: heard, Keyed: true}
	r.Hints = hintsFor(r)
	h := r.Hint(HintOtherPassphrase)
	if h == nil || h.Count != 2 || !strings.Contains(h.Sentence(nil), "2 computers here use another passphrase than yours: nobody of them can read you") {
		t.Fatalf("hint %+v", h)
	}
	text := r.Text(func(Setting) string { return "" })
	if !strings.Contains(text, "your passphrase") || strings.Count(text, "ANOTHER passphrase than yours") != 2 {
		t.Fatalf("report:\n%s", text)
	}
	r.Keyed = false
	for i := range r.Heard {
		r.Heard[i].Ours = false
	}
	if h := hintsFor(r); len(h) == 0 || (Report{Hints: h}).Hint(HintNeedPassphrase) == nil {
		t.Fatal("no hint that the members heard use a passphrase")
	}
}
