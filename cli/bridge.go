package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/groupcast/groupcast/internal/hub"
	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/bridge"
	"github.com/groupcast/groupcast/netconf/rooms"
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
	g, err := netconf.ParseGroup(o.group)
	if err != nil {
		return usageError(stdio, err)
	}
	if o.room != "" {
		r, err := rooms.Find(ctx, rooms.DiscoverThrough(o.nats), o.iface, o.room, o.roomWait)
		if err != nil {
			return usageError(stdio, err)
		}
		g = r.Group
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
	enc := json.NewEncoder(stdio.Stdout)
	say := func(s string) {
		if *asJSON {
			_ = enc.Encode(map[string]any{"event": "bridge", "text": s, "time": time.Now().Format(time.RFC3339Nano)})
			return
		}
		fmt.Fprintf(stdio.Stderr, "groupcast bridge: %s\n", s)
	}
	state := ""
	if dir, err := os.UserConfigDir(); err == nil {
		state = filepath.Join(dir, "groupcast")
	}
	b, err := bridge.Start(bridge.Config{Group: g, NATS: o.nats, Interface: o.iface, TTL: o.ttl, Log: say, SAP: true, StateDir: state})
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "groupcast: %s\n", oneLine(netconf.Explain(err)))
		return ExitFailure
	}
	defer b.Close()
	say(fmt.Sprintf("forwarding %s between this network and %s", g, o.nats.URL))
	var tick <-chan time.Time
	if *every > 0 {
		t := time.NewTicker(*every)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			s := b.Stats()
			say(fmt.Sprintf("stopped: %d datagrams sent to other networks, %d brought here", s.Out, s.In))
			return ExitOK
		case <-tick:
			s := b.Stats()
			if *asJSON {
				_ = enc.Encode(map[string]any{"event": "stats", "out": s.Out, "in": s.In, "dropped": s.Dropped,
					"forwarding": s.Forwarding, "other_bridges": s.Others, "net": fmt.Sprintf("%x", s.Net)})
				continue
			}
			state := "forwarding"
			if !s.Forwarding {
				state = "standing by (another bridge of this network forwards)"
			}
			say(fmt.Sprintf("%s; %d datagrams sent to other networks, %d brought here, %d refused", state, s.Out, s.In, s.Dropped))
		}
	}
}

// runHub runs an embedded NATS server until interrupted.
func runHub(ctx context.Context, args []string, stdio IO) int {
	fs := flag.NewFlagSet("groupcast hub", flag.ContinueOnError)
	var o hub.Options
	fs.StringVar(&o.Listen, "listen", "0.0.0.0:4222", "ADDR:PORT to accept members and bridges on")
	fs.StringVar(&o.TLSCert, "tls-cert", "", "certificate file: accept TLS connections only (with -tls-key)")
	fs.StringVar(&o.TLSKey, "tls-key", "", "the certificate's key file")
	fs.StringVar(&o.Config, "config", "", "a nats-server configuration file (accounts, clusters); the flags above override it")
	fs.StringVar(&o.LeafListen, "leaf-listen", "", "accept another site's hub as a leaf node on ADDR:PORT (for example 0.0.0.0:7422)")
	fs.StringVar(&o.Remote, "leaf-of", "", "join the hub at this URL as a leaf node (nats-leaf://HOST:7422): it dials out, no port opened here")
	if code, done := parseFlags(fs, args, stdio); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stdio, fmt.Errorf("unexpected %q: hub takes no text", fs.Arg(0)))
	}
	if (o.TLSCert == "") != (o.TLSKey == "") {
		return usageError(stdio, errors.New("-tls-cert and -tls-key go together"))
	}
	h, err := hub.Start(o)
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "groupcast: %s\n", oneLine(err.Error()))
		return ExitFailure
	}
	defer h.Close()
	fmt.Fprintf(stdio.Stderr, "groupcast hub: serving NATS at %s; bridges and members join with -nats %s\n", h.Addr(), h.URL())
	<-ctx.Done()
	fmt.Fprintln(stdio.Stderr, "groupcast hub: stopped")
	return ExitOK
}
