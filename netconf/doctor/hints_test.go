package doctor

import (
	"net/netip"
	"strings"
	"testing"
)

// Each front end names the settings a hint points to its own way: the
// window's hints never tell a person to type a flag.
func TestHintsNameSettingsAsTheFrontEndDoes(t *testing.T) {
	flags := func(s Setting) string { return map[Setting]string{SettingInterface: "-iface", SettingTTL: "-ttl"}[s] }
	fields := func(s Setting) string {
		return map[Setting]string{SettingInterface: "the Interface list", SettingTTL: "the TTL setting"}[s]
	}
	g := netip.MustParseAddrPort("239.255.3.3:3333")
	for _, h := range []Hint{
		{Code: HintNoInterface}, {Code: HintSelfTestFailed, Iface: "eth0"}, {Code: HintTTL},
		{Code: HintSeveralNetworks, Networks: []string{"eth0", "wlan0"}}, {Code: HintVirtual, Iface: "tun0"},
	} {
		h.Group = g
		cli, win := h.Sentence(flags), h.Sentence(fields)
		if !strings.Contains(cli, "-iface") && !strings.Contains(cli, "-ttl") {
			t.Errorf("%s on the command line: %q names no flag", h.Code, cli)
		}
		if strings.Contains(win, "-iface") || strings.Contains(win, "-ttl") || !strings.Contains(win, "the ") {
			t.Errorf("%s in the window: %q", h.Code, win)
		}
	}
	r := Report{Group: g, Hints: []Hint{{Code: HintPortHeld, Group: g}}}
	if !strings.Contains(r.Text(fields), "Port 3333 cannot be opened") {
		t.Fatalf("report:\n%s", r.Text(fields))
	}
}
