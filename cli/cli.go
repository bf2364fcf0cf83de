// Package cli is Groupcast's command line: it parses arguments, drives the
// netconf engine for the headless commands (listen, send, chat) and hands
// over to the GUI otherwise. It does not import the GUI toolkit, so it is
// tested without a display.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/groupcast/groupcast/internal/launch"
	"github.com/groupcast/groupcast/internal/version"
	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/rooms"
	"github.com/groupcast/groupcast/netconf/wire"
)

// Version is the program's version, shown by -version.
const Version = version.Version

// Exit statuses.
const (
	ExitOK      = 0
	ExitFailure = 1 // the network or the system failed
	ExitUsage   = 2 // the user asked for something invalid
)

// GUIFunc opens the window as start asks. The window closes (leaving the
// group) when ctx ends: SIGINT or SIGTERM.
type GUIFunc func(ctx context.Context, start Window) int

// Window is what the command line (and the settings file) ask of the
// window (internal/launch, which the window reads without importing the
// command line).
type Window = launch.Window

// IO is where a command reads and writes.
type IO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Run runs the command line args (without the program name) and returns
// the exit status. ctx ends listen and chat (SIGINT/SIGTERM in main).
func Run(ctx context.Context, args []string, stdio IO, gui GUIFunc) int {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, rest := args[0], args[1:]
		switch cmd {
		case "listen", "send", "chat":
			return offMainThread(func() int { return runHeadless(ctx, cmd, rest, stdio) })
		case "doctor":
			return offMainThread(func() int { return runDoctor(ctx, rest, stdio) })
		case "rooms":
			return offMainThread(func() int { return runRooms(ctx, rest, stdio) })
		case "bench":
			return offMainThread(func() int { return runBench(ctx, rest, stdio) })
		case "history":
			return runHistory(ctx, rest, stdio)
		case "bridge":
			return offMainThread(func() int { return runBridge(ctx, rest, stdio) })
		case "hub":
			return offMainThread(func() int { return runHub(ctx, rest, stdio) })
		case "help":
			fmt.Fprint(stdio.Stdout, usage)
			return ExitOK
		case "version":
			fmt.Fprintln(stdio.Stdout, "groupcast", Version)
			return ExitOK
		}
		return usageError(stdio, fmt.Errorf("unknown command %q (commands: listen, send, chat, history, rooms, bridge, hub, doctor, bench; see groupcast -h)", cmd))
	}
	return runGUI(ctx, args, stdio, gui)
}

// offMainThread runs a headless command on a goroutine of its own. The
// GUI toolkit locks the main goroutine to the process's first OS thread
// (OpenGL needs that) as soon as it is linked in, so every time the main
// goroutine blocks and wakes the runtime must switch OS threads: measured
// with groupcast bench, a sender driving the engine from it managed 15 000
// to 19 000 messages/s, against 46 000 from any other goroutine.
func offMainThread(f func() int) int {
	code := make(chan int, 1)
	go func() { code <- f() }()
	return <-code
}

