package rooms

import (
	"crypto/ed25519"
	"net/netip"
	"strings"
	"testing"

	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/wire"
)

func TestSAPRoundTrip(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	r := netconf.Room{
		Name: "Physics 101", Group: netip.MustParseAddrPort("239.255.20.1:2020"), TTL: 1, Presenter: "Ms Lee",
		PresenterKey: pub, Locked: true, ReadOnly: true, Origin: netip.MustParseAddrPort("198.18.0.1:0").Addr(), Version: 3,
	}
	b, err := AppendSAP(nil, r, false, priv)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "application/sdp\x00v=0") || !strings.Contains(string(b), "s=Physics 101") ||
		!strings.Contains(string(b), "c=IN IP4 239.255.20.1/1") || !strings.Contains(string(b), "m=application 2020 UDP groupcast") {
		t.Fatalf("SAP/SDP:\n%s", b)
	}
	got, del, err := ParseSAP(b)
	if err != nil || del {
		t.Fatalf("parse: %v %v", err, del)
	}
	if got.Name != r.Name || got.Group != r.Group || got.Presenter != "Ms Lee" || !got.Locked || !got.ReadOnly ||
		!got.PresenterKey.Equal(pub) || got.Origin != r.Origin || got.Version != 3 || got.TTL != 1 {
		t.Fatalf("got %+v", got)
	}
	if got.Label() != "Physics 101 — 239.255.20.1:2020 (read-only, locked, presenter Ms Lee)" {
		t.Fatalf("label %q", got.Label())
	}
	// Tampering with a signed entry makes it unreadable.
	bad := []byte(strings.Replace(string(b), "239.255.20.1", "239.255.66.1", 1))
	if _, _, err := ParseSAP(bad); err == nil {
		t.Fatal("a tampered entry was accepted")
	}
	del2, _ := AppendSAP(nil, r, true, priv)
	if _, del, err := ParseSAP(del2); err != nil || !del {
		t.Fatalf("deletion: %v %v", err, del)
	}
	// An unsigned room without a presenter key is fine; others' sessions are not rooms.
	plain, _ := AppendSAP(nil, netconf.Room{Name: "Chat", Group: netconf.DefaultGroup}, false, nil)
	if got, _, err := ParseSAP(plain); err != nil || got.Name != "Chat" || got.Locked {
		t.Fatalf("plain room: %+v %v", got, err)
	}
	other := append([]byte{0x20, 0, 0, 1, 10, 0, 0, 1}, "application/sdp\x00v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=Radio\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n"...)
	if _, _, err := ParseSAP(other); err != ErrNotRoom {
		t.Fatalf("another tool's session: %v", err)
	}
	if _, err := AppendSAP(nil, netconf.Room{Name: "", Group: netconf.DefaultGroup}, false, nil); err == nil {
		t.Fatal("empty room name accepted")
	}
}

func FuzzParseSAP(f *testing.F) {
	b, _ := AppendSAP(nil, netconf.Room{Name: "Chat", Group: netconf.DefaultGroup, ReadOnly: true}, false, nil)
	f.Add(b)
	f.Add([]byte{0x20, 0, 0, 0, 1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, _, err := ParseSAP(b)
		if err == nil && (wire.ValidNick(r.Name) != nil || !r.Group.Addr().IsMulticast() || r.Group.Port() == 0) {
			t.Fatalf("accepted a bad room %+v", r)
		}
	})
}

// TestForgedDeletionIsRefused: flipping the deletion bit of a captured
// signed announcement does not make a deletion: the presenter's signature
// covers whether it announces or deletes.
func TestForgedDeletionIsRefused(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	r := netconf.Room{Name: "Physics 101", Group: netip.MustParseAddrPort("239.255.20.1:2020"), Presenter: "Ms Lee", PresenterKey: pub}
	b, err := AppendSAP(nil, r, false, priv)
	if err != nil {
		t.Fatal(err)
	}
	forged := append([]byte(nil), b...)
	forged[0] |= 1 << 2 // the SAP header's deletion flag
	if _, _, err := ParseSAP(forged); err == nil {
		t.Fatal("an announcement with its deletion bit set was read as a deletion")
	}
	// And the other way round: a real deletion is not an announcement.
	d, _ := AppendSAP(nil, r, true, priv)
	d[0] &^= 1 << 2
	if _, _, err := ParseSAP(d); err == nil {
		t.Fatal("a deletion with its deletion bit cleared was read as an announcement")
	}
}
