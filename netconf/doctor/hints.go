package doctor

import (
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"time"

	"github.com/groupcast/groupcast/netconf/wire"
	"github.com/groupcast/groupcast/netconf/words"
)

// HintCode says what a hint is about, for programs.
type HintCode string

// Hints the doctor gives.
const (
	HintNoInterface     HintCode = "no_interface"     // no interface can carry multicast
	HintSelfTestFailed  HintCode = "self_test_failed" // the chosen interface cannot
	HintPortHeld        HintCode = "port_held"        // another program holds the port alone
	HintScope           HintCode = "scope"            // the group's scope needs a word
	HintOtherPassphrase HintCode = "other_passphrase" // members heard use another passphrase than ours
	HintNeedPassphrase  HintCode = "need_passphrase"  // members heard use a passphrase; we have none
	HintTTL             HintCode = "ttl"              // TTL 1 keeps messages on this network
	HintSeveralNetworks HintCode = "several_networks" // everyone must be on the same one
	HintVirtual         HintCode = "virtual"          // the chosen interface looks like a VPN
	HintWireless        HintCode = "wireless"         // Wi-Fi drops multicast
	HintNobodyHeard     HintCode = "nobody_heard"     // nothing on the group while listening
	HintFirewall        HintCode = "firewall"         // inbound UDP must be allowed
	HintNoBridge        HintCode = "no_bridge"        // other networks are reached through NATS, but no bridge serves this one
	HintBridged         HintCode = "bridged"          // a bridge serves this network
)

// Hint is one piece of advice, with what its sentence needs.
type Hint struct {
	Code     HintCode
	Iface    string         // the chosen interface
	Networks []string       // several_networks: the usable ones
	Group    netip.AddrPort // the group diagnosed
	Listened time.Duration  // nobody_heard: how long
	Text     string         // scope: the warning
	Count    int            // other_passphrase, need_passphrase: how many computers
}

// Setting is something a person can change, which each front end names
// its own way.
type Setting int

// Settings hints point to.
const (
	SettingInterface Setting = iota
	SettingTTL
)

// Names names settings for a front end: "-iface" on the command line, "the
// Interface list" in the window.
type Names func(Setting) string

// Sentence words h for a person, naming settings with names.
func (h Hint) Sentence(names Names) string { return h.Words(names).String() }

// computersUse starts a sentence: "1 computer here uses", "3 computers
// here use".
const computersUse = "{{if eq .Count 1}}1 computer here uses{{else}}{{.Count}} computers here use{{end}}"

var (
	wNoInterface     = words.Define("No usable interface: connect to a network, or choose one with {{.Interface}}.")
	wSelfTestFailed  = words.Define("The self-test failed: {{.Iface}} cannot carry multicast as it is. Choose another interface with {{.Interface}}, or check that it is connected and up.")
	wPortHeld        = words.Define("Port {{.Port}} cannot be opened: another program holds it without sharing. Close it, or use another port for the whole group.")
	wTTL             = words.Define("TTL 1 (the default) keeps messages on this network; to cross routers, raise {{.TTL}} and have the routers forward multicast.")
	wSeveralNetworks = words.Define("This computer has several networks ({{.Networks}}): everyone in a group must be on the same one. If you hear nobody, choose the interface with {{.Interface}} (VPNs often take the route but do not carry the LAN's multicast).")
	wVirtual         = words.Define("{{.Iface}} looks like a VPN, tunnel or virtual adapter. That is normal in a container or virtual machine; on a PC, choose the interface of the local network with {{.Interface}}.")
	wOtherPassphrase = words.Define(computersUse + " another passphrase than yours: nobody of them can read you, and you cannot read them. Agree on one passphrase.")
	wNeedPassphrase  = words.Define(computersUse + " a passphrase: without theirs you cannot read them, and they cannot read you.")
	wWireless        = words.Define("This is Wi-Fi: access points drop far more multicast than cables do. Groupcast repairs losses, but a cable is steadier.")
	wNobodyHeard     = words.Define("Nobody was heard on {{.Group}} in {{.Listened}}. If others are sending: check everyone uses the same group and port; allow inbound UDP ports {{.Ports}} in the firewall; and if you are on a managed switch, IGMP snooping without a querier stops forwarding multicast after 2–3 minutes (ask for an IGMP querier, or turn snooping off).")
	wFirewallWindows = words.Define(`Windows Firewall must allow inbound UDP ports {{.Ports}}. As administrator: netsh advfirewall firewall add rule name="Groupcast UDP {{.Ports}}" dir=in action=allow protocol=UDP localport={{.Ports}}`)
	wFirewall        = words.Define(`A firewall must allow inbound UDP ports {{.Ports}} (Linux: ufw allow {{.UfwPorts}}/udp; Windows Firewall: netsh advfirewall firewall add rule name="Groupcast UDP {{.Ports}}" dir=in action=allow protocol=UDP localport={{.Ports}}).`)
	wScope           = words.Define("{{.Text}}.")
	wNoBridge        = words.Define("No bridge was heard on this network in {{.Listened}}: members here hear each other, but not those on other networks, unless they join through NATS themselves. Run groupcast bridge -group {{.Group}} -nats URL on one computer here.")
	wBridged         = words.Define("A bridge at {{.Text}} forwards {{.Group}} between this network and others: members elsewhere are in the group too.")
)

