package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLabHostilePeers runs each attack of docs/SECURITY.md's table with
// gchostile, from a host of its own, against real groupcast processes on
// lab hosts: a PC listening and a teacher chatting. During and after each
// attack the teacher's next line reaches the PC within a second; the PC's
// memory, processor time and output stay bounded; nothing is delivered
// twice and nothing is reported lost that was not. The figures it logs are
// the ones docs/SECURITY.md quotes.
func TestLabHostilePeers(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	lab := NewLab(t, 4)
	bin, tool := Binary(t), Tool(t, "gchostile")
	pcHost, teacherHost, attacker, spare := lab.Hosts[0], lab.Hosts[1], lab.Hosts[2], lab.Hosts[3]
	port := 4400
	scene := func(t *testing.T, extra ...string) *classScene {
		port++
		return newClassScene(t, lab, bin, tool, fmt.Sprintf("239.255.44.%d:%d", port%200, port), pcHost, teacherHost, attacker, extra...)
	}
	var figures []string
	note := func(format string, args ...any) {
		figures = append(figures, fmt.Sprintf(format, args...))
	}
	t.Cleanup(func() { t.Log("figures:\n  " + strings.Join(figures, "\n  ")) })

	t.Run("seq 2^62", func(t *testing.T) {
		s := scene(t)
		s.attack("huge")
		s.deliver("after the huge claims")
		s.settled("huge")
		s.done()
	})

	t.Run("impostor", func(t *testing.T) {
		s := scene(t)
		id := s.teacherID()
		rep := s.attack("impostor", "-id", id, "-jump", "5000")
		s.deliver("still me")
		s.pc.WaitFor("unreadable", 1, 3*time.Second)
		if u := s.pc.Events("unreadable")[0]; u["reason"] != "impostor" || !strings.Contains(u["text"].(string), "198.18.0.3") {
			t.Fatalf("reported %v", u)
		}
		for _, l := range s.pc.Events("peer_left") {
			t.Fatalf("a forged LEAVE removed the teacher: %v", l)
		}
		s.settled("impostor")
		s.done()
		note("forged heartbeat (+5000) and LEAVE with the teacher's id from another host (%v datagrams): refused, 0 NACKs, 0 losses", rep["sent"])
	})

	t.Run("fake members", func(t *testing.T) {
		s := scene(t)
		during := s.during(func() { s.attack("ids", "-n", "5000", "-rounds", "3", "-every", "1s") }, "while 5 000 fake members say hello")
		rss := s.pc.RSS()
		s.deliver("after the fake members")
		joined := len(s.pc.Events("peer_joined"))
		if joined > 64+2 {
			t.Fatalf("%d peer_joined lines for one computer's 5 000 ids", joined)
		}
		s.settled("fake members")
		s.done()
		note("5 000 fake ids x 3 heartbeats from one host: the PC tracked %d, delivered in %v during the flood, RSS %.1f MB, output %d bytes", joined-1, during.Round(time.Millisecond), mb(rss), s.pc.OutputBytes())
	})

	t.Run("presenter and fake members", func(t *testing.T) {
		key := filepath.Join(t.TempDir(), "presenter.key")
		s := scene(t, "-room", "Physics 44", "-present", "-presenter-key", key)
		s.announce("Open chapter 3") // receipts counted
		before := s.teacher.OutputBytes()
		s.attack("ids", "-n", "4000", "-rounds", "2", "-every", "1s")
		time.Sleep(time.Second)
		s.announce("Open chapter 4")
		rss, out := s.teacher.RSS(), s.teacher.OutputBytes()-before
		if rss > 150<<20 || out > 256<<10 {
			t.Fatalf("the presenter uses %.1f MB and printed %d bytes for 4 000 fake members", mb(rss), out)
		}
		s.settled("presenter")
		s.done()
		note("presenter with 4 000 fake ids x 2 heartbeats around it: RSS %.1f MB, output %d bytes (%d receipt lines)", mb(rss), out, len(s.teacher.Events("receipt")))
	})

	t.Run("NACK flood", func(t *testing.T) {
		s := scene(t)
		for i := range 600 {
			s.say(fmt.Sprintf("line %03d of the lesson", i+1))
		}
		s.pc.WaitFor("message", 600, 10*time.Second)
		dropped := lab.DropUDP(pcHost, 10) // the PC loses some: its own NACKs must still be answered
		var rep map[string]any
		during := s.during(func() {
			rep = s.attack("nacks", "-id", s.teacherID(), "-last", "600", "-n", "1000", "-every", "5ms")
		}, "while a host floods NACKs")
		if dropped() == 0 {
			t.Fatal("nft dropped nothing")
		}
		lab.StopDropping(pcHost)
		ratio := rep["repair_bytes"].(float64) / rep["nack_bytes"].(float64)
		if ratio > 40 {
			t.Fatalf("%v repair bytes for %v NACK bytes", rep["repair_bytes"], rep["nack_bytes"])
		}
		s.teacher.WaitFor("unreadable", 1, 3*time.Second)
		if u := s.teacher.Events("unreadable")[0]; u["reason"] != "repair_flood" {
			t.Fatalf("teacher reported %v", u)
		}
		s.settled("NACK flood")
		s.done()
		note("1 000 NACKs for seqs 1-600 (%v bytes): %v repairs, %v bytes = %.1f repair bytes per NACK byte (was 3 182); the PC at 10%% loss got a line in %v during it", rep["nack_bytes"], rep["repairs"], rep["repair_bytes"], ratio, during.Round(time.Millisecond))
	})

	t.Run("fragment flood", func(t *testing.T) {
		s := scene(t)
		during := s.during(func() { s.attack("frags", "-n", "4000") }, "while 4 000 fake senders send 53 of 54 pieces")
		rss := s.pc.RSS()
		if rss > 150<<20 {
			t.Fatalf("the PC uses %.1f MB after the fragment flood", mb(rss))
		}
		s.deliver("after the pieces")
		s.settled("fragment flood")
		s.done()
		note("4 000 fake senders x 53 of 54 pieces (300 MB claimed) from one host: PC RSS %.1f MB, a line in %v during it", mb(rss), during.Round(time.Millisecond))
	})

	t.Run("replay to a late joiner", func(t *testing.T) {
		keyFile := filepath.Join(t.TempDir(), "class.key")
		if err := os.WriteFile(keyFile, []byte("violet umbrella seventeen harbour\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		s := scene(t, "-key-file", keyFile)
		recording := filepath.Join(t.TempDir(), "lesson.rec")
		rec := lab.Command(attacker, tool, "record", "-group", s.group, "-out", recording)
		if err := rec.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		s.deliver("Exam is cancelled")
		time.Sleep(200 * time.Millisecond)
		_ = rec.Process.Signal(syscall.SIGINT)
		_ = rec.Wait()
		time.Sleep(5 * time.Second) // well past the 3 s clocks may disagree
		late := Start(t, "late", lab.Command(spare, bin, "listen", "-group", s.group, "-name", "Late", "-key-file", keyFile, "-json"))
		late.WaitFor("joined", 1, 10*time.Second)
		late.WaitFor("peer_joined", 1, 5*time.Second)
		s.attack("replay", "-in", recording)
		late.WaitFor("unreadable", 1, 3*time.Second)
		if u := late.Events("unreadable")[0]; u["reason"] != "before_join" {
			t.Fatalf("the late joiner reported %v", u)
		}
		s.say("but the homework stands")
		late.WaitFor("message", 1, time.Second)
		if msgs := late.Events("message"); msgs[0]["text"] != "but the homework stands" {
			t.Fatalf("the late joiner showed %v", msgs)
		}
		if code := late.Stop(); code != 0 {
			t.Errorf("late exited %d", code)
		}
		s.done()
		note("replayed sealed lesson to a PC that joined 5 s later: 0 delivered; it said %q", late.Events("unreadable")[0]["text"])
	})

	t.Run("cable pulled for 10 s", func(t *testing.T) {
		s := scene(t)
		s.deliver("before the cable")
		stop := make(chan struct{})
		said := make(chan int)
		go func() {
			n := 0
			defer func() { said <- n }()
			tick := time.NewTicker(200 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					n++
					s.say(fmt.Sprintf("line %d during the outage", n))
				}
			}
		}()
		time.Sleep(500 * time.Millisecond)
		lab.Unplug(pcHost)
		time.Sleep(10 * time.Second)
		lab.Plug(pcHost)
		time.Sleep(time.Second)
		close(stop)
		n := <-said
		s.pc.WaitFor("message", n+1, 10*time.Second)
		time.Sleep(time.Second) // room for a duplicate
		var order []string
		for _, m := range s.pc.Events("message") {
			order = append(order, m["text"].(string))
		}
		want := []string{"before the cable"}
		for i := 1; i <= n; i++ {
			want = append(want, fmt.Sprintf("line %d during the outage", i))
		}
		if strings.Join(order, "|") != strings.Join(want, "|") {
			t.Fatalf("after a 10 s outage the PC showed %d lines: %q; want %d once each, in order", len(order), order, len(want))
		}
		ifaces := s.pc.Events("interface")
		if len(ifaces) != 2 || ifaces[0]["up"] != false || ifaces[1]["up"] != true {
			t.Fatalf("interface events %v", ifaces)
		}
		s.settled("cable")
		s.done()
		note("cable pulled 10 s while the teacher said %d lines: all %d shown once, in order (0 duplicates, 0 lost); the PC said %q, then %q", n, n+1, ifaces[0]["text"], ifaces[1]["text"])
	})

	t.Run("adapter removed and back", func(t *testing.T) {
		s := scene(t)
		s.deliver("before the adapter goes")
		lab.RemoveNIC(pcHost)
		s.pc.WaitFor("interface", 1, 3*time.Second)
		if e := s.pc.Events("interface")[0]; e["up"] != false || e["gone"] != true || !strings.Contains(e["text"].(string), "eth0 went away") {
			t.Fatalf("reported %v", e)
		}
		s.say("while it is away")
		time.Sleep(2 * time.Second)
		lab.AddNIC(pcHost)
		s.pc.WaitFor("interface", 2, 3*time.Second)
		s.pc.WaitFor("message", 2, 5*time.Second)
		s.deliver("after it is back")
		s.settled("adapter")
		s.done()
		note("adapter removed: %q; back: %q, and what was said meanwhile arrived", s.pc.Events("interface")[0]["text"], s.pc.Events("interface")[1]["text"])
	})

	t.Run("port held by a classic program", func(t *testing.T) {
		group := fmt.Sprintf("239.255.45.1:%d", port+100)
		holder := lab.Command(spare, tool, "hold", "-group", group)
		hout, err := holder.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := holder.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = holder.Process.Kill(); _ = holder.Wait() }()
		buf := make([]byte, 4096)
		if n, _ := hout.Read(buf); !strings.Contains(string(buf[:n]), "holding") {
			t.Fatalf("holder said %q", buf[:n])
		}
		code, out, errOut := lab.Run(spare, bin, "listen", "-group", group, "-name", "PC")
		if code != 1 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "already in use by a program that does not share it") {
			t.Fatalf("listen beside the holder: exit %d, stdout %q, stderr %q", code, out, errOut)
		}
		said := strings.TrimSpace(errOut)
		code, _, errOut = lab.Run(spare, bin, "send", "-plain", "-group", group, "-name", "PC", "hello classic")
		if code != 0 {
			t.Fatalf("send -plain beside the holder: exit %d: %s", code, errOut)
		}
		got := make(chan string, 1)
		go func() { n, _ := io.ReadAtLeast(hout, buf, 1); got <- string(buf[:n]) }()
		select {
		case s := <-got:
			if !strings.Contains(s, `RECV "hello classic"`) {
				t.Fatalf("the classic receiver printed %q", s)
			}
		case <-time.After(3 * time.Second):
			t.Fatal("the classic receiver got nothing")
		}
		note("port held without SO_REUSEADDR: listen exits 1 with %q; send -plain reaches the holder", said)
	})

	t.Run("SIGTERM under attack", func(t *testing.T) {
		s := scene(t)
		flood := lab.Command(attacker, tool, "ids", "-group", s.group, "-n", "5000", "-rounds", "10", "-every", "300ms")
		if err := flood.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = flood.Process.Kill(); _ = flood.Wait() }()
		time.Sleep(time.Second)
		code, took := s.pc.Terminate()
		if code != 0 || took > 2*time.Second {
			t.Fatalf("SIGTERM under attack: exit %d after %v", code, took)
		}
		note("SIGTERM to a listener under a fake-member flood: exit 0 after %v", took.Round(time.Millisecond))
		s.teacher.Stop()
	})
}

