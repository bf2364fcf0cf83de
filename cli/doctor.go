package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"time"

	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/doctor"
)

// runDoctor diagnoses multicast on this computer; the exit status says
// whether the loopback self-test passed.
func runDoctor(ctx context.Context, args []string, stdio IO) int {
	fs := flag.NewFlagSet("groupcast doctor", flag.ContinueOnError)
	group := fs.String("group", netconf.DefaultGroup.String(), "multicast group ADDR:PORT")
	iface := fs.String("iface", "", "network interface (default: automatic)")
	listen := fs.Duration("listen", 3*time.Second, "how long to listen for others on the group")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	keyFile := fs.String("key-file", "", "the group's passphrase (default: $GROUPCAST_KEY), to tell members using it from those using another")
	var nats netconf.NATSOptions
	registerNATS(fs, &nats, "also check this NATS server, through which other networks are reached")
	if code, done := parseFlags(fs, args, stdio); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stdio, fmt.Errorf("unexpected %q: doctor takes no text", fs.Arg(0)))
	}
	g, err := netconf.ParseGroup(*group)
	if err != nil {
		return usageError(stdio, err)
	}
	if *iface == "auto" {
		*iface = ""
	}
	if *iface != "" {
		if _, err := netconf.ResolveInterface(*iface, g.Addr()); err != nil {
			return usageError(stdio, err)
		}
	}
	if *listen < 0 || *listen > 10*time.Minute {
		return usageError(stdio, fmt.Errorf("-listen %v is out of range; use 0 to 10m", *listen))
	}
	if !*asJSON {
		fmt.Fprintf(stdio.Stderr, "checking %s (listening for %s)…\n", g, listen.Round(time.Second))
	}
	pass, err := (&options{keyFile: *keyFile}).passphrase()
	if err != nil {
		return usageError(stdio, err)
	}
	r := doctor.Diagnose(ctx, doctor.Options{Group: g, Interface: *iface, Listen: *listen, Passphrase: pass, NATS: nats})
	if *asJSON {
		enc := json.NewEncoder(stdio.Stdout)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(doctorJSON(r))
	} else {
		fmt.Fprint(stdio.Stdout, r.Text(flagNames))
	}
	if !r.Passed() {
		return ExitFailure
	}
	return ExitOK
}

type jsonDoctorIface struct {
	Name      string   `json:"name"`
	Addrs     []string `json:"addrs"`
	Up        bool     `json:"up"`
	Multicast bool     `json:"multicast"`
	Loopback  bool     `json:"loopback"`
	Virtual   bool     `json:"virtual"`
	Route     bool     `json:"route"`
}

type jsonHeard struct {
	Kind     string `json:"kind"`
	Name     string `json:"name,omitempty"`
	From     string `json:"from"`
	Count    int    `json:"count"`
	Sample   string `json:"sample,omitempty"`
	Encoding string `json:"encoding,omitempty"`
	Ours     bool   `json:"ours,omitempty"` // private: our passphrase
}

// flagNames names the settings the doctor's hints point to as this
// command line's flags.
func flagNames(s doctor.Setting) string {
	if s == doctor.SettingTTL {
		return "-ttl"
	}
	return "-iface"
}

func doctorJSON(r doctor.Report) any {
	ifaces := []jsonDoctorIface{}
	for _, i := range r.Interfaces {
		j := jsonDoctorIface{Name: i.Name, Addrs: []string{}, Up: i.Up, Multicast: i.MulticastCapable(), Loopback: i.Loopback, Virtual: i.Virtual, Route: i.Route}
		for _, a := range i.Addrs {
			j.Addrs = append(j.Addrs, a.String())
		}
		ifaces = append(ifaces, j)
	}
	hints := []string{}
	for _, h := range r.Hints {
		hints = append(hints, h.Sentence(flagNames))
	}
	heard := []jsonHeard{}
	for _, h := range r.Heard {
		heard = append(heard, jsonHeard{Kind: h.Kind, Name: h.Name, From: h.From.String(), Count: h.Count, Sample: h.Sample, Encoding: h.Encoding, Ours: h.Ours})
	}
	return struct {
		Event      string            `json:"event"`
		Group      string            `json:"group"`
		Scope      string            `json:"scope"`
		Iface      string            `json:"iface"`
		Automatic  bool              `json:"automatic"`
		Interfaces []jsonDoctorIface `json:"interfaces"`
		PortOK     bool              `json:"port_ok"`
		Port       string            `json:"port"`
		SelfTestOK bool              `json:"selftest_ok"`
		SelfTest   string            `json:"selftest"`
		Heard      []jsonHeard       `json:"heard"`
		Hints      []string          `json:"hints"`
	}{
		Event: "doctor", Group: r.Group.String(), Scope: r.Scope.Name, Iface: r.Chosen.Name, Automatic: r.Chosen.Automatic,
		Interfaces: ifaces, PortOK: r.Port.OK, Port: r.Port.Detail, SelfTestOK: r.SelfTest.OK, SelfTest: r.SelfTest.Detail,
		Heard: heard, Hints: hints,
	}
}
