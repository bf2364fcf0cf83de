package history

import (
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"io"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/hkdf"
)

// SetKey gives the store a private group's secret (from its passphrase):
// its rows are sealed with a key derived from it, and can be read (and
// searched) only while it is set.
func (s *Store) SetKey(group string, secret []byte) error {
	k := make([]byte, chacha20poly1305.KeySize)
	if _, err := io.ReadFull(hkdf.New(sha256.New, secret, nil, []byte("groupcast history v1")), k); err != nil {
		return err
	}
	aead, err := chacha20poly1305.NewX(k)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.keys[group] = aead
	s.mu.Unlock()
	return nil
}

// SetPassphrase is SetKey with a private group's passphrase: its secret
// is derived with Argon2id (as the network's key is, with a salt of the
// store's own), so the file gives no faster way to guess it than the
// network does.
func (s *Store) SetPassphrase(group, passphrase string) error {
	secret := argon2.IDKey([]byte(passphrase), []byte("groupcast history "+group), 3, 64*1024, 2, 32)
	return s.SetKey(group, secret)
}

func (s *Store) key(group string) cipher.AEAD {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[group]
}

// open is a private row's text, "" without its group's key or if it does
// not open.
func (s *Store) open(group string, sealed []byte) string {
	t, _ := openWith(s.key(group), sealed, group)
	return string(t)
}

// sealWith seals b with k (a fresh random nonce in front), bound to ad.
func sealWith(k cipher.AEAD, b []byte, ad string) ([]byte, error) {
	nonce := make([]byte, k.NonceSize(), k.NonceSize()+len(b)+k.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return k.Seal(nonce, nonce, b, []byte(ad)), nil
}

// openWith opens what sealWith sealed; false without the key or if it
// does not open.
func openWith(k cipher.AEAD, sealed []byte, ad string) ([]byte, bool) {
	if k == nil || len(sealed) < k.NonceSize() {
		return nil, false
	}
	n := k.NonceSize()
	b, err := k.Open(nil, sealed[:n], sealed[n:], []byte(ad))
	return b, err == nil
}
