package netconf

import (
	"crypto/ed25519"
	"encoding/hex"
	"net/netip"

	"github.com/groupcast/groupcast/netconf/internal/catchup"
	"github.com/groupcast/groupcast/netconf/internal/link"
	"github.com/groupcast/groupcast/netconf/internal/natsnet"
	"github.com/groupcast/groupcast/netconf/internal/seal"
	"github.com/groupcast/groupcast/netconf/wire"
)

// Config is what a membership needs.
type Config struct {
	Group     netip.AddrPort
	Interface string // a name, or "" for automatic
	TTL       int    // 0-255; 1 keeps traffic on the local network
	Loopback  bool   // let other programs on this host hear us
	Nick      string
	// Passphrase makes the group private: every datagram is sealed with a
	// key derived from it (see docs/SECURITY.md). Empty: an open group.
	Passphrase string
	// Plain sends each message as bare text, as classic multicast tools
	// do: no names, no repair, no privacy, no presence traffic.
	// Encoding is how the group's classic tools write text: EncodingUTF8,
	// EncodingGBK, or "" for automatic (each sender's text read as it
	// plausibly is, and what a sender was seen to use remembered). Plain
	// text is sent in it ("": UTF-8), and bare text received is read in it
	// first.
	Plain    bool
	Encoding string
	// SendOnly opens no receiver (plain groups only): a script that only
	// sends bare text needs no port of its own, so it works even where a
	// classic program holds the port without sharing it.
	SendOnly bool
	// Room is the room joined by name: its presenter key verifies
	// announcements, and in a read-only room only those are shown.
	Room *Room
	// Presenter signs what we send, as the room's presenter.
	Presenter ed25519.PrivateKey
	// SaveDir is where files offered to the group are saved ("": offers
	// are reported, not fetched). MaxFileSize is the largest taken (0:
	// DefaultMaxFileSize). FileRate caps sending a file, in bits a second
	// (0: DefaultFileRate).
	SaveDir     string
	MaxFileSize int64
	FileRate    float64
	// Archive is what this member keeps of the conversation (its
	// history), nil when it keeps nothing. With it the member asks the
	// group, on joining, for what it missed since it last kept something,
	// and answers others who ask from what it keeps (docs/PROTOCOL.md,
	// "Catch-up"); messages then carry their datagrams (Message.Wire).
	Archive Archive
	// NATS, when its URL is set, joins the group through a NATS server
	// instead of multicast (docs/BRIDGE.md): from another network, or
	// from home. The datagrams are the same, sealed in a private group;
	// Interface, TTL and Loopback do not apply.
	NATS NATSOptions
	// BridgeKey is the site's bridge key (wire.FormatBridgeKey, printed
	// by `groupcast hub`): only a bridge whose beacons it verifies is one,
	// and then vouches for where what it passes on was sent. Unset,
	// whatever a bridge passes on is charged to it as to one computer.
	BridgeKey string
}

// NATSOptions say how to reach a NATS server: URL (nats://HOST:4222,
// tls://… for TLS), Creds (a credentials file) and CA (a CA certificate
// to check the server's TLS with).
type NATSOptions = natsnet.Options

// Archive is a conversation's kept messages, as catch-up needs them:
// Last, when something was last kept, and Kept, the latest messages kept
// since a time, each as its DATA datagrams (Message.Wire). Its methods
// are called from a goroutine of their own, never the engine's loop.
type Archive = catchup.Archive

// DefaultConfig is a membership of DefaultGroup with TTL 1 and loopback
// on; the nickname must still be set.
func DefaultConfig() Config {
	return Config{Group: DefaultGroup, TTL: DefaultTTL, Loopback: true}
}

// checkValues validates everything but the interface.
func (c Config) checkValues() error {
	if c.NATS.URL != "" {
		if err := c.NATS.Check(); err != nil {
			return inputErr("nats", "%v", err)
		}
	}
	if _, err := ParseGroupAddr(c.Group.Addr().String()); err != nil || !c.Group.IsValid() {
		if err == nil {
			err = inputErr("group", "no group given; write ADDRESS:PORT, for example %s", DefaultGroup)
		}
		return err
	}
	if c.Group.Port() == 0 {
		return inputErr("port", "port 0 is not usable; use 1 to 65535")
	}
	if err := ValidateTTL(c.TTL); err != nil {
		return err
	}
	if err := wire.ValidNick(c.Nick); err != nil {
		return inputErr("name", "the name must be 1 to %d bytes of text without control characters", wire.MaxNickBytes)
	}
	if err := ValidEncoding(c.Encoding); err != nil {
		return err
	}
	if _, err := wire.ParseBridgeKey(c.BridgeKey); c.BridgeKey != "" && err != nil {
		return inputErr("bridge-key", "%v", err)
	}
	if c.Presenter != nil && (c.Room == nil || wire.ValidNick(c.Room.Name) != nil) {
		return inputErr("room", "only a room has a presenter: give its name (what the presenter signs includes it)")
	}
	if c.Plain && (c.Presenter != nil || c.Room != nil) {
		return inputErr("plain", "plain text cannot be used in a room: announcements are signed and receipts need Groupcast's format")
	}
	if c.SendOnly && !c.Plain {
		return inputErr("plain", "only plain text can be sent without listening: Groupcast's own messages need the replies of the group")
	}
	if c.Plain && c.Passphrase != "" {
		return inputErr("plain", "plain text cannot be private: classic tools cannot read sealed datagrams; choose one or the other")
	}
	return nil
}

// Check validates the configuration and resolves the interface. Warnings
// are things to tell the user that do not stop the join (link-local
// groups). Errors are *InputError when the user can fix them.
func (c Config) Check() (Choice, []string, error) {
	if err := c.checkValues(); err != nil {
		return Choice{}, nil, err
	}
	if c.NATS.URL != "" {
		return Choice{}, nil, nil // no interface: the group is reached through NATS
	}
	choice, err := ResolveInterface(c.Interface, c.Group.Addr())
	if err != nil {
		return Choice{}, nil, err
	}
	var warnings []string
	if w := ScopeOf(c.Group.Addr()).Warning; w != "" {
		warnings = append(warnings, w)
	}
	if choice.Loopback && c.Interface == "" {
		warnings = append(warnings, "no network interface is available, so only programs on this computer will hear you")
	}
	return choice, warnings, nil
}

// KeyID is the public id of the key a passphrase gives on group ("" for
// none), as the doctor shows the ids of private members it hears ("key
// 1a2b3c4d"): whoever shows another id uses another passphrase.
func KeyID(group netip.AddrPort, passphrase string) string {
	k, err := deriveKey(Config{Group: group, Passphrase: passphrase})
	if err != nil || k == nil {
		return ""
	}
	id := k.ID()
	return hex.EncodeToString(id[:])
}

// deriveKey makes the key of a private group (link.GroupKey).
func deriveKey(cfg Config) (*seal.Key, error) { return link.GroupKey(cfg.Passphrase, cfg.Group) }
