package seal

import (
	"bytes"
	"testing"
)

var testPrefix = [8]byte{0x89, 'G', 'C', 'S', 1, 0x80, 0, 0}

func testKey(t testing.TB, pass, salt string) *Key {
	t.Helper()
	k, err := Derive(pass, salt, testPrefix)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	k := testKey(t, "a passphrase", "groupcast/v1 group 239.255.3.3:3333")
	other := testKey(t, "another passphrase", "groupcast/v1 group 239.255.3.3:3333")
	otherGroup := testKey(t, "a passphrase", "groupcast/v1 group 239.255.3.3:3334")
	if k.ID() == other.ID() || k.ID() == otherGroup.ID() {
		t.Fatal("different passphrases or groups share a key id")
	}
	inner := []byte("an inner datagram, whatever it holds")
	s := k.Seal(nil, 7, inner)
	if len(s) != len(inner)+Overhead || !bytes.HasPrefix(s, testPrefix[:]) {
		t.Fatalf("sealed %d bytes from %d", len(s), len(inner))
	}
	pn, got, err := k.Open(bytes.Clone(s), 1400)
	if err != nil || pn != 7 || !bytes.Equal(got, inner) {
		t.Fatalf("open: %v %d", err, pn)
	}
	if _, _, err := other.Open(bytes.Clone(s), 1400); err != ErrOtherKey {
		t.Fatalf("other key: %v", err)
	}
	if _, _, err := k.Open(bytes.Clone(s), len(s)-1); err != ErrForged {
		t.Fatalf("over the size limit: %v", err)
	}
	for i := range s {
		bad := bytes.Clone(s)
		bad[i] ^= 0x40
		if _, _, err := k.Open(bad, 1400); err == nil {
			t.Fatalf("a flipped byte %d was accepted", i)
		}
	}
	if _, err := Derive("", "salt", testPrefix); err != ErrEmptyPassphrase {
		t.Fatalf("empty passphrase: %v", err)
	}
}

// FuzzOpen feeds arbitrary bytes to the opener: it must never panic, and
// never accept what it did not seal.
func FuzzOpen(f *testing.F) {
	k := testKey(f, "fuzz passphrase", "groupcast/v1 group 239.255.3.3:3333")
	// A fixed nonce: every fuzzing process must compute the same seed.
	genuine := k.SealWithNonce(nil, 1, []byte("a datagram"), [24]byte{1, 2, 3})
	f.Add(genuine)
	f.Add([]byte("plain"))
	f.Add(testPrefix[:])
	f.Fuzz(func(t *testing.T, b []byte) {
		work := bytes.Clone(b) // Open decrypts in place
		if _, _, err := k.Open(work, 1400); err == nil && !bytes.Equal(b, genuine) {
			t.Fatalf("accepted a datagram it did not seal: % x", b)
		}
	})
}
