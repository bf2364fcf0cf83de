// Package doctor is the network doctor: what usually breaks multicast on a
// computer — interfaces, the port, a loopback self-test, who is talking on
// the group — found and explained. Its hints are codes with sentences
// that name settings the way the front end asks (a flag on the command
// line, a field in the window).
package doctor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/ipv4"

	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/internal/mcast"
	"github.com/groupcast/groupcast/netconf/wire"
)

// Options says what to diagnose.
type Options struct {
	Group     netip.AddrPort
	Interface string        // "" for automatic
	Listen    time.Duration // how long to listen to the group (0: skip)
	// Passphrase is the one the user means to join with, if any: private
	// members heard are then marked as using it or another.
	Passphrase string
	// NATS, when its URL is set, is the NATS server other networks are
	// reached through (docs/BRIDGE.md): the doctor checks it.
	NATS netconf.NATSOptions
}

// Check is one test's outcome.
type Check struct {
	OK     bool
	Detail string
}

// Heard is a sender the doctor heard on the group.
type Heard struct {
	Kind string // "groupcast", "private", "plain" or "bridge"
	// From is, for one on another network, its label (netconf.HostName
	// says where it is); a bridge's Name is "forwarding" or "standing by".
	Name     string // nickname (groupcast), key id (private), "" (plain)
	From     netip.AddrPort
	Count    int
	Sample   string // plain: the first text; groupcast: the first message
	Encoding string // plain: how it was read
	Ours     bool   // private: sealed with our passphrase (Options.Passphrase)
}

// Report is what the network doctor found.
type Report struct {
	Group      netip.AddrPort
	Scope      netconf.Scope
	Interfaces []netconf.Interface
	Chosen     netconf.Choice
	ChooseErr  string
	Port       Check
	SelfTest   Check
	Listened   time.Duration
	Heard      []Heard
	Keyed      bool // the user gave a passphrase (Options.Passphrase)
	// NATS is the check of the NATS server (Options.NATS), when one was
	// given: reached, authorised, round trip.
	NATS  *Check
	Hints []Hint
}

// markOurs marks the private members heard that seal with passphrase.
func markOurs(heard []Heard, g netip.AddrPort, passphrase string) {
	id := netconf.KeyID(g, passphrase)
	for i := range heard {
		heard[i].Ours = id != "" && heard[i].Kind == "private" && heard[i].Name == "key "+id
	}
}

// Hint is the hint of code the report gives, or nil.
func (r Report) Hint(code HintCode) *Hint {
	for i := range r.Hints {
		if r.Hints[i].Code == code {
			return &r.Hints[i]
		}
	}
	return nil
}

// Bridge is the bridge heard forwarding the group on this network, if
// one was (docs/BRIDGE.md).
func (r Report) Bridge() (netip.Addr, bool) {
	for _, h := range r.Heard {
		if h.Kind == "bridge" && h.Name == "forwarding" {
			return h.From.Addr(), true
		}
	}
	return netip.Addr{}, false
}

// Passed reports whether the loopback self-test worked: this computer can
// send and receive multicast on the chosen interface.
func (r Report) Passed() bool { return r.SelfTest.OK }

// Diagnose checks what usually breaks multicast: interfaces, the port,
// a loopback self-test on the chosen interface (sent with TTL 0 to a
// private port, so it never leaves this computer and no program on the
// group sees it), and, passively, who is talking on the group.
func Diagnose(ctx context.Context, o Options) Report {
	r := Report{Group: o.Group, Scope: netconf.ScopeOf(o.Group.Addr())}
	r.Interfaces, _ = netconf.ListInterfaces(o.Group.Addr())
	choice, err := netconf.ResolveInterface(o.Interface, o.Group.Addr())
	if err != nil {
		r.ChooseErr = netconf.Explain(err)
		r.SelfTest = Check{Detail: "no usable interface, so no self-test"}
		r.Hints = append(r.Hints, Hint{Code: HintNoInterface})
		return r
	}
	r.Chosen = choice
	if o.NATS.URL != "" {
		c := checkNATS(o.NATS)
		r.NATS = &c
	}
	r.Port = checkPort(o.Group, choice)
	r.SelfTest = selfTest(choice, o.Group.Addr())
	if o.Listen > 0 && r.Port.OK {
		r.Listened = o.Listen
		r.Heard = listenTo(ctx, o.Group, choice, o.Listen)
		r.Keyed = o.Passphrase != ""
		markOurs(r.Heard, o.Group, o.Passphrase)
	}
	r.Hints = hintsFor(r)
	return r
}