func usageError(stdio IO, err error) int {
	fmt.Fprintf(stdio.Stderr, "groupcast: %s\n", oneLine(err.Error()))
	return ExitUsage
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// options are the flags shared by every way of joining.
type options struct {
	group, iface, name string
	key, keyFile       string
	encoding           string
	ttl                int
	loopback, json     bool
	fileRate           float64 // send -file: Mbit/s
	plain              bool
	room, presenterKey string
	roomKey            string // fingerprint the room's presenter key must have
	present, readonly  bool
	roomWait           time.Duration // -room: give up after it (0: wait as long as it runs)
	nats               netconf.NATSOptions
	bridgeKey          string   // the site's bridge key: which bridges here are real
	warnings           []string // said on stderr before joining
	// Waiting for the room -room names (wait.go): what says so, the
	// watch that follows the room, and (tests) how rooms are heard.
	say           roomSay
	watch         *roomWatch
	discoverRooms rooms.DiscoverFunc
}

func (o *options) register(fs *flag.FlagSet, groupFlag string) {
	fs.StringVar(&o.group, groupFlag, netconf.DefaultGroup.String(), "multicast group ADDR:PORT")
	fs.StringVar(&o.iface, "iface", "", "network interface (default: automatic)")
	fs.StringVar(&o.name, "name", DefaultNick(), "your name")
	fs.IntVar(&o.ttl, "ttl", netconf.DefaultTTL, "multicast TTL, 0-255")
	fs.BoolVar(&o.loopback, "loopback", true, "let programs on this computer hear you")
	fs.StringVar(&o.key, "key", "", "passphrase of a private group (visible in the process list: prefer -key-file or GROUPCAST_KEY)")
	fs.StringVar(&o.keyFile, "key-file", "", "file holding the passphrase of a private group")
	fs.BoolVar(&o.plain, "plain", false, "send bare text, readable by simple multicast tools (no names, no repair, no privacy)")
	fs.StringVar(&o.encoding, "encoding", "auto", "how classic tools on the group write text: auto, utf-8 or gbk")
	fs.StringVar(&o.room, "room", "", "join the room announced with this name (with -group: create and announce it)")
	fs.BoolVar(&o.present, "present", false, "with -room: be its presenter (announcements signed with your presenter key)")
	fs.BoolVar(&o.readonly, "readonly", false, "with -room and -group: only the presenter may post")
	fs.StringVar(&o.presenterKey, "presenter-key", "", "presenter key file (default: in your configuration folder)")
	fs.DurationVar(&o.roomWait, "room-wait", 0, "with -room: give up (exit 1) if the room is not announced within this time (default: wait as long as it runs)")
	fs.StringVar(&o.roomKey, "room-key", "", "with -room: take only the room whose presenter key has this fingerprint (a lab's settings name the teacher's)")
	registerNATS(fs, &o.nats, "join through this NATS server instead of multicast: nats://HOST:4222 (tls://… for TLS)")
	fs.StringVar(&o.bridgeKey, "bridge-key", "", "the site's bridge key (groupcast hub prints it): only bridges it verifies pass on other networks' members as such")
}

// registerNATS adds the flags that reach a NATS server.
func registerNATS(fs *flag.FlagSet, o *netconf.NATSOptions, what string) {
	fs.StringVar(&o.URL, "nats", "", what)
	fs.StringVar(&o.Creds, "nats-creds", "", "NATS credentials file (accounts: JWT and nkey)")
	fs.StringVar(&o.CA, "nats-ca", "", "CA certificate file to check the NATS server's TLS with")
}

// minPassphrase is the length under which we warn: one captured datagram
// lets anyone try passphrases offline, at Argon2id's cost per guess.
const minPassphrase = 12

// passphrase finds the group's passphrase: -key-file, then -key, then
// $GROUPCAST_KEY. It is never printed.
func (o *options) passphrase() (string, error) {
	switch {
	case o.keyFile != "":
		b, err := os.ReadFile(o.keyFile)
		if err != nil {
			return "", &netconf.InputError{Field: "key", Msg: fmt.Sprintf("cannot read the passphrase file: %v", err)}
		}
		p := strings.TrimRight(string(b), "\r\n")
		if p == "" {
			return "", &netconf.InputError{Field: "key", Msg: fmt.Sprintf("the passphrase file %s is empty", o.keyFile)}
		}
		return p, nil
	case o.key != "":
		o.warnings = append(o.warnings, "-key shows the passphrase to other users of this computer in the process list; prefer -key-file FILE or GROUPCAST_KEY")
		return o.key, nil
	}
	return os.Getenv("GROUPCAST_KEY"), nil
}

// config validates the options into an engine configuration; its errors
// are *netconf.InputError.
func (o *options) config() (netconf.Config, error) {
	cfg := netconf.DefaultConfig()
	g, err := netconf.ParseGroup(o.group)
	if err != nil {
		return cfg, err
	}
	cfg.Group, cfg.TTL, cfg.Loopback, cfg.Nick = g, o.ttl, o.loopback, o.name
	if o.iface != "auto" {
		cfg.Interface = o.iface
	}
	if cfg.Passphrase, err = o.passphrase(); err != nil {
		return cfg, err
	}
	cfg.Plain, cfg.Encoding = o.plain, strings.ToLower(o.encoding)
	cfg.NATS, cfg.BridgeKey = o.nats, o.bridgeKey
	if cfg.Encoding == "auto" {
		cfg.Encoding = ""
	}
	if p := cfg.Passphrase; p != "" && len([]rune(p)) < minPassphrase {
		o.warnings = append(o.warnings, fmt.Sprintf("a passphrase under %d characters can be guessed from one captured datagram; use a long generated one", minPassphrase))
	}
	if o.roomKey != "" {
		if err := rooms.ValidFingerprint(o.roomKey); err != nil {
			return cfg, &netconf.InputError{Field: "room-key", Msg: err.Error()}
		}
	}
	if _, _, err := cfg.Check(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// parseFlags parses args into fs; done says the command must stop now
// with code (after -h, or a mistake reported on one line).
func parseFlags(fs *flag.FlagSet, args []string, stdio IO) (code int, done bool) {
	help, err := parse(fs, args, stdio)
	switch {
	case help:
		return ExitOK, true
	case err != nil:
		return usageError(stdio, err), true
	}
	return 0, false
}

// flagGiven reports whether the flag name was set, on the command line
// or by a settings file: its value alone cannot tell that from a default.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// parse parses flags quietly, so a mistake is reported on one line.
func parse(fs *flag.FlagSet, args []string, stdio IO) (help bool, err error) {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdio.Stdout, usage)
			return true, nil
		}
		return false, err
	}
	return false, nil
}

