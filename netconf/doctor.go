package netconf

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"github.com/groupcast/groupcast/netconf/wire"
	"net"
	"net/netip"
	"runtime"
	"sort"
	"strings"
	"time"

	"golang.org/x/net/ipv4"
)

// DoctorOptions says what to diagnose.
type DoctorOptions struct {
	Group     netip.AddrPort
	Interface string        // "" for automatic
	Listen    time.Duration // how long to listen to the group (0: skip)
}

// Check is one test's outcome.
type Check struct {
	OK     bool
	Detail string
}

// Heard is a sender the doctor heard on the group.
type Heard struct {
	Kind     string // "groupcast", "private" or "plain"
	Name     string // nickname (groupcast), key id (private), "" (plain)
	From     netip.AddrPort
	Count    int
	Sample   string // plain: the first text; groupcast: the first message
	Encoding string // plain: how it was read
}

// Report is what the network doctor found.
type Report struct {
	Group      netip.AddrPort
	Scope      Scope
	Interfaces []Interface
	Chosen     Choice
	ChooseErr  string
	Port       Check
	SelfTest   Check
	Listened   time.Duration
	Heard      []Heard
	Hints      []string
}

// Passed reports whether the loopback self-test worked: this computer can
// send and receive multicast on the chosen interface.
func (r Report) Passed() bool { return r.SelfTest.OK }

// Diagnose checks what usually breaks multicast: interfaces, the port,
// a loopback self-test on the chosen interface (sent with TTL 0 to a
// private port, so it never leaves this computer and no program on the
// group sees it), and, passively, who is talking on the group.
func Diagnose(ctx context.Context, o DoctorOptions) Report {
	r := Report{Group: o.Group, Scope: ScopeOf(o.Group.Addr())}
	r.Interfaces, _ = ListInterfaces(o.Group.Addr())
	choice, err := ResolveInterface(o.Interface, o.Group.Addr())
	if err != nil {
		r.ChooseErr = Explain(err)
		r.SelfTest = Check{Detail: "no usable interface, so no self-test"}
		r.Hints = append(r.Hints, "No usable interface: connect to a network, or name one with -iface.")
		return r
	}
	r.Chosen = choice
	r.Port = checkPort(o.Group)
	r.SelfTest = selfTest(choice, o.Group.Addr())
	if o.Listen > 0 && r.Port.OK {
		r.Listened = o.Listen
		r.Heard = listenTo(ctx, o.Group, choice, o.Listen)
	}
	r.Hints = hints(r)
	return r
}

func checkPort(g netip.AddrPort) Check {
	c, err := listenReceiver(g)
	if err != nil {
		return Check{Detail: Explain(&OpError{Op: fmt.Sprintf("open port %d", g.Port()), Err: err})}
	}
	_ = c.Close()
	return Check{OK: true, Detail: fmt.Sprintf("port %d can be opened, shared with other programs that allow it", g.Port())}
}

// selfTest joins the group on a free port, sends a probe with TTL 0 and
// loopback on, and waits for it.
func selfTest(choice Choice, group netip.Addr) Check {
	probePort, err := freeUDPPort()
	if err != nil {
		return Check{Detail: "could not find a free port for the self-test: " + err.Error()}
	}
	m, err := openMembership(Config{Group: netip.AddrPortFrom(group, probePort), TTL: 0, Loopback: true}, choice, nil, nil)
	if err != nil {
		return Check{Detail: Explain(err)}
	}
	defer m.Close()
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	probe := []byte("groupcast-doctor-probe " + hex.EncodeToString(nonce[:]))
	buf := make([]byte, 2048)
	deadline := time.Now().Add(1500 * time.Millisecond)
	_ = m.rconn.SetReadDeadline(deadline)
	for attempt := 0; time.Now().Before(deadline); attempt++ {
		if attempt < 3 {
			if err := m.Write(probe); err != nil {
				return Check{Detail: Explain(err)}
			}
		}
		n, _, err := m.Read(buf)
		if err != nil {
			break
		}
		if string(buf[:n]) == string(probe) {
			return Check{OK: true, Detail: fmt.Sprintf("a multicast datagram sent on %s came back (loopback self-test passed)", choice.Name)}
		}
	}
	return Check{Detail: fmt.Sprintf("a multicast datagram sent on %s did not come back within 1.5 s", choice.Name)}
}

