package gui

import (
	"context"
	"crypto/ed25519"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/groupcast/groupcast/gui/internal/chatlog"
	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/doctor"
	"github.com/groupcast/groupcast/netconf/rooms"
	"github.com/groupcast/groupcast/netconf/wire"
)

// Members on other networks, as the engine labels them (docs/BRIDGE.md).
var (
	bridgedHost = wire.Label(wire.Forward{Net: wire.NetID{7}, Source: netip.MustParseAddrPort("10.0.2.7:40000")}).Addr()
	natsHost    = wire.Label(wire.Forward{Net: wire.NetID{9}, Source: netip.AddrPortFrom(netip.IPv4Unspecified(), 0)}).Addr()
)

// TestOtherNetworksSettings: ⚙ → Other networks takes a NATS server, a
// credentials file and a CA certificate; a bad address is said under the
// field and cannot be applied; what is applied reaches the engine's
// Config.NATS at Join, is remembered for the next start, and the
// connection bar and status line say the group is reached through NATS,
// not through an interface.
func TestOtherNetworksSettings(t *testing.T) {
	h := newHarness(t, defaultCfg())
	ui, bar := h.ui, h.ui.bar
	creds := filepath.Join(t.TempDir(), "school.creds")
	if err := os.WriteFile(creds, []byte("-----BEGIN NATS USER JWT-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	bar.showAdvanced(h.w)
	f := bar.settings
	if f == nil || f.natsURL.Text != "" {
		t.Fatal("the settings have no empty NATS server field")
	}
	f.natsURL.SetText("http://hub.school.example:4222")
	if err := f.natsURL.Validate(); err == nil || !strings.Contains(err.Error(), "is not a NATS server's address") {
		t.Fatalf("a bad address: %v", err)
	}
	f.d.Submit() // refused while the address is wrong
	if bar.nats.URL != "" || bar.settings == nil {
		t.Fatalf("a bad address was applied: %+v", bar.nats)
	}
	f.natsURL.SetText(" nats://127.0.0.1:4222 ")
	f.natsCreds.SetText(creds)
	if err := f.natsURL.Validate(); err != nil {
		t.Fatalf("a good address: %v", err)
	}
	key := wire.FormatBridgeKey(wire.BridgeKey([]byte("a hub's token")).Public().(ed25519.PublicKey))
	f.bridgeKey.SetText(key[:20])
	if err := f.bridgeKey.Validate(); err == nil || !strings.Contains(err.Error(), "bridge key") {
		t.Fatalf("a cut bridge key: %v", err)
	}
	f.bridgeKey.SetText(" " + key)
	f.d.Submit()
	if bar.bridgeKey != key {
		t.Fatalf("bridge key applied: %q", bar.bridgeKey)
	}
	if bar.nats != (netconf.NATSOptions{URL: "nats://127.0.0.1:4222", Creds: creds}) || bar.settings != nil {
		t.Fatalf("applied %+v", bar.nats)
	}
	if !strings.HasPrefix(bar.hint.Text, "Through NATS at nats://127.0.0.1:4222") || bar.join.Disabled() {
		t.Fatalf("hint %q, join disabled %v", bar.hint.Text, bar.join.Disabled())
	}

	// A credentials file that is not there: said, and Join waits.
	bar.nats.Creds = filepath.Join(t.TempDir(), "gone.creds")
	if bar.validate() || !strings.Contains(bar.hint.Text, "credentials file") || !bar.join.Disabled() {
		t.Fatalf("missing credentials: hint %q", bar.hint.Text)
	}
	bar.nats.Creds = creds
	bar.validate()

	asked := h.joinThroughNATS()
	if asked.NATS != (netconf.NATSOptions{URL: "nats://127.0.0.1:4222", Creds: creds}) || asked.BridgeKey != key {
		t.Fatalf("the engine was asked %+v, bridge key %q", asked.NATS, asked.BridgeKey)
	}
	if got := loadSettings(ui.app.Preferences(), netconf.DefaultConfig(), nil).BridgeKey; got != key {
		t.Fatalf("bridge key remembered: %q", got)
	}
	if got := loadSettings(ui.app.Preferences(), netconf.DefaultConfig(), nil).NATS; got != asked.NATS {
		t.Fatalf("remembered %+v", got)
	}
	if !strings.Contains(ui.status.Text, "239.255.3.3:3333 · through NATS at nats://127.0.0.1:4222 · in 0") || strings.Contains(ui.status.Text, "TTL") {
		t.Fatalf("status %q", ui.status.Text)
	}
	joined := ""
	for i := range ui.model.Len() {
		if e := ui.model.At(i); strings.HasPrefix(e.Text, "Joined ") {
			joined = e.Text
		}
	}
	if joined != "Joined 239.255.3.3:3333 through NATS at nats://127.0.0.1:4222 as Alice: members on other networks are in it too." {
		t.Fatalf("logged %q", joined)
	}

	// Emptied, the group is joined on this network again, and that is
	// remembered too.
	h.emit(netconf.Left{Group: testGroup})
	bar.showAdvanced(h.w)
	bar.settings.natsURL.SetText("")
	bar.settings.d.Submit()
	if bar.nats.URL != "" || !strings.HasPrefix(bar.hint.Text, "Scope:") {
		t.Fatalf("emptied: %+v, hint %q", bar.nats, bar.hint.Text)
	}
	cfg := h.joinAs("Alice")
	if cfg.NATS.URL != "" || loadSettings(ui.app.Preferences(), netconf.DefaultConfig(), nil).NATS.URL != "" {
		t.Fatalf("multicast again: %+v", cfg.NATS)
	}
}

// joinThroughNATS taps Join and answers as the engine does for a member
// joined through a NATS server: no interface.
func (h *harness) joinThroughNATS() netconf.Config {
	h.t.Helper()
	test.Tap(h.ui.bar.join)
	j, ok := h.command().(netconf.Join)
	if !ok {
		h.t.Fatal("Join did not send a join command")
	}
	h.emit(netconf.Joined{Group: j.Config.Group, Nick: j.Config.Nick, NATS: j.Config.NATS.URL})
	return j.Config
}

// TestPreferencesDropABadNATSAddress: a NATS address the settings could
// not have applied (edited by hand) is not restored.
func TestPreferencesDropABadNATSAddress(t *testing.T) {
	h := newHarness(t, defaultCfg())
	p := h.ui.app.Preferences()
	p.SetString(prefNATSURL, "http://nowhere")
	p.SetString(prefNATSCA, "/etc/school-ca.pem")
	got := loadSettings(p, netconf.DefaultConfig(), nil).NATS
	if got.URL != "" || got.CA != "/etc/school-ca.pem" {
		t.Fatalf("restored %+v", got)
	}
}

// TestMembersOnOtherNetworksAreMarked: the log says where members on
// other networks are (through a bridge, with their address there; or
// through NATS), never the engine's label; so does a refusal.
func TestMembersOnOtherNetworksAreMarked(t *testing.T) {
	h := newHarness(t, defaultCfg())
	ui := h.ui
	h.joinAs("Alice")
	carol := netconf.Peer{Nick: "Carol", Host: bridgedHost, LastHeard: testTime}
	dave := netconf.Peer{Nick: "Dave", Host: natsHost, LastHeard: testTime}
	h.engine.mu.Lock()
	h.engine.roster = []netconf.Peer{{Nick: "Alice", Self: true}, carol, dave}
	h.engine.mu.Unlock()
	for ev, want := range map[netconf.Event]string{
		netconf.PeerJoined{Peer: carol}:             "Carol (10.0.2.7 on another network) joined.",
		netconf.PeerJoined{Peer: dave}:              "Dave (through NATS) joined.",
		netconf.PeerLeft{Peer: dave, Timeout: true}: "Dave (through NATS) went silent and is taken to have left.",
		netconf.Unreadable{Reason: netconf.UnreadableImpostor, Count: 3, Peer: "Ms Lee", Host: bridgedHost}: "A computer at 10.0.2.7 on another network posing as Ms Lee: 3 datagrams",
		netconf.Unreadable{Reason: netconf.UnreadableNotBridge, Count: 2, Host: natsHost}:                   "A computer at NATS (a member joined through it) passed on 2 datagrams",
	} {
		h.emit(ev)
		last, _ := ui.model.Last()
		if !strings.HasPrefix(last.Text, want) {
			t.Errorf("%T: logged %q; want %q…", ev, last.Text, want)
		}
		if last.Kind == chatlog.Message {
			t.Errorf("%T: logged as a message", ev)
		}
	}
	if got := hostOfText(bridgedHost.String()); got != "10.0.2.7 on another network" {
		t.Errorf("a history row's host: %q", got)
	}
}

// TestRemoteRoomsAreMarked: a room announced on another network (passed
// on by a bridge) says so in the Rooms window; the window's description
// is rooms.Describe's, in the window's language.
func TestRemoteRoomsAreMarked(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(nil)
	for _, r := range []netconf.Room{
		{Name: "Physics 101", Group: netip.MustParseAddrPort("239.255.20.1:2020"), Presenter: "Ms Lee", PresenterKey: pub, ReadOnly: true, Locked: true},
		{Name: "Lab B", Group: netip.MustParseAddrPort("239.255.20.2:2020"), Origin: netip.MustParseAddr("10.0.2.5"), Remote: true},
		{Name: "Chat", Group: netip.MustParseAddrPort("239.255.20.3:2020"), Origin: netip.MustParseAddr("198.18.0.1")},
	} {
		if got, want := describeRoom(r), rooms.Describe(r); got != want {
			t.Errorf("%s: %q; rooms.Describe says %q", r.Name, got, want)
		}
	}
	remote := netconf.Room{Name: "Lab B", Group: netip.MustParseAddrPort("239.255.20.2:2020"), Origin: netip.MustParseAddr("10.0.2.5"), Remote: true}
	if got := describeRoom(remote); !strings.Contains(got, "(another network)") {
		t.Fatalf("a remote room: %q", got)
	}
}

// TestDiagnosticsCheckNATS: with a NATS server in the settings, the
// doctor is asked to check it, and the summary says whether it was
// reached and whether a bridge serves this network.
func TestDiagnosticsCheckNATS(t *testing.T) {
	h := newHarness(t, defaultCfg())
	ui := h.ui
	ui.bar.nats = netconf.NATSOptions{URL: "nats://127.0.0.1:4222"}
	asked := make(chan doctor.Options, 1)
	ui.opts.diagnose = func(_ context.Context, o doctor.Options) doctor.Report {
		asked <- o
		bridge := netip.MustParseAddrPort("198.18.0.3:3333")
		return doctor.Report{Group: o.Group, Chosen: netconf.Choice{Interface: eth}, SelfTest: doctor.Check{OK: true},
			NATS:  &doctor.Check{OK: true, Detail: "reached nats://127.0.0.1:4222 (server hub), round trip 120µs"},
			Heard: []doctor.Heard{{Kind: "bridge", Name: "forwarding", From: bridge}, {Kind: "groupcast", Name: "Bob", From: netip.MustParseAddrPort("198.18.0.4:3333")}},
			Hints: []doctor.Hint{{Code: doctor.HintBridged, Text: "198.18.0.3", Group: o.Group}}}
	}
	ui.showDiagnostics()
	select {
	case f := <-h.queue:
		f()
	case <-time.After(2 * time.Second):
		t.Fatal("the diagnosis never finished")
	}
	if o := <-asked; o.NATS.URL != "nats://127.0.0.1:4222" {
		t.Fatalf("the doctor was asked %+v", o.NATS)
	}
	shown := ""
	for _, w := range ui.app.Driver().AllWindows() {
		if w.Title() == "Groupcast — Diagnostics" {
			walk(w.Content(), func(o fyne.CanvasObject) {
				if l, ok := o.(*widget.Label); ok && l.TextStyle.Bold {
					shown = l.Text
				}
			})
			w.Close()
		}
	}
	if shown != "✔ Multicast works on eth0 · 192.168.1.7. 1 sender heard on 239.255.3.3:3333.\n"+
		"✔ NATS server: reached nats://127.0.0.1:4222 (server hub), round trip 120µs.\n"+
		"A bridge at 198.18.0.3 forwards 239.255.3.3:3333 between this network and others: members elsewhere are in the group too." {
		t.Fatalf("summary %q", shown)
	}
	got := summary(doctor.Report{SelfTest: doctor.Check{OK: true}, Chosen: netconf.Choice{Interface: eth},
		NATS: &doctor.Check{Detail: "nats: no servers available for connection"}, Listened: 3 * time.Second,
		Hints: []doctor.Hint{{Code: doctor.HintNoBridge, Listened: 3 * time.Second, Group: testGroup}}},
		doctor.Options{Group: testGroup, NATS: ui.bar.nats})
	for _, want := range []string{
		"✖ The NATS server at nats://127.0.0.1:4222 could not be used: nats: no servers available for connection.",
		"No bridge was heard on this network in 3s",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("summary %q lacks %q", got, want)
		}
	}
}
