package cli

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/groupcast/groupcast/internal/hub"
	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/bridge"
	"github.com/groupcast/groupcast/netconf/rooms"
	"github.com/groupcast/groupcast/netconf/wire"
)

// runBridge forwards a group between this network and a NATS server
// until interrupted (docs/BRIDGE.md).
func runBridge(ctx context.Context, args []string, stdio IO) int {
	fs := flag.NewFlagSet("groupcast bridge", flag.ContinueOnError)
	var o options
	fs.StringVar(&o.group, "group", netconf.DefaultGroup.String(), "multicast group ADDR:PORT to forward")
	fs.StringVar(&o.room, "room", "", "forward the group of the room announced with this name instead")
	fs.DurationVar(&o.roomWait, "room-wait", DefaultRoomWait, "how long -room listens for the room's announcement")
	fs.StringVar(&o.iface, "iface", "", "network interface (default: automatic)")
	fs.IntVar(&o.ttl, "ttl", netconf.DefaultTTL, "multicast TTL of what is forwarded here, 0-255")
	registerNATS(fs, &o.nats, "the NATS server the networks meet at: nats://HOST:4222 (tls://… for TLS)")
	subject := fs.Bool("subject", false, "print the group's NATS subjects (for a NATS account's permissions) and exit")
	asJSON := fs.Bool("json", false, "print the bridge's state as JSON lines")
	secretFile := fs.String("bridge-secret-file", "", "sign beacons with a key made from the secret in this file (default: from the token in -nats)")
	every := fs.Duration("stats", 10*time.Second, "how often to print what was forwarded (0: never)")
	if code, done := parseFlags(fs, args, stdio); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stdio, fmt.Errorf("unexpected %q: bridge takes no text", fs.Arg(0)))
	}
	if o.iface == "auto" {
		o.iface = ""
	}
	g, err := bridgeGroup(ctx, &o)
	if err != nil {
		return usageError(stdio, err)
	}
	if *subject {
		d, c := bridge.SubjectsOf(g)
		fmt.Fprintf(stdio.Stdout, "%s\n%s\n%s\n", d, c, bridge.SAPSubject)
		return ExitOK
	}
	if o.nats.URL == "" {
		return usageError(stdio, errors.New("no NATS server given: add -nats nats://HOST:4222 (groupcast hub starts one)"))
	}
	if err := o.nats.Check(); err != nil {
		return usageError(stdio, err)
	}
	log := bridgeLog{stderr: stdio.Stderr}
	if *asJSON {
		log.json = json.NewEncoder(stdio.Stdout)
	}
	cfg := bridge.Config{Group: g, NATS: o.nats, Interface: o.iface, TTL: o.ttl, Log: log.say, SAP: true, StateDir: bridgeStateDir()}
	if cfg.Key, err = bridgeKeyFrom(*secretFile); err != nil {
		return usageError(stdio, err)
	}
	b, err := bridge.Start(cfg)
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "groupcast: %s\n", oneLine(netconf.Explain(err)))
		return ExitFailure
	}
	defer b.Close()
	log.say(fmt.Sprintf("forwarding %s between this network and %s", g, o.nats.Redacted()))
	if key := b.Stats().Key; key != "" {
		log.say("members here tell this site's bridges from impostors with -bridge-key " + key)
	} else {
		log.say("this bridge's beacons are not signed (the NATS server is open, or its address has no token): any computer here can pose as a bridge; what a bridge passes on is charged to it as to one computer")
	}
	log.report(ctx, b, *every)
	return ExitOK
}

// bridgeKeyFrom is the key made from the secret in file (-bridge-secret-
// file), or nil when file is "" (then the bridge makes it from the token
// in -nats).
func bridgeKeyFrom(file string) (ed25519.PrivateKey, error) {
	if file == "" {
		return nil, nil
	}
	secret, err := os.ReadFile(file)
	if err != nil || len(strings.TrimSpace(string(secret))) == 0 {
		return nil, fmt.Errorf("-bridge-secret-file: cannot read a secret from %s", file)
	}
	return wire.BridgeKey([]byte(strings.TrimSpace(string(secret)))), nil
}

// bridgeGroup is the group to forward: -group's, or with -room the group
// of the room announced by that name.
func bridgeGroup(ctx context.Context, o *options) (netip.AddrPort, error) {
	g, err := netconf.ParseGroup(o.group)
	if err != nil {
		return g, err
	}
	if o.room != "" {
		r, err := rooms.Find(ctx, rooms.DiscoverThrough(o.nats), o.iface, o.room, o.roomWait)
		if err != nil {
			return g, err
		}
		g = r.Group
	}
	return g, nil
}

// bridgeStateDir is where the bridge keeps its network's id, so that
// after a restart it labels this network's members as before; "" (a new
// id each run) when this user has no configuration folder.
func bridgeStateDir() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "groupcast")
}

// bridgeLog is what the bridge says: lines for people on standard error,
// or with -json objects on standard output.
type bridgeLog struct {
	json   *json.Encoder // -json; nil for lines
	stderr io.Writer
}

// say is bridge.Config.Log: one sentence.
func (l bridgeLog) say(s string) {
	if l.json != nil {
		_ = l.json.Encode(map[string]any{"event": "bridge", "text": s, "time": time.Now().Format(time.RFC3339Nano)})
		return
	}
	fmt.Fprintf(l.stderr, "groupcast bridge: %s\n", s)
}