func freeUDPPort() (uint16, error) {
	c, err := net.ListenPacket("udp4", "0.0.0.0:0")
	if err != nil {
		return 0, err
	}
	defer c.Close()
	return uint16(c.LocalAddr().(*net.UDPAddr).Port), nil
}

// listenTo joins the group without sending anything and sorts what it
// hears by sender.
func listenTo(ctx context.Context, g netip.AddrPort, choice Choice, d time.Duration) []Heard {
	c, err := listenReceiver(g)
	if err != nil {
		return nil
	}
	defer c.Close()
	nif, err := net.InterfaceByIndex(choice.Index)
	if err != nil {
		return nil
	}
	p := ipv4.NewPacketConn(c)
	if err := p.JoinGroup(nif, &net.UDPAddr{IP: g.Addr().AsSlice()}); err != nil {
		return nil
	}
	_ = p.SetControlMessage(ipv4.FlagDst, true)
	deadline := time.Now().Add(d)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = c.SetReadDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = c.SetReadDeadline(time.Now()) })
	defer stop()
	heard := map[string]*Heard{}
	buf := make([]byte, 65536)
	for {
		n, cm, src, err := p.ReadFrom(buf)
		if err != nil {
			break
		}
		if cm != nil && cm.Dst != nil && !cm.Dst.Equal(g.Addr().AsSlice()) {
			continue
		}
		ua, _ := src.(*net.UDPAddr)
		from := unmapped(ua.AddrPort())
		h := classify(buf[:n], from)
		key := h.Kind + "|" + h.Name + "|" + from.String()
		if h.Kind == "plain" {
			key = "plain|" + from.Addr().String() // simple tools often use a new socket per message
		}
		if old := heard[key]; old != nil {
			old.Count++
			if old.Sample == "" {
				old.Sample = h.Sample
			}
			if h.Encoding != "" && !strings.Contains(old.Encoding, h.Encoding) {
				old.Encoding += ", " + h.Encoding
			}
			continue
		}
		h.Count = 1
		heard[key] = &h
	}
	out := make([]Heard, 0, len(heard))
	for _, h := range heard {
		out = append(out, *h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].From.String()+out[i].Name < out[j].From.String()+out[j].Name })
	return out
}

func classify(b []byte, from netip.AddrPort) Heard {
	switch {
	case wire.IsSealed(b):
		return Heard{Kind: "private", Name: "key " + hex.EncodeToString(b[8:12]), From: from}
	case wire.IsGroupcast(b):
		p, err := wire.Decode(b)
		if err != nil {
			return Heard{Kind: "groupcast", Name: "(unreadable: " + err.Error() + ")", From: from}
		}
		h := Heard{Kind: "groupcast", Name: p.Nick, From: from}
		if p.Kind == wire.KindData && p.Frag.Count == 0 {
			h.Sample = string(p.Body)
		}
		return h
	}
	text, enc := wire.DecodePlain(b)
	return Heard{Kind: "plain", From: from, Sample: text, Encoding: enc}
}

// wireless guesses Wi-Fi adapters by name.
func wireless(name string) bool {
	l := strings.ToLower(name)
	return strings.HasPrefix(l, "wl") || strings.Contains(l, "wi-fi") || strings.Contains(l, "wifi") ||
		strings.Contains(l, "wireless") || strings.Contains(l, "wlan")
}