func runGUI(ctx context.Context, args []string, stdio IO, gui GUIFunc) int {
	fs := flag.NewFlagSet("groupcast", flag.ContinueOnError)
	var o options
	o.register(fs, "join")
	version := fs.Bool("version", false, "print the version")
	tray := fs.Bool("tray", false, "closing the window hides it in the system tray (lab PCs)")
	role := fs.String("role", "", "student: a lab PC, offered no \"create a room / I present\" (a settings file says it)")
	// Read by applyConfig, before the other flags; declared so -config parses.
	fs.String("config", "", "settings file (default: groupcast.conf in your configuration folder, if any)")
	if err := applyConfig(fs, args, stdio); err != nil {
		return usageError(stdio, err)
	}
	if code, done := parseFlags(fs, args, stdio); done {
		return code
	}
	if *version {
		fmt.Fprintln(stdio.Stdout, "groupcast", Version)
		return ExitOK
	}
	if fs.NArg() > 0 {
		return usageError(stdio, fmt.Errorf("unexpected %q (commands: listen, send, chat; see groupcast -h)", fs.Arg(0)))
	}
	start, err := o.window(ctx, fs, *role)
	if err != nil {
		return usageError(stdio, err)
	}
	start.Tray = *tray
	if gui == nil {
		return usageError(stdio, errors.New("this build has no window; use listen, send or chat"))
	}
	return gui(ctx, start)
}

// window is what the window is asked to do by the flags in fs (and the
// settings file): join a group or a room at once, or open with what the
// user last used where the flags say nothing.
func (o *options) window(ctx context.Context, fs *flag.FlagSet, role string) (Window, error) {
	start := Window{AutoJoin: flagGiven(fs, "join"), RoomWait: o.roomWait, Given: map[string]bool{}}
	fs.Visit(func(f *flag.Flag) { start.Given[f.Name] = true })
	switch {
	case role != "" && role != "student":
		return start, &netconf.InputError{Field: "role", Msg: fmt.Sprintf("-role is student or nothing, not %q", role)}
	case role == "student" && o.present:
		return start, &netconf.InputError{Field: "role", Msg: "a student PC (role = student) does not present: drop -present, or the role"}
	case o.roomWait < 0:
		return start, &netconf.InputError{Field: "room-wait", Msg: fmt.Sprintf("-room-wait %v is negative", o.roomWait)}
	}
	cfg, err := o.config()
	if err != nil && (start.AutoJoin || o.room != "") {
		return start, err
	}
	if o.room != "" {
		if err := o.windowRoom(ctx, start.AutoJoin, &cfg); err != nil {
			return start, err
		}
		// Found by name, not created here, nor presented: a student's PC.
		start.Student = !start.AutoJoin && !o.present
		start.AutoJoin = true
	}
	if err != nil { // not joining: the window shows the problem beside the field
		cfg.Nick, cfg.Interface, cfg.TTL = o.name, o.iface, o.ttl
	}
	start.Config = cfg
	start.Student = start.Student || role == "student"
	return start, nil
}

// windowRoom fills cfg with the room -room names: created and announced
// with -join ADDR:PORT, otherwise found by name by the window.
func (o *options) windowRoom(ctx context.Context, join bool, cfg *netconf.Config) error {
	if join {
		_, err := o.setupRoom(ctx, "chat", true, cfg)
		return err
	}
	if err := wire.ValidNick(o.room); err != nil {
		return &netconf.InputError{Field: "room", Msg: "a room name is 1 to 64 bytes of text"}
	}
	cfg.Room = &netconf.Room{Name: o.room, ReadOnly: o.readonly, KeyPin: o.roomKey} // read-only when its presenter creates it
	if o.present {
		if _, err := o.setupRoomKey(cfg); err != nil {
			return err
		}
	}
	return nil
}

// DefaultNick is the OS user name with the computer's ("student @ PC12":
// a lab's shared "student" accounts are told apart), made a valid
// nickname.
func DefaultNick() string {
	name := ""
	if u, err := user.Current(); err == nil {
		name = u.Username
		if i := strings.LastIndexAny(name, `\/`); i >= 0 { // DOMAIN\user on Windows
			name = name[i+1:]
		}
	}
	if host, err := os.Hostname(); err == nil && host != "" {
		host, _, _ = strings.Cut(host, ".") // pc12.lab.example.org: PC12's name is enough
		if name == "" {
			name = host
		} else {
			name += " @ " + host
		}
	}
	var b strings.Builder
	for _, r := range name {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			continue
		}
		if b.Len()+utf8.RuneLen(r) > wire.MaxNickBytes {
			break
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "anonymous"
	}
	return b.String()
}