// report says what b has forwarded every period (never when it is 0),
// and once more as ctx ends the bridge.
func (l bridgeLog) report(ctx context.Context, b *bridge.Bridge, every time.Duration) {
	var tick <-chan time.Time
	if every > 0 {
		t := time.NewTicker(every)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			s := b.Stats()
			l.say(fmt.Sprintf("stopped: %d datagrams sent to other networks, %d brought here", s.Out, s.In))
			return
		case <-tick:
			l.stats(b.Stats())
		}
	}
}

// stats says the bridge's counters and whether it forwards or stands by.
func (l bridgeLog) stats(s bridge.Stats) {
	if l.json != nil {
		_ = l.json.Encode(map[string]any{"event": "stats", "out": s.Out, "in": s.In, "dropped": s.Dropped,
			"junk": s.Junk, "throttled": s.Throttled, "forged_beacons": s.Forged,
			"forwarding": s.Forwarding, "other_bridges": s.Others, "net": fmt.Sprintf("%x", s.Net)})
		return
	}
	state := "forwarding"
	if !s.Forwarding {
		state = "standing by (another bridge of this network forwards)"
	}
	l.say(fmt.Sprintf("%s; %d datagrams sent to other networks, %d brought here, %d refused (%d not this group's, %d over a computer's budget), %d forged beacons ignored",
		state, s.Out, s.In, s.Dropped+s.Junk+s.Throttled, s.Junk, s.Throttled, s.Forged))
}

// runHub runs an embedded NATS server until interrupted: closed to
// whoever has not its token (made the first time, kept in the
// configuration folder), or with -open to anyone, with a warning.
func runHub(ctx context.Context, args []string, stdio IO) int {
	fs := flag.NewFlagSet("groupcast hub", flag.ContinueOnError)
	var o hub.Options
	fs.StringVar(&o.Listen, "listen", "0.0.0.0:4222", "ADDR:PORT to accept members and bridges on")
	fs.StringVar(&o.TLSCert, "tls-cert", "", "certificate file: accept TLS connections only (with -tls-key)")
	fs.StringVar(&o.TLSKey, "tls-key", "", "the certificate's key file")
	fs.StringVar(&o.Config, "config", "", "a nats-server configuration file (accounts, clusters); the flags above override it")
	fs.StringVar(&o.LeafListen, "leaf-listen", "", "accept another site's hub as a leaf node on ADDR:PORT (for example 0.0.0.0:7422)")
	fs.StringVar(&o.Remote, "leaf-of", "", "join the hub at this URL as a leaf node (nats-leaf://leaf:TOKEN@HOST:7422): it dials out, no port opened here")
	fs.StringVar(&o.TokenFile, "token-file", "", "the file the hub's token is kept in (default: hub-token in your configuration folder; made the first time)")
	fs.BoolVar(&o.Open, "open", false, "let anyone who reaches the hub read and send in every group through it, without the token")
	if code, done := parseFlags(fs, args, stdio); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stdio, fmt.Errorf("unexpected %q: hub takes no text", fs.Arg(0)))
	}
	if (o.TLSCert == "") != (o.TLSKey == "") {
		return usageError(stdio, errors.New("-tls-cert and -tls-key go together"))
	}
	if o.TokenFile == "" && !o.Open {
		if dir := bridgeStateDir(); dir != "" {
			o.TokenFile = filepath.Join(dir, "hub-token")
		}
	}
	h, err := hub.Start(o)
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "groupcast: %s\n", oneLine(err.Error()))
		return ExitFailure
	}
	defer h.Close()
	sayHub(stdio.Stderr, h, o)
	<-ctx.Done()
	fmt.Fprintln(stdio.Stderr, "groupcast hub: stopped")
	return ExitOK
}

// sayHub tells who may use the hub, and the addresses to give bridges and
// members (with the token: treat them as passwords).
func sayHub(w io.Writer, h *hub.Server, o hub.Options) {
	urls := h.URLs()
	switch {
	case h.Open():
		fmt.Fprintf(w, "groupcast hub: serving NATS at %s, OPEN: anyone who reaches it can read and send in every group through it (-open); bridges and members join with -nats %s\n", h.Addr(), urls[0])
		return
	case h.Token() == "":
		fmt.Fprintf(w, "groupcast hub: serving NATS at %s; its configuration's accounts decide who may use it\n", h.Addr())
		return
	}
	where := "kept for this run only"
	if o.TokenFile != "" {
		where = "kept in " + o.TokenFile
	}
	fmt.Fprintf(w, "groupcast hub: serving NATS at %s, closed: only who has its token may use it (%s; the addresses below hold it: give them only to bridges and trusted members)\n", h.Addr(), where)
	fmt.Fprintf(w, "groupcast hub: bridges and members join with -nats %s\n", strings.Join(urls, " or "))
	fmt.Fprintf(w, "groupcast hub: members on bridged networks tell real bridges from impostors with -bridge-key %s\n",
		wire.FormatBridgeKey(wire.BridgeKey([]byte(h.Token())).Public().(ed25519.PublicKey)))
	if o.LeafListen != "" {
		fmt.Fprintf(w, "groupcast hub: another site's hub joins with -leaf-of nats-leaf://%s:%s@THIS-HOST%s\n", hub.LeafUser, h.Token(), o.LeafListen[strings.LastIndex(o.LeafListen, ":"):])
	}
}