// Words is Sentence, for a front end to translate.
func (h Hint) Words(names Names) words.Words {
	port := h.Group.Port()
	if names == nil {
		names = func(Setting) string { return "" }
	}
	data := map[string]any{
		"Interface": names(SettingInterface), "TTL": names(SettingTTL), "Iface": h.Iface, "Port": port,
		"Networks": strings.Join(h.Networks, ", "), "Count": h.Count, "Group": h.Group.String(),
		"Listened": h.Listened.Round(time.Second).String(), "Ports": ports(port),
		"UfwPorts": strings.Replace(ports(port), "-", ":", 1), "Text": h.Text,
	}
	t, ok := map[HintCode]words.Template{
		HintNoInterface: wNoInterface, HintSelfTestFailed: wSelfTestFailed, HintPortHeld: wPortHeld, HintScope: wScope,
		HintTTL: wTTL, HintSeveralNetworks: wSeveralNetworks, HintVirtual: wVirtual, HintOtherPassphrase: wOtherPassphrase,
		HintNeedPassphrase: wNeedPassphrase, HintWireless: wWireless, HintNobodyHeard: wNobodyHeard, HintFirewall: wFirewall,
		HintNoBridge: wNoBridge, HintBridged: wBridged,
	}[h.Code]
	if h.Code == HintFirewall && runtime.GOOS == "windows" {
		t = wFirewallWindows
	}
	if !ok {
		return words.Words{Text: words.Template(h.Code)}
	}
	return t.With(data)
}

// otherKeys is how many computers were heard sealing with another
// passphrase than ours (with none: any passphrase).
func otherKeys(r Report) int {
	hosts := map[netip.Addr]bool{}
	for _, h := range r.Heard {
		if h.Kind == "private" && !h.Ours {
			hosts[h.From.Addr()] = true
		}
	}
	return len(hosts)
}

// ports is the group's port and its companion (wire.CompanionPort), as a
// range netsh and ufw take: "3333-3334".
func ports(port uint16) string {
	c := wire.CompanionPort(port)
	return fmt.Sprintf("%d-%d", min(port, c), max(port, c))
}

// wireless guesses Wi-Fi adapters by name.
func wireless(name string) bool {
	l := strings.ToLower(name)
	return strings.HasPrefix(l, "wl") || strings.Contains(l, "wi-fi") || strings.Contains(l, "wifi") ||
		strings.Contains(l, "wireless") || strings.Contains(l, "wlan")
}

// hintsFor gives the advice a report calls for, the firewall's first on
// Windows (where it is the usual cause).
func hintsFor(r Report) []Hint {
	var out []Hint
	add := func(h Hint) {
		h.Group, h.Iface = r.Group, r.Chosen.Name
		out = append(out, h)
	}
	if runtime.GOOS == "windows" {
		add(Hint{Code: HintFirewall})
	}
	if !r.SelfTest.OK {
		add(Hint{Code: HintSelfTestFailed})
	}
	if !r.Port.OK {
		add(Hint{Code: HintPortHeld})
	}
	if r.Scope.Warning != "" {
		add(Hint{Code: HintScope, Text: r.Scope.Warning})
	}
	add(Hint{Code: HintTTL})
	var usable []string
	for _, i := range r.Interfaces {
		if i.Usable() && !i.Loopback {
			usable = append(usable, i.Name)
		}
	}
	if len(usable) > 1 {
		add(Hint{Code: HintSeveralNetworks, Networks: usable})
	}
	if r.Chosen.Virtual {
		add(Hint{Code: HintVirtual})
	}
	if wireless(r.Chosen.Name) {
		add(Hint{Code: HintWireless})
	}
	if r.Listened > 0 && len(r.Heard) == 0 {
		add(Hint{Code: HintNobodyHeard, Listened: r.Listened})
	}
	if n := otherKeys(r); n > 0 {
		code := HintOtherPassphrase
		if !r.Keyed {
			code = HintNeedPassphrase
		}
		add(Hint{Code: code, Count: n})
	}
	if b, ok := r.Bridge(); ok {
		add(Hint{Code: HintBridged, Text: b.String()})
	} else if r.NATS != nil && r.Listened > 0 {
		add(Hint{Code: HintNoBridge, Listened: r.Listened})
	}
	if runtime.GOOS != "windows" {
		add(Hint{Code: HintFirewall})
	}
	return out
}
