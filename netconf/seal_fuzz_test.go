package netconf

import (
	"bytes"
	"github.com/groupcast/groupcast/netconf/wire"
	"github.com/groupcast/groupcast/netconf/wire/wiretest"
	"testing"
)

// FuzzOpen feeds arbitrary bytes to the sealed-datagram opener: it must
// never panic, and never accept what it did not seal.
func FuzzOpen(f *testing.F) {
	k, err := DeriveKey("fuzz passphrase", DefaultGroup)
	if err != nil {
		f.Fatal(err)
	}
	// A fixed nonce: every fuzzing process must compute the same seed.
	genuine := k.sealWithNonce(nil, 1, wiretest.Encode(f, wiretest.Sample()), [24]byte{1, 2, 3})
	f.Add(genuine)
	f.Add([]byte("plain"))
	f.Add(append(wire.Magic[:], 1, byte(KindSealed), 0, 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		work := bytes.Clone(b) // Open decrypts in place
		if _, _, err := k.Open(work); err == nil && !bytes.Equal(b, genuine) {
			t.Fatalf("accepted a datagram it did not seal: % x", b)
		}
	})
}