// checkPort opens the group's port and its companion (wire.CompanionPort),
// as a member does.
func checkPort(g netip.AddrPort, choice netconf.Choice) Check {
	nif, err := net.InterfaceByIndex(choice.Index)
	for _, port := range []uint16{g.Port(), wire.CompanionPort(g.Port())} {
		if err != nil {
			break
		}
		var c net.PacketConn
		if c, _, err = mcast.Listen(netip.AddrPortFrom(g.Addr(), port), choice.Name, nif); err == nil {
			_ = c.Close()
		}
	}
	if err != nil {
		return Check{Detail: netconf.Explain(err)}
	}
	return Check{OK: true, Detail: fmt.Sprintf("ports %d and %d (its companion) can be opened, shared with other programs that allow it",
		g.Port(), wire.CompanionPort(g.Port()))}
}

// selfTest joins the group on a free port, sends a probe with TTL 0 and
// loopback on, and waits for it.
func selfTest(choice netconf.Choice, group netip.Addr) Check {
	probePort, err := freeUDPPort()
	if err != nil {
		return Check{Detail: "could not find a free port for the self-test: " + err.Error()}
	}
	m, err := mcast.Open(mcast.Options{Group: netip.AddrPortFrom(group, probePort), Iface: choice, TTL: 0, Loopback: true, KeepEcho: true})
	if err != nil {
		return Check{Detail: netconf.Explain(err)}
	}
	defer m.Close()
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	probe := []byte("groupcast-doctor-probe " + hex.EncodeToString(nonce[:]))
	buf := make([]byte, 2048)
	deadline := time.Now().Add(1500 * time.Millisecond)
	m.SetReadDeadline(deadline)
	for attempt := 0; time.Now().Before(deadline); attempt++ {
		if attempt < 3 {
			if err := m.Write(probe); err != nil {
				return Check{Detail: netconf.Explain(err)}
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

// listenTo joins the group, on its port and the companion port (where
// Groupcast members that say nothing are heard), without sending
// anything, and sorts what it hears by sender.
func listenTo(ctx context.Context, g netip.AddrPort, choice netconf.Choice, d time.Duration) []Heard {
	heard := map[string]*Heard{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, port := range []uint16{g.Port(), wire.CompanionPort(g.Port())} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			listenPort(ctx, netip.AddrPortFrom(g.Addr(), port), port != g.Port(), choice, d, func(h Heard) {
				mu.Lock()
				defer mu.Unlock()
				note(heard, h)
			})
		}()
	}
	wg.Wait()
	out := make([]Heard, 0, len(heard))
	for _, h := range heard {
		out = append(out, *h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].From.String()+out[i].Name < out[j].From.String()+out[j].Name })
	return out
}

// listenPort hears g for d (companion: the group's companion port, where
// only Groupcast's own datagrams count) and passes on what it heard.
func listenPort(ctx context.Context, g netip.AddrPort, companion bool, choice netconf.Choice, d time.Duration, heard func(Heard)) {
	nif, err := net.InterfaceByIndex(choice.Index)
	if err != nil {
		return
	}
	c, p, err := mcast.Listen(g, choice.Name, nif)
	if err != nil {
		return
	}
	defer c.Close()
	_ = p.SetControlMessage(ipv4.FlagDst, true)
	deadline := time.Now().Add(d)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = c.SetReadDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = c.SetReadDeadline(time.Now()) })
	defer stop()
	buf := make([]byte, 65536)
	for {
		n, cm, src, err := p.ReadFrom(buf)
		if err != nil {
			return
		}
		if cm != nil && cm.Dst != nil && !cm.Dst.Equal(g.Addr().AsSlice()) {
			continue
		}
		ua, _ := src.(*net.UDPAddr)
		from := netip.AddrPortFrom(ua.AddrPort().Addr().Unmap(), ua.AddrPort().Port())
		if h := classify(buf[:n], from); h.Kind != "plain" || !companion {
			heard(h)
		}
	}
}

// note counts h in heard, by sender.
func note(heard map[string]*Heard, h Heard) {
	key := h.Kind + "|" + h.Name + "|" + h.From.String()
	if h.Kind == "plain" {
		key = "plain|" + h.From.Addr().String() // simple tools often use a new socket per message
	}
	if old := heard[key]; old != nil {
		old.Count++
		if old.Sample == "" {
			old.Sample = h.Sample
		}
		if h.Encoding != "" && !strings.Contains(old.Encoding, h.Encoding) {
			old.Encoding += ", " + h.Encoding
		}
		return
	}
	h.Count = 1
	heard[key] = &h
}

func classify(b []byte, from netip.AddrPort) Heard {
	if wire.IsBeacon(b) {
		h := Heard{Kind: "bridge", Name: "standing by", From: from}
		if bc, ok := wire.ParseBeacon(b); ok && bc.Forwarding {
			h.Name = "forwarding"
		}
		return h
	}
	if inner, f, ok := wire.ParseForward(b); ok {
		return classify(inner, wire.Label(f)) // passed on by a bridge from another network
	}
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