// classScene is a PC listening and a teacher chatting in one group, and
// an attacker host.
type classScene struct {
	t        *testing.T
	lab      *Lab
	tool     string
	group    string
	attacker string
	pc       *Proc
	teacher  *Proc
	stdin    io.WriteCloser
	said     map[string]bool
}

func newClassScene(t *testing.T, lab *Lab, bin, tool, group, pcHost, teacherHost, attacker string, extra ...string) *classScene {
	t.Helper()
	s := &classScene{t: t, lab: lab, tool: tool, group: group, attacker: attacker, said: map[string]bool{}}
	teacherArgs := append([]string{"chat", "-group", group, "-name", "Teacher", "-json"}, extra...)
	pcArgs := []string{"listen", "-group", group, "-name", "PC", "-json"}
	for i, a := range extra {
		switch a {
		case "-key-file":
			pcArgs = append(pcArgs, a, extra[i+1])
		case "-room":
			pcArgs = []string{"listen", "-room", extra[i+1], "-name", "PC", "-json"}
		}
	}
	cmd := lab.Command(teacherHost, bin, teacherArgs...)
	var err error
	if s.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	s.teacher = Start(t, "teacher", cmd)
	s.teacher.WaitFor("joined", 1, 10*time.Second)
	s.pc = Start(t, "pc", lab.Command(pcHost, bin, pcArgs...))
	s.pc.WaitFor("joined", 1, 15*time.Second)
	s.pc.WaitFor("peer_joined", 1, 5*time.Second)
	s.teacher.WaitFor("peer_joined", 1, 5*time.Second)
	return s
}

