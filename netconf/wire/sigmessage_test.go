package wire_test

import (
	"crypto/ed25519"
	"errors"
	"testing"

	"github.com/groupcast/groupcast/netconf/wire"
	"github.com/groupcast/groupcast/netconf/wire/wiretest"
)

// said is the sample DATA signed as the presenter's message (not an
// announcement) in session 7, encoded.
func said(t *testing.T) []byte {
	t.Helper()
	p := wiretest.Sample()
	wire.SignMessage(&p, wiretest.PresenterKey(), room, 7, p.Time)
	return wiretest.Encode(t, p)
}

// TestSignedMessageRoundTrip: the presenter's message carries its
// signature in the SIG_MESSAGE extension (0x03), decodes as a message,
// verifies, and so does its REPAIR (the same bytes).
func TestSignedMessageRoundTrip(t *testing.T) {
	pub := wiretest.PresenterKey().Public().(ed25519.PublicKey)
	b := said(t)
	if at := wiretest.SigTypeAt(b); at < 0 || b[at] != 0x03 {
		t.Fatalf("the presenter's message is not carried in SIG_MESSAGE: % x", b)
	}
	p := decode(t, b)
	if !p.Sig.Message || p.Sig.Session != 7 || p.Sig.Signed != p.Time || !wire.Verify(&p, pub, room) {
		t.Fatalf("the presenter's message does not verify as one: %+v", p.Sig)
	}
	if err := wire.SetKind(b, wire.KindRepair); err != nil {
		t.Fatal(err)
	}
	if r := decode(t, b); !r.Sig.Message || !wire.Verify(&r, pub, room) {
		t.Fatal("the REPAIR of the presenter's message does not verify as one")
	}
	if a := decode(t, signed(t)); a.Sig.Message {
		t.Fatal("an announcement decoded as a message")
	}
}

// TestStudentCannotSwapMessageAndAnnouncement is the attack: a student
// who captured the teacher's message relabels it as an announcement (its
// extension's type 0x03 → 0x02, what every member reads to know the
// class), or the teacher's announcement as a mere message. The class is
// in the signed bytes, so neither verifies: no member shows the one as
// the other, whatever it tries.
func TestStudentCannotSwapMessageAndAnnouncement(t *testing.T) {
	pub := wiretest.PresenterKey().Public().(ed25519.PublicKey)
	for _, tc := range []struct {
		name      string
		dgram     []byte
		to        byte
		asMessage bool
	}{
		{"message relabelled as announcement", said(t), 0x02, false},
		{"announcement relabelled as message", signed(t), 0x03, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.dgram
			at := wiretest.SigTypeAt(b)
			if at < 0 {
				t.Fatal("no signature extension")
			}
			b[at] = tc.to
			p := decode(t, b)
			if p.Sig.Message != tc.asMessage {
				t.Fatalf("relabelled datagram reads as message=%v", p.Sig.Message)
			}
			if wire.Verify(&p, pub, room) {
				t.Fatal("a relabelled datagram verified")
			}
			// Its REPAIR neither.
			if err := wire.SetKind(b, wire.KindRepair); err != nil {
				t.Fatal(err)
			}
			if r := decode(t, b); wire.Verify(&r, pub, room) {
				t.Fatal("a relabelled REPAIR verified")
			}
		})
	}
	// The same in a decoded packet: the flag alone decides the class.
	p := decode(t, said(t))
	p.Sig.Message = false
	if wire.Verify(&p, pub, room) {
		t.Fatal("a message verified as an announcement")
	}
}

// TestSignedMessageOnlyOnData: only a DATA (and its REPAIR) can be the
// presenter's message. A PINNED or FILE_OFFER with SIG_MESSAGE is
// malformed, both extensions at once are, and a message is never pinned.
func TestSignedMessageOnlyOnData(t *testing.T) {
	key := wiretest.PresenterKey()
	pin := wiretest.Sample()
	pin.Kind = wire.KindPinned
	wire.SignMessage(&pin, key, room, 7, pin.Time)
	if _, err := wire.AppendEncode(nil, &pin); !errors.Is(err, wire.ErrMalformed) {
		t.Fatalf("a PINNED message was encoded: %v", err)
	}
	pin.Sig.Message = false
	b := wiretest.Encode(t, pin)
	b[wiretest.SigTypeAt(b)] = 0x03
	if _, err := wire.Decode(b); !errors.Is(err, wire.ErrMalformed) {
		t.Fatalf("a PINNED with SIG_MESSAGE was decoded: %v", err)
	}
	offer := wiretest.Sample()
	offer.Kind, offer.Seq, offer.Body = wire.KindFileOffer, 0, wire.AppendFileOffer(nil, wire.FileOffer{ID: wire.FileID{9}, Size: 5, BlockSize: 1300, Group: 128, Pass: 1, Name: "a.pdf"})
	wire.SignMessage(&offer, key, room, 7, offer.Time)
	if _, err := wire.AppendEncode(nil, &offer); !errors.Is(err, wire.ErrMalformed) {
		t.Fatalf("a FILE_OFFER signed as a message was encoded: %v", err)
	}
	// Two signatures, one of each class.
	d := said(t)
	at := wiretest.SigTypeAt(d)
	ext := append([]byte(nil), d[at:at+3+80]...)
	ext[0] = 0x02
	twice := append(append(append([]byte(nil), d[:at+3+80]...), ext...), d[at+3+80:]...)
	twice[at-1] += 3 + 80 // the extensions' length (low byte: 83 + 83 < 256)
	if _, err := wire.Decode(twice); !errors.Is(err, wire.ErrMalformed) {
		t.Fatalf("a DATA with both signatures was decoded: %v", err)
	}
	if _, err := wire.Repin(nil, said(t), key, room, wiretest.Sample().Time+1e6); !errors.Is(err, wire.ErrMalformed) {
		t.Fatalf("the presenter's message was pinned: %v", err)
	}
}
