package cli

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/rooms"
)

// DefaultRoomWait is how long -room and rooms listen for announcements:
// announcers repeat every 5 s, so one full interval and a margin.
const DefaultRoomWait = 6 * time.Second

type jsonRoom struct {
	Event     string `json:"event"`
	Name      string `json:"name"`
	Group     string `json:"group"`
	TTL       int    `json:"ttl"`
	Presenter string `json:"presenter,omitempty"`
	Key       string `json:"presenter_key,omitempty"`
	Locked    bool   `json:"locked"`
	ReadOnly  bool   `json:"readonly"`
	Origin    string `json:"origin"`
}

func roomJSON(r netconf.Room) jsonRoom {
	j := jsonRoom{Event: "room", Name: r.Name, Group: r.Group.String(), TTL: r.TTL, Presenter: r.Presenter,
		Locked: r.Locked, ReadOnly: r.ReadOnly, Origin: r.Origin.String()}
	if len(r.PresenterKey) == ed25519.PublicKeySize {
		j.Key = rooms.Fingerprint(r.PresenterKey)
	}
	return j
}

// runRooms lists the rooms announced on this network.
func runRooms(ctx context.Context, args []string, stdio IO) int {
	fs := flag.NewFlagSet("groupcast rooms", flag.ContinueOnError)
	iface := fs.String("iface", "", "network interface (default: automatic)")
	wait := fs.Duration("wait", DefaultRoomWait, "how long to listen for announcements")
	asJSON := fs.Bool("json", false, "one JSON object per room")
	if code, done := parseFlags(fs, args, stdio); done {
		return code
	}
	if *wait <= 0 || *wait > time.Hour {
		return usageError(stdio, fmt.Errorf("-wait %v is out of range; use 1s to 1h", *wait))
	}
	if *iface == "auto" {
		*iface = ""
	}
	if *iface != "" {
		if _, err := netconf.ResolveInterface(*iface, rooms.SAPGroup.Addr()); err != nil {
			return usageError(stdio, err)
		}
	}
	enc := json.NewEncoder(stdio.Stdout)
	enc.SetEscapeHTML(false)
	known := rooms.NewKnown()
	printed := map[string]bool{} // rooms already printed as JSON, by Describe
	err := rooms.Discover(ctx, *iface, *wait, func(r netconf.Room, deleted bool) {
		if !known.Apply(r, deleted) || deleted || !*asJSON {
			return
		}
		if d := rooms.Describe(r); !printed[d] {
			printed[d] = true
			_ = enc.Encode(roomJSON(r))
		}
	})
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "groupcast: %s\n", oneLine(netconf.Explain(err)))
		return ExitFailure
	}
	list := known.List()
	if !*asJSON {
		for _, r := range list {
			fmt.Fprintln(stdio.Stdout, rooms.Describe(r))
		}
	}
	warned := map[string]bool{}
	for _, r := range list {
		if known.Claimed(r.Name) && !warned[r.Name] {
			warned[r.Name] = true
			fmt.Fprintf(stdio.Stderr, "warning: more than one room is announced as %q: one may be an impostor; ask its presenter which key is theirs\n", r.Name)
		}
	}
	if len(list) == 0 && !*asJSON {
		fmt.Fprintf(stdio.Stderr, "no rooms were announced in %s\n", wait.Round(time.Second))
	}
	return ExitOK
}

// setupRoomKey loads the presenter key for -present (nil without it).
func (o *options) setupRoomKey(cfg *netconf.Config) (ed25519.PrivateKey, error) {
	if !o.present {
		return nil, nil
	}
	path := o.presenterKey
	if path == "" {
		p, err := rooms.DefaultPresenterKeyPath()
		if err != nil {
			return nil, err
		}
		path = p
	}
	k, created, err := rooms.LoadPresenterKey(path)
	if err != nil {
		return nil, &netconf.InputError{Field: "present", Msg: err.Error()}
	}
	if created {
		o.warnings = append(o.warnings, "made a new presenter key in "+path+"; keep it: students recognise you by it")
	}
	cfg.Presenter = k
	return k, nil
}

// room resolves -room for a headless command: it finds the announced room
// (or, with -group, creates one) and fills the configuration. The
// announcer to run while joined is returned when we create the room.
func (o *options) setupRoom(ctx context.Context, cmd string, groupGiven bool, cfg *netconf.Config) (*netconf.Room, error) {
	if o.room == "" {
		if o.present || o.readonly {
			return nil, &netconf.InputError{Field: "room", Msg: "-present and -readonly need -room NAME"}
		}
		return nil, nil
	}
	key, err := o.setupRoomKey(cfg)
	if err != nil {
		return nil, err
	}
	var room netconf.Room
	if groupGiven {
		room = netconf.Room{Name: o.room, Group: cfg.Group, TTL: cfg.TTL, Locked: cfg.Passphrase != "", ReadOnly: o.readonly}
		if key != nil {
			room.Presenter, room.PresenterKey = cfg.Nick, key.Public().(ed25519.PublicKey)
		}
		if _, err := rooms.AppendSAP(nil, room, false, key); err != nil {
			return nil, err
		}
	} else {
		found, err := rooms.Find(ctx, rooms.Discover, o.iface, o.room, o.roomWait)
		var nf *rooms.NotFoundError
		var amb *rooms.AmbiguousError
		switch {
		case errors.As(err, &nf):
			return nil, &netconf.InputError{Field: "room", Msg: nf.Error() + " (groupcast rooms lists the rooms heard)"}
		case errors.As(err, &amb):
			return nil, &netconf.InputError{Field: "room", Msg: amb.Error() + " (groupcast rooms lists each with its key)"}
		case err != nil:
			var ie *netconf.InputError
			if errors.As(err, &ie) {
				return nil, err
			}
			return nil, &netconf.InputError{Field: "room", Msg: netconf.Explain(err)}
		}
		room = found
		cfg.Group, cfg.TTL = room.Group, max(room.TTL, 1)
		switch {
		case room.Locked && cfg.Passphrase == "":
			return nil, &netconf.InputError{Field: "key", Msg: fmt.Sprintf("%s is locked: give its passphrase with -key-file FILE or GROUPCAST_KEY", room.Name)}
		case key != nil && !room.PresenterKey.Equal(key.Public()):
			return nil, &netconf.InputError{Field: "present", Msg: fmt.Sprintf("you are not the presenter of %s: its announcements are signed with another key", room.Name)}
		case room.ReadOnly && key == nil && (cmd == "send" || cmd == "chat"):
			return nil, &netconf.InputError{Field: "room", Msg: fmt.Sprintf("%s is read-only: only its presenter may post", room.Name)}
		}
	}
	cfg.Room, cfg.Presenter = &room, key
	if groupGiven {
		return &room, nil
	}
	return nil, nil
}