// say has the teacher send a line.
func (s *classScene) say(text string) {
	s.t.Helper()
	s.sayLine(text, text)
}

// sayLine has the teacher type line, which sends text (a presenter's
// "/announce TEXT" announces TEXT).
func (s *classScene) sayLine(line, text string) {
	s.t.Helper()
	s.said[text] = true
	if _, err := io.WriteString(s.stdin, line+"\n"); err != nil {
		s.t.Fatalf("teacher: %v", err)
	}
}

// deliver has the teacher say text and fails unless the PC shows it
// within a second; it returns how long that took.
func (s *classScene) deliver(text string) time.Duration {
	s.t.Helper()
	return s.deliverLine(text, text)
}

// announce is deliver for a presenter's announcement.
func (s *classScene) announce(text string) time.Duration {
	s.t.Helper()
	return s.deliverLine("/announce "+text, text)
}

func (s *classScene) deliverLine(line, text string) time.Duration {
	s.t.Helper()
	start := time.Now()
	s.sayLine(line, text)
	for time.Since(start) < time.Second {
		for _, m := range s.pc.Events("message") {
			if m["text"] == text {
				return time.Since(start)
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.t.Fatalf("the PC did not show %q within a second; stderr: %s", text, s.pc.Stderr())
	return 0
}

// during runs attack and, a moment after it started, delivers a line.
func (s *classScene) during(attack func(), text string) time.Duration {
	s.t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); attack() }()
	time.Sleep(300 * time.Millisecond)
	took := s.deliver(text)
	<-done
	return took
}

// attack runs gchostile on the attacker's host and returns its report.
func (s *classScene) attack(args ...string) map[string]any {
	s.t.Helper()
	args = append([]string{args[0], "-group", s.group}, args[1:]...)
	code, out, errOut := s.lab.Run(s.attacker, s.tool, args...)
	if code != 0 {
		s.t.Fatalf("gchostile %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		s.t.Fatalf("gchostile %s printed %q", args[0], out)
	}
	return rep
}

// teacherID is the teacher's sender id as the PC saw it.
func (s *classScene) teacherID() string {
	s.t.Helper()
	for _, p := range s.pc.Events("peer_joined") {
		if p["from"] == "Teacher" {
			return p["sender"].(string)
		}
	}
	s.t.Fatal("the PC has not seen the teacher")
	return ""
}

// settled checks, after an attack, that the PC is alive and idle (not
// spinning: under 10% of a processor over 2 s), showed each of the
// teacher's lines once, and reported nothing of the teacher's lost.
func (s *classScene) settled(what string) {
	s.t.Helper()
	if !s.pc.Alive() {
		s.t.Fatalf("the PC died after %s: %s", what, s.pc.Stderr())
	}
	before := s.pc.CPU()
	time.Sleep(2 * time.Second)
	if used := s.pc.CPU() - before; used > 200*time.Millisecond {
		s.t.Fatalf("after %s the PC used %v of processor time in 2 s", what, used)
	}
	seen := map[string]int{}
	for _, m := range s.pc.Events("message") {
		seen[fmt.Sprintf("%v/%v", m["sender"], m["seq"])]++
		if !s.said[m["text"].(string)] {
			s.t.Fatalf("after %s the PC showed %v, which the teacher never said", what, m)
		}
	}
	for k, n := range seen {
		if n > 1 {
			s.t.Fatalf("after %s the PC showed %s %d times", what, k, n)
		}
	}
	for _, l := range s.pc.Events("lost") {
		if l["from"] == "Teacher" {
			s.t.Fatalf("after %s the PC reported a loss the teacher did not have: %v", what, l)
		}
	}
}

// done stops both, which must exit 0.
func (s *classScene) done() {
	s.t.Helper()
	for _, p := range []*Proc{s.pc, s.teacher} {
		if code := p.Stop(); code != 0 {
			s.t.Errorf("%s exited %d: %s", p.Name, code, p.Stderr())
		}
	}
}
