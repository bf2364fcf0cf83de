package netconf

import (
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/groupcast/groupcast/netconf/wire"
	"io"
	"net/netip"
	"runtime/debug"
	"sync"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/hkdf"
)

// Sealed datagrams (passphrase groups); docs/SECURITY.md has the design.
//
//	0  magic[4] | version 1 | kind 0x80 SEALED | flags 0 | reserved 0
//	8  key id[4]
//	12 nonce[24]
//	36 XChaCha20-Poly1305(packet number u64 | inner datagram) | tag[16]
//
// The first 36 bytes are authenticated as associated data. Everything of
// the inner datagram (kind, sender, sequence numbers, time, nickname,
// text) is encrypted.
const (
	KindSealed   wire.Kind = 0x80
	sealedHeader           = 36
	sealOverhead           = sealedHeader + 8 + chacha20poly1305.Overhead
	// MaxInnerDatagram is the largest datagram that still fits MaxDatagram
	// once sealed; the engine sizes text for it, keyed or not.
	MaxInnerDatagram = wire.MaxDatagram - sealOverhead
)

// Argon2id cost (RFC 9106's second recommended option): about 0.2 s and
// 64 MiB per derivation here, which makes guessing passphrases from a
// captured datagram expensive.
const (
	argonTime    = 3
	argonMemory  = 64 << 10 // KiB
	argonThreads = 2
)

// Sealing errors.
var (
	ErrOtherKey  = errors.New("sealed with another passphrase")
	ErrForged    = errors.New("sealed datagram failed authentication")
	ErrNotSealed = errors.New("datagram is not sealed")
)

// GroupKey seals and opens datagrams for one passphrase and one group.
type GroupKey struct {
	aead cipher.AEAD
	id   [4]byte
}

var keyCache sync.Map // sha256(passphrase, group) → *GroupKey

// DeriveKey turns a passphrase into the key of group: Argon2id salted with
// the group's address and port (the same passphrase gives different keys
// for different groups), then HKDF-SHA256 for the datagram key and the key
// id. Derivations are cached for the life of the process.
func DeriveKey(passphrase string, group netip.AddrPort) (*GroupKey, error) {
	if passphrase == "" {
		return nil, inputErr("key", "the passphrase is empty")
	}
	salt := []byte("groupcast/v1 group " + group.String())
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte{0})
	h.Write([]byte(passphrase))
	cacheKey := string(h.Sum(nil))
	if k, ok := keyCache.Load(cacheKey); ok {
		return k.(*GroupKey), nil
	}
	master := argon2.IDKey([]byte(passphrase), salt, argonTime, argonMemory, argonThreads, 32)
	debug.FreeOSMemory() // give Argon2's 64 MiB back now, not at some later GC
	dk := make([]byte, chacha20poly1305.KeySize)
	if _, err := io.ReadFull(hkdf.New(sha256.New, master, nil, []byte("groupcast/v1 datagram key")), dk); err != nil {
		return nil, fmt.Errorf("derive datagram key: %w", err)
	}
	k := &GroupKey{}
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
func (k *GroupKey) ID() [4]byte { return k.id }

// IsSealed reports whether b looks like a sealed Groupcast datagram.
func IsSealed(b []byte) bool {
	return len(b) >= sealedHeader && wire.IsGroupcast(b) && b[4] == wire.Version && wire.Kind(b[5]) == KindSealed
}

// Seal appends the sealed form of inner, numbered pn, to dst, with a
// random nonce (24 bytes: no coordination between senders is needed).
func (k *GroupKey) Seal(dst []byte, pn uint64, inner []byte) []byte {
	var nonce [chacha20poly1305.NonceSizeX]byte
	_, _ = rand.Read(nonce[:]) // crypto/rand.Read does not fail on supported platforms
	return k.sealWithNonce(dst, pn, inner, nonce)
}

func (k *GroupKey) sealWithNonce(dst []byte, pn uint64, inner []byte, nonce [chacha20poly1305.NonceSizeX]byte) []byte {
	start := len(dst)
	dst = append(dst, wire.Magic[:]...)
	dst = append(dst, wire.Version, byte(KindSealed), 0, 0)
	dst = append(dst, k.id[:]...)
	dst = append(dst, nonce[:]...)
	end := len(dst)
	dst = binary.BigEndian.AppendUint64(dst, pn)
	dst = append(dst, inner...)
	// Encrypted in place: no buffer per datagram.
	return k.aead.Seal(dst[:end], nonce[:], dst[end:], dst[start:end])
}

// Open checks and decrypts a sealed datagram, returning its packet number
// and the inner datagram. It decrypts in place: inner is a slice of b, and
// b is garbage after an error. Nothing is trusted before it returns
// without error.
func (k *GroupKey) Open(b []byte) (pn uint64, inner []byte, err error) {
	if !IsSealed(b) {
		return 0, nil, ErrNotSealed
	}
	if [4]byte(b[8:12]) != k.id {
		return 0, nil, ErrOtherKey
	}
	if len(b) < sealedHeader+8+chacha20poly1305.Overhead || len(b) > wire.MaxDatagram {
		return 0, nil, ErrForged
	}
	plain, err := k.aead.Open(b[sealedHeader:sealedHeader], b[12:sealedHeader], b[sealedHeader:], b[:sealedHeader])
	if err != nil || len(plain) < 8 {
		return 0, nil, ErrForged
	}
	return binary.BigEndian.Uint64(plain), plain[8:], nil
}
