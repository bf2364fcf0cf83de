// Package seal is the cryptography of private groups (docs/SECURITY.md):
// a passphrase becomes a key with Argon2id and HKDF; a datagram is sealed
// with XChaCha20-Poly1305 behind an 8-byte prefix the caller gives (the
// wire format's), a key id, a random nonce and a packet number; and a
// replay guard refuses what was seen before or stamped at another time.
// It does no I/O and imports nothing of the project.
package seal

import (
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sync"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/hkdf"
)

// The envelope:
//
//	0  prefix[8] (the caller's: magic, version, kind SEALED, flags)
//	8  key id[4]
//	12 nonce[24]
//	36 XChaCha20-Poly1305(packet number u64 | inner datagram) | tag[16]
//
// The first 36 bytes are authenticated as associated data.
const (
	HeaderSize = 36
	Overhead   = HeaderSize + 8 + chacha20poly1305.Overhead
)

// Argon2id cost (RFC 9106's second recommended option): about 0.2 s and
// 64 MiB per derivation here, which makes guessing passphrases from a
// captured datagram expensive.
const (
	argonTime    = 3
	argonMemory  = 64 << 10 // KiB
	argonThreads = 2
)

// Errors of Derive and Open.
var (
	ErrEmptyPassphrase = errors.New("the passphrase is empty")
	ErrOtherKey        = errors.New("sealed with another passphrase")
	ErrForged          = errors.New("sealed datagram failed authentication")
	ErrNotSealed       = errors.New("datagram is not sealed")
)

// Key seals and opens datagrams for one passphrase and one salt.
type Key struct {
	aead   cipher.AEAD
	id     [4]byte
	prefix [8]byte
}

var keyCache sync.Map // sha256(prefix, salt, passphrase) → *Key

// Derive turns a passphrase into a key: Argon2id with salt (the group's
// address and port: the same passphrase gives different keys for different
// groups), then HKDF-SHA256 for the datagram key and the key id. Sealed
// datagrams start with prefix. Derivations are cached for the life of the
// process.
func Derive(passphrase, salt string, prefix [8]byte) (*Key, error) {
	if passphrase == "" {
		return nil, ErrEmptyPassphrase
	}
	h := sha256.New()
	h.Write(prefix[:])
	h.Write([]byte(salt))
	h.Write([]byte{0})
	h.Write([]byte(passphrase))
	cacheKey := string(h.Sum(nil))
	if k, ok := keyCache.Load(cacheKey); ok {
		return k.(*Key), nil
	}
	master := argon2.IDKey([]byte(passphrase), []byte(salt), argonTime, argonMemory, argonThreads, 32)
	debug.FreeOSMemory() // give Argon2's 64 MiB back now, not at some later GC
	dk := make([]byte, chacha20poly1305.KeySize)
	if _, err := io.ReadFull(hkdf.New(sha256.New, master, nil, []byte("groupcast/v1 datagram key")), dk); err != nil {
		return nil, fmt.Errorf("derive datagram key: %w", err)
	}
	k := &Key{prefix: prefix}
	if _, err := io.ReadFull(hkdf.New(sha256.New, master, nil, []byte("groupcast/v1 key id")), k.id[:]); err != nil {
		return nil, fmt.Errorf("derive key id: %w", err)
	}
	aead, err := chacha20poly1305.NewX(dk)
	if err != nil {
		return nil, fmt.Errorf("make cipher: %w", err)
	}
	k.aead = aead
	keyCache.Store(cacheKey, k)
	return k, nil
}

// ID is the key's public identifier: it tells "another passphrase" from a
// forgery without revealing the key.
func (k *Key) ID() [4]byte { return k.id }

// Seal appends the sealed form of inner, numbered pn, to dst, with a
// random nonce (24 bytes: no coordination between senders is needed).
func (k *Key) Seal(dst []byte, pn uint64, inner []byte) []byte {
	var nonce [chacha20poly1305.NonceSizeX]byte
	_, _ = rand.Read(nonce[:]) // crypto/rand.Read does not fail on supported platforms
	return k.SealWithNonce(dst, pn, inner, nonce)
}

// SealWithNonce is Seal with a given nonce: for tests and fuzzing only,
// which must make the same bytes every time. Never reuse a nonce.
func (k *Key) SealWithNonce(dst []byte, pn uint64, inner []byte, nonce [chacha20poly1305.NonceSizeX]byte) []byte {
	start := len(dst)
	dst = append(dst, k.prefix[:]...)
	dst = append(dst, k.id[:]...)
	dst = append(dst, nonce[:]...)
	end := len(dst)
	dst = binary.BigEndian.AppendUint64(dst, pn)
	dst = append(dst, inner...)
	// Encrypted in place: no buffer per datagram.
	return k.aead.Seal(dst[:end], nonce[:], dst[end:], dst[start:end])
}

// Open checks and decrypts a sealed datagram of at most maxSize bytes,
// returning its packet number and the inner datagram. It decrypts in
// place: inner is a slice of b, and b is garbage after an error. Nothing
// is trusted before it returns without error.
func (k *Key) Open(b []byte, maxSize int) (pn uint64, inner []byte, err error) {
	if len(b) < HeaderSize || [8]byte(b[:8]) != k.prefix {
		return 0, nil, ErrNotSealed
	}
	if [4]byte(b[8:12]) != k.id {
		return 0, nil, ErrOtherKey
	}
	if len(b) < Overhead || len(b) > maxSize {
		return 0, nil, ErrForged
	}
	plain, err := k.aead.Open(b[HeaderSize:HeaderSize], b[12:HeaderSize], b[HeaderSize:], b[:HeaderSize])
	if err != nil || len(plain) < 8 {
		return 0, nil, ErrForged
	}
	return binary.BigEndian.Uint64(plain), plain[8:], nil
}
