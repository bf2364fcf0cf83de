package hub

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nats-io/nats-server/v2/server"
)

// gate is who may use the hub: whoever presents its token (anyone, when
// it is open), with at most MaxPerAddress connections from one address,
// publishing and subscribing only to Groupcast's subjects. It is
// nats-server's custom authentication: the server asks it once per
// connection, when the client introduces itself.
type gate struct {
	token string // "": open
	srv   *server.Server

	mu      sync.Mutex
	by      map[string][]uint64 // connections let in, by the address they came from
	refused atomic.Uint64       // wrong or no token
	crowded atomic.Uint64       // over MaxPerAddress
}

// groupcastOnly is what a client may do: Groupcast's subjects (gc1.…),
// and its own inbox for replies.
var groupcastOnly = &server.Permissions{
	Publish:   &server.SubjectPermission{Allow: []string{"gc1.>"}},
	Subscribe: &server.SubjectPermission{Allow: []string{"gc1.>", "_INBOX.>"}},
}

func (g *gate) Check(c server.ClientAuthentication) bool {
	if g.token != "" && subtle.ConstantTimeCompare([]byte(c.GetOpts().Token), []byte(g.token)) != 1 {
		g.refused.Add(1)
		return false
	}
	addr := ""
	if a, ok := c.RemoteAddress().(*net.TCPAddr); ok {
		addr = a.IP.String()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	ids := g.by[addr]
	if len(ids) >= MaxPerAddress {
		ids = g.live(ids)
	}
	if len(ids) >= MaxPerAddress {
		g.by[addr] = ids
		g.crowded.Add(1)
		return false
	}
	if _, known := g.by[addr]; !known && len(g.by) >= 2*MaxConnections {
		for a, other := range g.by { // addresses whose connections all closed
			if other = g.live(other); len(other) == 0 {
				delete(g.by, a)
			} else {
				g.by[a] = other
			}
		}
	}
	g.by[addr] = append(ids, c.GetID())
	c.RegisterUser(&server.User{Username: "groupcast", Permissions: groupcastOnly})
	return true
}

// live keeps of ids the connections still open. g.mu is held.
func (g *gate) live(ids []uint64) []uint64 {
	kept := ids[:0]
	for _, id := range ids {
		if g.srv != nil && g.srv.GetClient(id) != nil {
			kept = append(kept, id)
		}
	}
	return kept
}

// tokenBytes is how much randomness a token has: 192 bits, 32 letters.
const tokenBytes = 24

// NewToken makes a hub's token: letters, digits, - and _ only, so it
// goes into a URL as it is.
func NewToken() string {
	b := make([]byte, tokenBytes)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// LoadToken reads the token kept in file, or makes one and keeps it
// there (readable by this user only). made says it is new.
func LoadToken(file string) (token string, made bool, err error) {
	b, err := os.ReadFile(file)
	if err == nil {
		token = strings.TrimSpace(string(b))
		if err := validToken(token); err != nil {
			return "", false, fmt.Errorf("%s: %w", file, err)
		}
		return token, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", false, err
	}
	token = NewToken()
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return "", false, err
	}
	if err := os.WriteFile(file, []byte(token+"\n"), 0o600); err != nil {
		return "", false, fmt.Errorf("cannot keep the hub's token: %w", err)
	}
	return token, true, nil
}

func validToken(t string) error {
	if len(t) < 16 || strings.Trim(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~") != "" {
		return errors.New("a hub's token is at least 16 letters, digits, -, _, . or ~")
	}
	return nil
}
