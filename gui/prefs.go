package gui

import (
	"encoding/json"
	"errors"
	"net/netip"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/wire"
)

// Preference keys: the last membership the user asked for.
const (
	prefGroup    = "group"     // "239.255.3.3"
	prefPort     = "port"      // 3333
	prefNick     = "nick"      // "Alice"
	prefIface    = "interface" // "" for automatic
	prefTTL      = "ttl"
	prefLoopback = "loopback"
	prefPlain    = "plain"
	prefEncoding = "encoding"
	// Other networks: the NATS server joined through ("" for multicast),
	// its credentials file and CA certificate.
	prefNATSURL   = "nats_url"
	prefNATSCreds = "nats_creds"
	prefNATSCA    = "nats_ca"
	// The site's bridge key (netconf.Config.BridgeKey).
	prefBridgeKey = "bridge_key"
	// The room of that membership (JSON of netconf.Room, "" for none) and
	// whether we presented it.
	prefRoom       = "room"
	prefPresenting = "presenting"
)

// loadSettings fills what the user last used into cfg, where remembered
// and where given (flag names: the command line's or the settings
// file's) does not say that cfg holds what was asked for: flags win.
func loadSettings(p fyne.Preferences, cfg netconf.Config, given map[string]bool) netconf.Config {
	if a, err := netip.ParseAddr(p.String(prefGroup)); err == nil && a.Is4() && a.IsMulticast() && !given["join"] {
		port := p.IntWithFallback(prefPort, int(cfg.Group.Port()))
		if port >= 1 && port <= 65535 {
			cfg.Group = netip.AddrPortFrom(a, uint16(port))
		}
	}
	if n := p.String(prefNick); wire.ValidNick(n) == nil && !given["name"] {
		cfg.Nick = n
	}
	if !given["iface"] {
		cfg.Interface = p.StringWithFallback(prefIface, cfg.Interface)
	}
	if t := p.IntWithFallback(prefTTL, cfg.TTL); netconf.ValidateTTL(t) == nil && !given["ttl"] {
		cfg.TTL = t
	}
	if !given["loopback"] {
		cfg.Loopback = p.BoolWithFallback(prefLoopback, cfg.Loopback)
	}
	if !given["plain"] {
		cfg.Plain = p.BoolWithFallback(prefPlain, cfg.Plain)
	}
	if e := p.String(prefEncoding); netconf.ValidEncoding(e) == nil && e != "" && !given["encoding"] {
		cfg.Encoding = e
	}
	if u := p.StringWithFallback(prefNATSURL, cfg.NATS.URL); (u == "" || (netconf.NATSOptions{URL: u}).Check() == nil) && !given["nats"] {
		cfg.NATS.URL = u
	}
	if !given["nats-creds"] {
		cfg.NATS.Creds = p.StringWithFallback(prefNATSCreds, cfg.NATS.Creds)
	}
	if !given["nats-ca"] {
		cfg.NATS.CA = p.StringWithFallback(prefNATSCA, cfg.NATS.CA)
	}
	if k := p.StringWithFallback(prefBridgeKey, cfg.BridgeKey); !given["bridge-key"] && (k == "" || validBridgeKey(k)) {
		cfg.BridgeKey = k
	}
	return cfg
}

func saveSettings(p fyne.Preferences, cfg netconf.Config) {
	p.SetString(prefGroup, cfg.Group.Addr().String())
	p.SetInt(prefPort, int(cfg.Group.Port()))
	p.SetString(prefNick, cfg.Nick)
	p.SetString(prefIface, cfg.Interface)
	p.SetInt(prefTTL, cfg.TTL)
	p.SetBool(prefLoopback, cfg.Loopback)
	p.SetBool(prefPlain, cfg.Plain)
	p.SetString(prefEncoding, cfg.Encoding)
	p.SetString(prefNATSURL, cfg.NATS.URL)
	p.SetString(prefNATSCreds, cfg.NATS.Creds)
	p.SetString(prefNATSCA, cfg.NATS.CA)
	p.SetString(prefBridgeKey, cfg.BridgeKey)
}

func validBridgeKey(k string) bool { _, err := wire.ParseBridgeKey(k); return err == nil }

// bridgeKeyProblem says what is wrong with the bridge key typed in the
// settings ("" is none).
func bridgeKeyProblem(s string) error {
	if strings.TrimSpace(s) != "" && !validBridgeKey(s) {
		return errors.New(lang.L("a bridge key is the 43 letters, digits, - and _ that groupcast hub prints"))
	}
	return nil
}

// saveRoom remembers the room of the membership being joined (nil: none),
// and whether we present it, so that a restarted window joins it the same
// way: a presenter still signs, a student still verifies with its key.
func saveRoom(p fyne.Preferences, r *netconf.Room, presenting bool) {
	text := ""
	if r != nil {
		if b, err := json.Marshal(r); err == nil {
			text = string(b)
		}
	}
	p.SetString(prefRoom, text)
	p.SetBool(prefPresenting, r != nil && presenting)
}

// loadRoom is what saveRoom remembered (nil when nothing, or nothing
// valid).
func loadRoom(p fyne.Preferences) (r *netconf.Room, presenting bool) {
	var room netconf.Room
	if err := json.Unmarshal([]byte(p.String(prefRoom)), &room); err != nil || wire.ValidNick(room.Name) != nil ||
		!room.Group.Addr().IsMulticast() || room.Group.Port() == 0 {
		return nil, false
	}
	return &room, p.Bool(prefPresenting)
}
