package doctor

import (
	"fmt"
	"strings"
	"time"

	"github.com/groupcast/groupcast/netconf"
)

// Text renders the report for a terminal or a window, naming settings
// with names.
func (r Report) Text(names Names) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Group %s — %s\n\n", r.Group, r.Scope.Name)
	b.WriteString("Interfaces:\n")
	for _, i := range r.Interfaces {
		b.WriteString(interfaceLine(i, i.Name == r.Chosen.Name))
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
	if r.NATS != nil {
		fmt.Fprintf(&b, "NATS:      %s %s\n", okMark(r.NATS.OK), r.NATS.Detail)
	}
	if r.Listened > 0 {
		r.writeHeard(&b)
	}
	if len(r.Hints) > 0 {
		b.WriteString("\nHints:\n")
		for _, h := range r.Hints {
			fmt.Fprintf(&b, "  • %s\n", h.Sentence(names))
		}
	}
	return b.String()
}

// interfaceLine describes one interface on a line of its own, marked with
// an arrow when it is the chosen one.
func interfaceLine(i netconf.Interface, chosen bool) string {
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
	if chosen {
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
	return fmt.Sprintf("%s%-10s %-22s %s\n", mark, i.Name, addrs, strings.Join(tags, ", "))
}

// writeHeard writes who was heard on the group while listening.
func (r Report) writeHeard(b *strings.Builder) {
	fmt.Fprintf(b, "\nHeard on the group in %s:\n", r.Listened.Round(time.Second))
	if len(r.Heard) == 0 {
		b.WriteString("  nobody\n")
	}
	for _, h := range r.Heard {
		switch h.Kind {
		case "plain":
			fmt.Fprintf(b, "  plain sender %s: %d datagrams (%s), e.g. %q\n", h.From.Addr(), h.Count, h.Encoding, clip(h.Sample))
		case "private":
			whose := ""
			switch {
			case h.Ours:
				whose = ", your passphrase"
			case r.Keyed:
				whose = ", ANOTHER passphrase than yours"
			}
			fmt.Fprintf(b, "  private Groupcast member at %s (%s%s): %d datagrams\n", netconf.HostName(h.From.Addr()), h.Name, whose, h.Count)
		case "bridge":
			fmt.Fprintf(b, "  bridge to other networks at %s (%s)\n", h.From.Addr(), h.Name)
		default:
			fmt.Fprintf(b, "  Groupcast member %s at %s: %d datagrams\n", h.Name, netconf.HostName(h.From.Addr()), h.Count)
		}
	}
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
