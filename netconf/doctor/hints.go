package doctor

import (
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"time"

	"github.com/groupcast/groupcast/netconf/wire"
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
func (h Hint) Sentence(names Names) string {
	port := h.Group.Port()
	switch h.Code {
	case HintNoInterface:
		return fmt.Sprintf("No usable interface: connect to a network, or choose one with %s.", names(SettingInterface))
	case HintSelfTestFailed:
		return fmt.Sprintf("The self-test failed: %s cannot carry multicast as it is. Choose another interface with %s, or check that it is connected and up.", h.Iface, names(SettingInterface))
	case HintPortHeld:
		return fmt.Sprintf("Port %d cannot be opened: another program holds it without sharing. Close it, or use another port for the whole group.", port)
	case HintScope:
		return h.Text + "."
	case HintTTL:
		return fmt.Sprintf("TTL 1 (the default) keeps messages on this network; to cross routers, raise %s and have the routers forward multicast.", names(SettingTTL))
	case HintSeveralNetworks:
		return fmt.Sprintf("This computer has several networks (%s): everyone in a group must be on the same one. If you hear nobody, choose the interface with %s (VPNs often take the route but do not carry the LAN's multicast).",
			strings.Join(h.Networks, ", "), names(SettingInterface))
	case HintVirtual:
		return fmt.Sprintf("%s looks like a VPN, tunnel or virtual adapter. That is normal in a container or virtual machine; on a PC, choose the interface of the local network with %s.", h.Iface, names(SettingInterface))
	case HintOtherPassphrase:
		return fmt.Sprintf("%s another passphrase than yours: nobody of them can read you, and you cannot read them. Agree on one passphrase.", computersUse(h.Count))
	case HintNeedPassphrase:
		return fmt.Sprintf("%s a passphrase: without theirs you cannot read them, and they cannot read you.", computersUse(h.Count))
	case HintWireless:
		return "This is Wi-Fi: access points drop far more multicast than cables do. Groupcast repairs losses, but a cable is steadier."
	case HintNobodyHeard:
		return fmt.Sprintf("Nobody was heard on %s in %s. If others are sending: check everyone uses the same group and port; allow inbound UDP ports %s in the firewall; and if you are on a managed switch, IGMP snooping without a querier stops forwarding multicast after 2–3 minutes (ask for an IGMP querier, or turn snooping off).",
			h.Group, h.Listened.Round(time.Second), ports(port))
	case HintFirewall:
		fw := fmt.Sprintf(`Windows Firewall must allow inbound UDP ports %s. As administrator: netsh advfirewall firewall add rule name="Groupcast UDP %s" dir=in action=allow protocol=UDP localport=%s`, ports(port), ports(port), ports(port))
		if runtime.GOOS == "windows" {
			return fw
		}
		return fmt.Sprintf("A firewall must allow inbound UDP ports %s (Linux: ufw allow %s/udp; %s).", ports(port), strings.Replace(ports(port), "-", ":", 1), fw)
	}
	return string(h.Code)
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

// computersUse is "1 computer here uses", "3 computers here use".
func computersUse(n int) string {
	if n == 1 {
		return "1 computer here uses"
	}
	return fmt.Sprintf("%d computers here use", n)
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
	if runtime.GOOS != "windows" {
		add(Hint{Code: HintFirewall})
	}
	return out
}
