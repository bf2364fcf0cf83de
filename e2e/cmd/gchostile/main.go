// Command gchostile is the lab's attacker: it crafts forged, flooding and
// replayed Groupcast datagrams from the wire format (docs/PROTOCOL.md,
// through netconf's own encoder) and sends them to a group from the host
// it runs on, and it plays a classic program that holds a port. The e2e
// tests build it; it is never shipped.
//
//	gchostile record   -group G -out FILE              record the group until SIGINT
//	gchostile replay   -group G -in FILE [-hostile N] [-pinned]
//	                                                   replay a recording (-pinned: each signed DATA also
//	                                                   relabelled PINNED), then N mangled copies
//	gchostile huge     -group G                        LEAVE, and HELLO + heartbeat, claiming seq 2^62
//	gchostile impostor -group G -id HEX [-jump N]      a heartbeat (seq + N) and a LEAVE with someone else's id
//	gchostile ids      -group G -n N [-rounds R]       HELLO, then a heartbeat a round, for N fake ids
//	gchostile nacks    -group G -id HEX -last S -n N   N NACKs for seqs 1-S of id; counts the repairs they draw
//	gchostile frags    -group G -n N                   for N fake ids, all but the last piece of a 64 KiB message
//	gchostile hold     -group G                        bind the port alone (no SO_REUSEADDR) and join, as textbook C does
//	gchostile receipts -group G -presenter HEX -id HEX -last S -n N [-rounds R]
//	                                                   receipts for announcement S with a member's id and N ids of its own
//	gchostile sapdelete -group SAP                     hide a signed room: its announcement with the deletion flag set,
//	                                                   an unsigned deletion, and one signed by another key
//	gchostile beacons  -group G -net HEX -n N          N beacons of a "bridge" of network HEX, older than any (bridges.go)
//	gchostile fakebridge -group G -n N -ids I          pose as a bridge passing on I members from each of N made-up computers
//	gchostile junk     -group G -n N                   N datagrams of random bytes to the group's two ports
//	gchostile natsread|natsjunk|natsconns|natsslow -nats URL [-group G] [-n N] [-hold D]
//	                                                   the hub: read ">", publish junk and 300 fake members,
//	                                                   hold N connections, N subscribers that never read
//
// Every command takes -iface (default eth0) and -every (pause between
// rounds or datagrams). What it did is printed as one JSON line.
package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/groupcast/groupcast/netconf/wire"
)

// options are the command line's flags; each command uses some of them.
type options struct {
	group, iface, out, in, id string
	presenter, nats, net      string
	ids                       int
	hold                      time.Duration
	hostile, n, rounds        int
	pinned                    bool
	jump, last                uint64
	every                     time.Duration
}

func parseOptions(cmd string, args []string) options {
	var o options
	fs := flag.NewFlagSet(cmd, flag.ExitOnError)
	fs.StringVar(&o.group, "group", "", "ADDR:PORT")
	fs.StringVar(&o.iface, "iface", "eth0", "interface")
	fs.StringVar(&o.out, "out", "", "recording to write")
	fs.StringVar(&o.in, "in", "", "recording to replay")
	fs.IntVar(&o.hostile, "hostile", 0, "mangled datagrams after the replay")
	fs.BoolVar(&o.pinned, "pinned", false, "replay: also send each signed DATA relabelled as PINNED")
	fs.StringVar(&o.id, "id", "", "a member's sender id (16 hex digits)")
	fs.StringVar(&o.presenter, "presenter", "", "receipts: the presenter's sender id (16 hex digits)")
	fs.Uint64Var(&o.jump, "jump", 5000, "how far past the member's highest seq a forged heartbeat claims")
	fs.IntVar(&o.n, "n", 1000, "how many (ids, NACKs)")
	fs.IntVar(&o.rounds, "rounds", 1, "rounds of heartbeats")
	fs.DurationVar(&o.every, "every", time.Second, "pause between rounds, or between NACKs")
	fs.Uint64Var(&o.last, "last", 600, "NACKs ask for seqs 1 to last")
	fs.StringVar(&o.nats, "nats", "", "the hub's URL (nats://[TOKEN@]HOST:4222)")
	fs.StringVar(&o.net, "net", "", "beacons: the network id to claim (16 hex digits)")
	fs.IntVar(&o.ids, "ids", 64, "fakebridge: members per made-up computer")
	fs.DurationVar(&o.hold, "hold", 5*time.Second, "nats*: how long to read or hold the connections")
	_ = fs.Parse(args)
	return o
}

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: gchostile record|replay|huge|impostor|ids|nacks|frags|hold|sapdelete|receipts|beacons|fakebridge|junk|natsread|natsjunk|natsconns|natsslow [flags]"))
	}
	cmd := os.Args[1]
	o := parseOptions(cmd, os.Args[2:])
	if strings.HasPrefix(cmd, "nats") {
		group, _ := netip.ParseAddrPort(o.group)
		report := map[string]any{}
		if err := natsAttack(cmd, o.nats, group, o.n, o.hold, report); err != nil {
			fail(err)
		}
		_ = json.NewEncoder(os.Stdout).Encode(report)
		fail(nil)
	}
	g, err := net.ResolveUDPAddr("udp4", o.group)
	if err != nil {
		fail(err)
	}
	ifi, err := net.InterfaceByName(o.iface)
	if err != nil {
		fail(err)
	}
	t := &tool{group: g, ifi: ifi, nick: "Mallory"}
	switch cmd {
	case "record":
		fail(t.record(o.out))
	case "hold":
		fail(t.hold())
	}
	if err := t.open(); err != nil {
		fail(err)
	}
	id := parseID(o.id)
	report := map[string]any{}
	if err := t.attack(cmd, o, id, report); err != nil {
		fail(err)
	}
	report["sent"], report["bytes"] = t.sent, t.bytes
	_ = json.NewEncoder(os.Stdout).Encode(report)
}

// parseID reads -id, which may be empty (the zero id); a bad one ends
// the program.
func parseID(s string) wire.SenderID {
	var id wire.SenderID
	if s != "" {
		b, err := hex.DecodeString(s)
		if err != nil || len(b) != 8 {
			fail(fmt.Errorf("-id: want 16 hex digits, got %q", s))
		}
		copy(id[:], b)
	}
	return id
}

// attack runs one of the commands that send from the tool's socket,
// adding what it measured to report.
func (t *tool) attack(cmd string, o options, id wire.SenderID, report map[string]any) error {
	switch cmd {
	case "replay":
		return t.replay(o.in, o.hostile, o.pinned, report)
	case "huge":
		return t.huge()
	case "impostor":
		return t.impostor(id, o.jump)
	case "ids":
		return t.ids(o.n, o.rounds, o.every)
	case "nacks":
		return t.nacks(id, o.last, o.n, o.every, report)
	case "frags":
		return t.frags(o.n)
	case "sapdelete":
		return t.sapDelete(8*time.Second, report)
	case "receipts":
		return t.receipts(parseID(o.presenter), id, o.last, o.n, o.rounds, o.every)
	case "beacons": // a bridge's network id claimed by a PC (finding 2)
		return t.beacons(o.net, o.n, o.every)
	case "fakebridge": // one PC as a bridge of made-up computers (finding 5)
		return t.fakeBridge(o.n, o.ids, o.every)
	case "junk": // UDP junk for a bridge to carry elsewhere (finding 3)
		return t.junk(o.n)
	}
	return fmt.Errorf("unknown command %q", cmd)
}

func fail(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "gchostile:", err)
		os.Exit(1)
	}
	os.Exit(0)
}