func hints(r Report) []string {
	var out []string
	port := r.Group.Port()
	if !r.SelfTest.OK {
		out = append(out, fmt.Sprintf("The self-test failed: %s cannot carry multicast as it is. Choose another interface with -iface, or check that it is connected and up.", r.Chosen.Name))
	}
	if !r.Port.OK {
		out = append(out, fmt.Sprintf("Port %d cannot be opened: another program holds it without sharing. Close it, or use another port for the whole group.", port))
	}
	if r.Scope.Warning != "" {
		out = append(out, r.Scope.Warning+".")
	}
	out = append(out, "TTL 1 (the default) keeps messages on this network; to cross routers, raise -ttl and have the routers forward multicast.")
	var usable []string
	for _, i := range r.Interfaces {
		if i.Usable() && !i.Loopback {
			usable = append(usable, i.Name)
		}
	}
	if len(usable) > 1 {
		out = append(out, fmt.Sprintf("This computer has several networks (%s): everyone in a group must be on the same one. If you hear nobody, pick the interface explicitly with -iface (VPNs often take the route but do not carry the LAN's multicast).",
			strings.Join(usable, ", ")))
	}
	if r.Chosen.Virtual {
		out = append(out, fmt.Sprintf("%s looks like a VPN, tunnel or virtual adapter. That is normal in a container or virtual machine; on a PC, choose the interface of the local network with -iface.", r.Chosen.Name))
	}
	if wireless(r.Chosen.Name) {
		out = append(out, "This is Wi-Fi: access points drop far more multicast than cables do. Groupcast repairs losses, but a cable is steadier.")
	}
	if r.Listened > 0 && len(r.Heard) == 0 {
		out = append(out, fmt.Sprintf("Nobody was heard on %s in %s. If others are sending: check everyone uses the same group and port; allow inbound UDP port %d in the firewall; and if you are on a managed switch, IGMP snooping without a querier stops forwarding multicast after 2–3 minutes (ask for an IGMP querier, or turn snooping off).",
			r.Group, r.Listened.Round(time.Second), port))
	}
	fw := fmt.Sprintf(`Windows Firewall must allow inbound UDP port %d. As administrator: netsh advfirewall firewall add rule name="Groupcast UDP %d" dir=in action=allow protocol=UDP localport=%d`, port, port, port)
	if runtime.GOOS == "windows" {
		out = append([]string{fw}, out...)
	} else {
		out = append(out, fmt.Sprintf("A firewall must allow inbound UDP port %d (Linux: nft or ufw allow %d/udp; %s).", port, port, fw))
	}
	return out
}

// Text renders the report for a terminal or a window.
func (r Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Group %s — %s\n\n", r.Group, r.Scope.Name)
	b.WriteString("Interfaces:\n")
	for _, i := range r.Interfaces {
		var tags []string
		tags = append(tags, map[bool]string{true: "up", false: "down"}[i.Up])
		if i.MulticastCapable() {
			tags = append(tags, "multicast")
		} else {
			tags = append(tags, "no multicast")
		}
		if i.Loopback {
			tags = append(tags, "loopback")
		}
		if i.Virtual {
			tags = append(tags, "virtual/VPN")
		}
		if i.Route {
			tags = append(tags, "route to the group")
		}
		mark := "  "
		if i.Name == r.Chosen.Name {
			mark = "→ "
		}
		addrs := "no IPv4 address"
		if len(i.Addrs) > 0 {
			var as []string
			for _, a := range i.Addrs {
				as = append(as, a.String())
			}
			addrs = strings.Join(as, ", ")
		}
		fmt.Fprintf(&b, "%s%-10s %-22s %s\n", mark, i.Name, addrs, strings.Join(tags, ", "))
	}
	if r.ChooseErr != "" {
		fmt.Fprintf(&b, "\nNo interface: %s\n", r.ChooseErr)
	} else {
		how := "chosen"
		if r.Chosen.Automatic {
			how = "chosen automatically: " + r.Chosen.Reason
		}
		fmt.Fprintf(&b, "\nUsing %s (%s).\n", r.Chosen.Label(), how)
	}
	fmt.Fprintf(&b, "\nPort:      %s %s\n", okMark(r.Port.OK), r.Port.Detail)
	fmt.Fprintf(&b, "Self-test: %s %s\n", okMark(r.SelfTest.OK), r.SelfTest.Detail)
	if r.Listened > 0 {
		fmt.Fprintf(&b, "\nHeard on the group in %s:\n", r.Listened.Round(time.Second))
		if len(r.Heard) == 0 {
			b.WriteString("  nobody\n")
		}
		for _, h := range r.Heard {
			switch h.Kind {
			case "plain":
				fmt.Fprintf(&b, "  plain sender %s: %d datagrams (%s), e.g. %q\n", h.From.Addr(), h.Count, h.Encoding, clip(h.Sample))
			case "private":
				fmt.Fprintf(&b, "  private Groupcast member at %s (%s): %d datagrams\n", h.From.Addr(), h.Name, h.Count)
			default:
				fmt.Fprintf(&b, "  Groupcast member %s at %s: %d datagrams\n", h.Name, h.From.Addr(), h.Count)
			}
		}
	}
	if len(r.Hints) > 0 {
		b.WriteString("\nHints:\n")
		for _, h := range r.Hints {
			fmt.Fprintf(&b, "  • %s\n", h)
		}
	}
	return b.String()
}

func okMark(ok bool) string {
	if ok {
		return "OK  "
	}
	return "FAIL"
}

func clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}
