package wire_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"testing"

	"github.com/groupcast/groupcast/netconf/wire"
	"github.com/groupcast/groupcast/netconf/wire/wiretest"
)

const room = "Physics 101"

// signed is the sample DATA, signed by the sample presenter key in
// session 7, encoded.
func signed(t *testing.T) []byte {
	t.Helper()
	p := wiretest.Sample()
	wire.Sign(&p, wiretest.PresenterKey(), room, 7, p.Time)
	return wiretest.Encode(t, p)
}

func decode(t *testing.T, b []byte) wire.Packet {
	t.Helper()
	p, err := wire.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSignatureRoundTrip(t *testing.T) {
	pub := wiretest.PresenterKey().Public().(ed25519.PublicKey)
	p := decode(t, signed(t))
	if p.Sig.Session != 7 || p.Sig.Signed != p.Time || !wire.Verify(&p, pub, room) {
		t.Fatalf("signed DATA does not verify: %+v", p.Sig)
	}
	// A REPAIR is the same datagram sent again: it verifies as it is.
	b := signed(t)
	if err := wire.SetKind(b, wire.KindRepair); err != nil {
		t.Fatal(err)
	}
	if r := decode(t, b); !wire.Verify(&r, pub, room) {
		t.Fatal("the REPAIR of a signed DATA does not verify")
	}
}

// TestSignatureCoversWhatMakesItCurrent: a signature made for one kind,
// room, session or time does not verify for another, so a recording cannot
// be passed off as pinned, or into another room or run of the room.
func TestSignatureCoversWhatMakesItCurrent(t *testing.T) {
	pub := wiretest.PresenterKey().Public().(ed25519.PublicKey)
	other, _, _ := ed25519.GenerateKey(nil)
	for _, tc := range []struct {
		name string
		edit func(p *wire.Packet, b []byte) (string, ed25519.PublicKey)
	}{
		{"relabelled PINNED", func(p *wire.Packet, b []byte) (string, ed25519.PublicKey) {
			b[5] = byte(wire.KindPinned)
			*p = decode(t, b)
			return room, pub
		}},
		{"another room", func(*wire.Packet, []byte) (string, ed25519.PublicKey) { return "Chemistry 2B", pub }},
		{"another key", func(*wire.Packet, []byte) (string, ed25519.PublicKey) { return room, other }},
		{"later session claimed", func(p *wire.Packet, _ []byte) (string, ed25519.PublicKey) { p.Sig.Session++; return room, pub }},
		{"signed at another time", func(p *wire.Packet, _ []byte) (string, ed25519.PublicKey) {
			p.Sig.Signed += 1e6
			return room, pub
		}},
		{"sent at another time", func(p *wire.Packet, _ []byte) (string, ed25519.PublicKey) {
			p.Time += 1e6
			p.Sig.Signed = p.Time
			return room, pub
		}},
		{"text changed", func(p *wire.Packet, _ []byte) (string, ed25519.PublicKey) { p.Body = []byte("FAKE"); return room, pub }},
		{"no signature", func(p *wire.Packet, _ []byte) (string, ed25519.PublicKey) { p.Sig = wire.Sig{}; return room, pub }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := signed(t)
			p := decode(t, b)
			r, k := tc.edit(&p, b)
			if wire.Verify(&p, k, r) {
				t.Fatal("verified")
			}
		})
	}
}

func TestRepin(t *testing.T) {
	key := wiretest.PresenterKey()
	pub := key.Public().(ed25519.PublicKey)
	data := signed(t)
	at := wiretest.Sample().Time + 90e6
	b, err := wire.Repin(nil, data, key, room, at)
	if err != nil {
		t.Fatal(err)
	}
	p := decode(t, b)
	orig := decode(t, data)
	if p.Kind != wire.KindPinned || p.Sig.Signed != at || p.Sig.Session != 7 || p.Time != orig.Time ||
		p.Seq != orig.Seq || string(p.Body) != string(orig.Body) || !wire.Verify(&p, pub, room) {
		t.Fatalf("pinned form: %+v", p)
	}
	// Only a signed whole DATA can be pinned.
	plain := wiretest.Encode(t, wiretest.Sample())
	if _, err := wire.Repin(nil, plain, key, room, at); !errors.Is(err, wire.ErrMalformed) {
		t.Fatalf("an unsigned DATA was pinned: %v", err)
	}
	if _, err := wire.Repin(nil, b, key, room, at); !errors.Is(err, wire.ErrMalformed) {
		t.Fatalf("a PINNED was pinned again: %v", err)
	}
}

