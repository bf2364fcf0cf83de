package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestLabListenersShareGroupAndPort: three listeners on two hosts (two
// sharing one host's port) each print the sender's message exactly once;
// a listener on another group of the same port prints nothing.
func TestLabListenersShareGroupAndPort(t *testing.T) {
	lab := NewLab(t, 3)
	bin := Binary(t)
	const group, other = "239.255.3.3:3333", "239.255.77.77:3333"
	const text = "hello 世界 — 1"

	listen := func(name, host, g string) *Proc {
		return Start(t, name, lab.Command(host, bin, "listen", "-group", g, "-name", name, "-json"))
	}
	listeners := []*Proc{
		listen("h1-a", lab.Hosts[0], group),
		listen("h1-b", lab.Hosts[0], group),
		listen("h2-a", lab.Hosts[1], group),
	}
	deaf := listen("h2-other", lab.Hosts[1], other)
	for _, p := range append(listeners, deaf) {
		p.WaitFor("joined", 1, 10*time.Second)
		j := p.Events("joined")[0]
		if j["iface"] != "eth0" || j["automatic"] != true || !strings.HasPrefix(j["addr"].(string), "198.18.0.") {
			t.Fatalf("%s joined %v; want eth0 chosen automatically", p.Name, j)
		}
	}

	code, out, errOut := lab.Run(lab.Hosts[2], bin, "send", "-group", group, "-name", "Sender", text)
	if code != 0 {
		t.Fatalf("send exited %d: %s", code, errOut)
	}
	if out != "" || !strings.Contains(errOut, "joined "+group+" on eth0") {
		t.Fatalf("send stdout %q stderr %q", out, errOut)
	}
	for _, p := range listeners {
		p.WaitFor("message", 1, 5*time.Second)
	}
	time.Sleep(500 * time.Millisecond) // room for a duplicate to show up
	for _, p := range append(listeners, deaf) {
		if code := p.Stop(); code != 0 {
			t.Errorf("%s exited %d on SIGINT; stderr: %s", p.Name, code, p.Stderr())
		}
	}
	for _, p := range listeners {
		msgs := p.Events("message")
		if len(msgs) != 1 {
			t.Errorf("%s printed %d messages; want exactly 1: %v", p.Name, len(msgs), msgs)
			continue
		}
		m := msgs[0]
		if m["text"] != text || m["from"] != "Sender" || m["seq"] != 1.0 || !strings.HasPrefix(m["source"].(string), "198.18.0.3:") {
			t.Errorf("%s got %v", p.Name, m)
		}
		if left := p.Events("left"); len(left) != 1 {
			t.Errorf("%s did not print left on SIGINT: %v", p.Name, p.Events(""))
		}
	}
	if msgs := deaf.Events("message"); len(msgs) != 0 {
		t.Errorf("listener on %s heard %v", other, msgs)
	}
}

// TestLabBadInput: each mistake exits 2 with one line on stderr.
func TestLabBadInput(t *testing.T) {
	lab := NewLab(t, 1)
	bin := Binary(t)
	for _, tc := range []struct {
		args    []string
		mention string
	}{
		{[]string{"send", "-group", "192.168.1.7:3333", "x"}, "unicast"},
		{[]string{"listen", "-group", "239.255.3.3:70000"}, "port 70000"},
		{[]string{"listen", "-group", "nonsense"}, "ADDRESS:PORT"},
		{[]string{"nonsense"}, "unknown command"},
		{[]string{"listen", "-iface", "wlan9"}, `no network interface named "wlan9"`},
		{[]string{"send", "-ttl", "300", "x"}, "TTL 300"},
	} {
		code, out, errOut := lab.Run(lab.Hosts[0], bin, tc.args...)
		if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tc.mention) {
			t.Errorf("groupcast %s: exit %d, stdout %q, stderr %q; want 2 and one line mentioning %q",
				strings.Join(tc.args, " "), code, out, errOut, tc.mention)
		}
	}
}
