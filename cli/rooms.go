package cli

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/netip"
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
	Remote    bool   `json:"remote"`
}

func roomJSON(r netconf.Room) jsonRoom {
	j := jsonRoom{Event: "room", Name: r.Name, Group: r.Group.String(), TTL: r.TTL, Presenter: r.Presenter,
		Locked: r.Locked, ReadOnly: r.ReadOnly, Origin: r.Origin.String(), Remote: r.Remote}
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
	var nats netconf.NATSOptions
	registerNATS(fs, &nats, "also list the rooms other networks publish on this NATS server")
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
	err := rooms.DiscoverThrough(nats)(ctx, *iface, *wait, func(r netconf.Room, deleted bool) {
		if !known.Apply(r, deleted) || !*asJSON {
			return
		}
		d := rooms.Describe(r)
		switch {
		case deleted: // by its presenter (rooms.Known): the room has ended
			delete(printed, d)
			j := roomJSON(r)
			j.Event = "room_deleted"
			_ = enc.Encode(j)
		case !printed[d]:
			printed[d] = true
			_ = enc.Encode(roomJSON(r))
		}
	})
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "groupcast: %s\n", oneLine(netconf.Explain(err)))
		return ExitFailure
	}
	printRooms(stdio, known, *asJSON, *wait)
	return ExitOK
}

// printRooms ends groupcast rooms: the rooms heard, a line each (unless
// they went out as JSON while heard), and a warning for each name more
// than one room claims.
func printRooms(stdio IO, known *rooms.Known, asJSON bool, wait time.Duration) {
	list := known.List()
	if !asJSON {
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
	if len(list) == 0 && !asJSON {
		fmt.Fprintf(stdio.Stderr, "no rooms were announced in %s\n", wait.Round(time.Second))
	}
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

// setupRoom resolves -room for a headless command: it waits for the
// announced room (waitForRoom: as long as it runs, or -room-wait), or,
// with -group, creates one; a presenter whose room is not announced
// creates it on the group its name gives. It fills the configuration.
// The room to announce while joined is returned when we create it.
func (o *options) setupRoom(ctx context.Context, cmd string, groupGiven bool, cfg *netconf.Config) (*netconf.Room, error) {
	if o.room == "" {
		if o.present || o.readonly {
			return nil, &netconf.InputError{Field: "room", Msg: "-present and -readonly need -room NAME"}
		}
		return nil, nil
	}
	if o.roomWait < 0 {
		return nil, &netconf.InputError{Field: "room-wait", Msg: fmt.Sprintf("-room-wait %v is negative", o.roomWait)}
	}
	key, err := o.setupRoomKey(cfg)
	if err != nil {
		return nil, err
	}
	if groupGiven {
		return o.newRoom(cfg, key, cfg.Group)
	}
	if key == nil {
		room, err := o.waitForRoom(ctx)
		if err != nil {
			return nil, err
		}
		return nil, o.useRoom(cmd, room, nil, cfg)
	}
	room, err := o.findOwnRoom(ctx, key)
	var nf *rooms.NotFoundError
	if errors.As(err, &nf) {
		// Not announced with our key (yet, or any more: a restart): the
		// presenter starts it on the group its name gives, where its
		// students still are, beside any room of that name with another key.
		for _, r := range nf.Heard {
			if r.Name == o.room {
				o.warnings = append(o.warnings, fmt.Sprintf("another room is announced as %q (%s): yours is announced beside it, and students joining by name are told there are two", o.room, rooms.Describe(r)))
			}
		}
		return o.newRoom(cfg, key, rooms.FreeGroup(o.room, nf.Heard))
	}
	if err != nil {
		return nil, err
	}
	return nil, o.useRoom(cmd, room, key, cfg)
}

// useRoom fills cfg with the room found, joined as its presenter with
// key (nil: as a student), unless it cannot be joined as asked.
func (o *options) useRoom(cmd string, room netconf.Room, key ed25519.PrivateKey, cfg *netconf.Config) error {
	switch {
	case room.Locked && cfg.Passphrase == "":
		return &netconf.InputError{Field: "key", Msg: fmt.Sprintf("%s is locked: give its passphrase with -key-file FILE or GROUPCAST_KEY", room.Name)}
	case room.ReadOnly && key == nil && (cmd == "send" || cmd == "chat"):
		return &netconf.InputError{Field: "room", Msg: fmt.Sprintf("%s is read-only: only its presenter may post", room.Name)}
	}
	cfg.Group, cfg.TTL = room.Group, max(room.TTL, 1)
	cfg.Room, cfg.Presenter = &room, key
	return nil
}

// newRoom describes the room -room creates on group, presented with key
// when given, and returns it to be announced.
func (o *options) newRoom(cfg *netconf.Config, key ed25519.PrivateKey, group netip.AddrPort) (*netconf.Room, error) {
	cfg.Group = group
	room := netconf.Room{Name: o.room, Group: group, TTL: cfg.TTL, Locked: cfg.Passphrase != "", ReadOnly: o.readonly,
		Version: rooms.NewVersion()}
	if key != nil {
		room.Presenter, room.PresenterKey = cfg.Nick, key.Public().(ed25519.PublicKey)
	}
	if _, err := rooms.AppendSAP(nil, room, false, key); err != nil {
		return nil, err
	}
	cfg.Room, cfg.Presenter = &room, key
	return &room, nil
}

// findOwnRoom looks for the room -room names as its presenter (key):
// only a room announced with that key counts (rooms.FindOwn), heard at
// once when it is (its earlier run answers the solicitation); a
// NotFoundError means its room is to be started.
func (o *options) findOwnRoom(ctx context.Context, key ed25519.PrivateKey) (netconf.Room, error) {
	found, err := rooms.FindOwn(ctx, o.discover(), o.iface, o.room, rooms.Settle, key)
	var nf *rooms.NotFoundError
	var ie *netconf.InputError
	switch {
	case err == nil, errors.As(err, &nf), errors.As(err, &ie):
		return found, err
	}
	return netconf.Room{}, &netconf.InputError{Field: "room", Msg: netconf.Explain(err)}
}