func TestSignatureOnlyOnText(t *testing.T) {
	p := wiretest.Sample()
	p.Kind, p.Body = wire.KindHeartbeat, wire.AppendControl(nil, wire.Control{Trail: 1})
	p.Sig = wire.Sig{Session: 1, Signed: 1, Value: make([]byte, ed25519.SignatureSize)}
	if _, err := wire.AppendEncode(nil, &p); !errors.Is(err, wire.ErrMalformed) {
		t.Fatalf("a signed heartbeat was encoded: %v", err)
	}
	pin := wiretest.Sample()
	pin.Kind = wire.KindPinned
	wire.Sign(&pin, wiretest.PresenterKey(), room, 7, pin.Time)
	b := wiretest.Encode(t, pin)
	b[5] = byte(wire.KindHeartbeat)
	if _, err := wire.Decode(b); !errors.Is(err, wire.ErrMalformed) {
		t.Fatalf("a signed heartbeat was decoded: %v", err)
	}
	short := wiretest.Sample()
	short.Sig = wire.Sig{Value: make([]byte, 10)}
	if _, err := wire.AppendEncode(nil, &short); !errors.Is(err, wire.ErrMalformed) {
		t.Fatalf("a 10-byte signature was encoded: %v", err)
	}
}

func TestVersionOf(t *testing.T) {
	b := wiretest.Encode(t, wiretest.Sample())
	if v, ok := wire.VersionOf(b); !ok || v != wire.Version {
		t.Fatalf("VersionOf = %d %v", v, ok)
	}
	b[bytes.Index(b, wire.Magic[:])+4] = 1
	_, err := wire.Decode(b)
	var ve *wire.VersionError
	if !errors.As(err, &ve) || ve.Got != 1 || !errors.Is(err, wire.ErrVersion) {
		t.Fatalf("a v1 datagram: %v", err)
	}
	if _, ok := wire.VersionOf([]byte("plain text")); ok {
		t.Fatal("plain text has a version")
	}
}

// TestSignedFileOffer: a presenter signs its file's offer (class 'F'), so
// a student's offer cannot pass for the teacher's: the signature holds
// for that offer only, not for one with another name, hash or sender, and
// no other kind of control datagram may carry one.
func TestSignedFileOffer(t *testing.T) {
	key := wiretest.PresenterKey()
	pub := key.Public().(ed25519.PublicKey)
	offer := wire.FileOffer{ID: wire.FileID{9}, Size: 5000, BlockSize: 1300, Group: 128, SHA256: [32]byte{1}, Pass: 1, Name: "worksheet.pdf"}
	p := wiretest.Sample()
	p.Kind, p.Seq, p.Body = wire.KindFileOffer, 0, wire.AppendFileOffer(nil, offer)
	wire.Sign(&p, key, room, 7, p.Time)
	b := wiretest.Encode(t, p)
	got := decode(t, b)
	if !wire.Verify(&got, pub, room) {
		t.Fatal("a signed offer does not verify")
	}
	for name, edit := range map[string]func(o *wire.FileOffer, q *wire.Packet){
		"another name":   func(o *wire.FileOffer, _ *wire.Packet) { o.Name = "worksheet.exe" },
		"another SHA256": func(o *wire.FileOffer, _ *wire.Packet) { o.SHA256[0] ^= 1 },
		"another sender": func(_ *wire.FileOffer, q *wire.Packet) { q.Sender[0] ^= 1 },
		"another nick":   func(_ *wire.FileOffer, q *wire.Packet) { q.Nick = "Mallory" },
	} {
		q := decode(t, b)
		o, err := wire.ParseFileOffer(q.Body)
		if err != nil {
			t.Fatal(err)
		}
		edit(&o, &q)
		q.Body = wire.AppendFileOffer(nil, o)
		if wire.Verify(&q, pub, room) {
			t.Errorf("%s: verified", name)
		}
	}
	// The same signature on a DATA of those bytes is another class.
	d := decode(t, b)
	d.Kind = wire.KindData
	if wire.Verify(&d, pub, room) {
		t.Error("an offer's signature verified as a message's")
	}
	nack := wiretest.Sample()
	nack.Kind, nack.Body = wire.KindFileNack, make([]byte, 25)
	wire.Sign(&nack, key, room, 7, nack.Time)
	if _, err := wire.AppendEncode(nil, &nack); !errors.Is(err, wire.ErrMalformed) {
		t.Errorf("a signed FILE_NACK was encoded: %v", err)
	}
}
