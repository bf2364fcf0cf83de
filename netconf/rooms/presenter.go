package rooms

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// DefaultPresenterKeyPath is where a presenter's signing key lives, so it
// survives restarts and students keep recognising the same presenter:
// $XDG_CONFIG_HOME/groupcast/presenter.key on Linux, the equivalent
// configuration folder on Windows and macOS.
func DefaultPresenterKeyPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the configuration folder: %w", err)
	}
	return filepath.Join(dir, "groupcast", "presenter.key"), nil
}

// LoadPresenterKey reads the Ed25519 key at path, creating it (readable by
// the user only) when there is none yet.
func LoadPresenterKey(path string) (ed25519.PrivateKey, bool, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(seed) != ed25519.SeedSize {
			return nil, false, fmt.Errorf("the presenter key %s is damaged; move it away to make a new one", path)
		}
		return ed25519.NewKeyFromSeed(seed), false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("read the presenter key: %w", err)
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, false, fmt.Errorf("make a presenter key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("save the presenter key: %w", err)
	}
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(key.Seed())+"\n"), 0o600); err != nil {
		return nil, false, fmt.Errorf("save the presenter key: %w", err)
	}
	return key, true, nil
}

// Fingerprint is a short, readable form of a presenter's public key.
func Fingerprint(pub ed25519.PublicKey) string {
	s := base64.RawURLEncoding.EncodeToString(pub)
	if len(s) > 11 {
		s = s[:11]
	}
	return s
}
