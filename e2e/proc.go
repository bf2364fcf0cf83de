package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Binary returns the groupcast binary to test: $GROUPCAST_BIN, or one
// built from this checkout.
func Binary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("GROUPCAST_BIN"); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	_, here, _, _ := runtime.Caller(0)
	out := filepath.Join(t.TempDir(), "groupcast")
	cmd := exec.Command("go", "build", "-tags", "migrated_fynedo", "-o", out, ".")
	cmd.Dir = filepath.Dir(filepath.Dir(here))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build groupcast: %v\n%s", err, b)
	}
	return out
}

// Tool builds a helper program of e2e/cmd.
func Tool(t *testing.T, name string) string {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	out := filepath.Join(t.TempDir(), name)
	cmd := exec.Command("go", "build", "-o", out, "./e2e/cmd/"+name)
	cmd.Dir = filepath.Dir(filepath.Dir(here))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", name, err, b)
	}
	return out
}

// RSS returns the resident memory of the process, in bytes.
func (p *Proc) RSS() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		p.t.Fatalf("read memory of %s: %v", p.Name, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "VmRSS:")), "%d", &kb)
			return kb << 10
		}
	}
	p.t.Fatalf("no VmRSS for %s", p.Name)
	return 0
}

// Alive reports whether the process is still running.
func (p *Proc) Alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Proc is a running groupcast whose -json output is collected.
type Proc struct {
	t      *testing.T
	Name   string
	cmd    *exec.Cmd
	mu     sync.Mutex
	out    int64 // bytes printed on stdout
	events []map[string]any
	times  []time.Time // when each event was read
	bad    []string    // stdout lines that are not JSON
	stderr *lockedBuffer
	done   chan struct{}
	code   int
	// Started is when the process was started.
	Started time.Time
}

type lockedBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	return len(p), nil
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}

// Start runs cmd, which must print JSON events, until Stop.
func Start(t *testing.T, name string, cmd *exec.Cmd) *Proc {
	t.Helper()
	p := &Proc{t: t, Name: name, cmd: cmd, stderr: &lockedBuffer{}, done: make(chan struct{})}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = p.stderr
	p.Started = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go p.read(stdout)
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func (p *Proc) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		p.mu.Lock()
		p.out += int64(len(sc.Bytes()) + 1)
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			p.bad = append(p.bad, sc.Text())
		} else {
			p.events = append(p.events, m)
			p.times = append(p.times, time.Now())
		}
		p.mu.Unlock()
	}
	err := p.cmd.Wait()
	p.code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		p.code = ee.ExitCode()
	}
	close(p.done)
}

// Events returns the events so far of the given kind ("" for all).
func (p *Proc) Events(kind string) []map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []map[string]any
	for _, e := range p.events {
		if kind == "" || e["event"] == kind {
			out = append(out, e)
		}
	}
	return out
}

// At is when the i-th event of kind (from 0) was printed, as read here
// (zero if it was not).
func (p *Proc) At(kind string, i int) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	for j, e := range p.events {
		if e["event"] == kind {
			if i == 0 {
				return p.times[j]
			}
			i--
		}
	}
	return time.Time{}
}

// WaitFor waits until n events of kind have been printed.
func (p *Proc) WaitFor(kind string, n int, limit time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(limit)
	for len(p.Events(kind)) < n {
		select {
		case <-p.done:
			p.t.Fatalf("%s exited (status %d) before %d %q events; stderr: %s", p.Name, p.code, n, kind, p.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: %d %q events after %v; want %d; stderr: %s; %s", p.Name, len(p.Events(kind)), kind, limit, n, p.stderr.String(), p.summary())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop sends SIGINT and returns the exit status.
func (p *Proc) Stop() int {
	p.t.Helper()
	code, _ := p.signal(syscall.SIGINT, 10*time.Second)
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.bad) > 0 {
		p.t.Errorf("%s printed non-JSON lines on stdout: %q", p.Name, p.bad)
	}
	return code
}

// signal sends sig and waits up to limit for the process to end; it
// returns the exit status and how long that took.
func (p *Proc) signal(sig syscall.Signal, limit time.Duration) (int, time.Duration) {
	p.t.Helper()
	start := time.Now()
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(limit):
		_ = p.cmd.Process.Kill()
		<-p.done
		p.t.Fatalf("%s did not end within %v of %v", p.Name, limit, sig)
	}
	return p.code, time.Since(start)
}

// Stderr returns what the process wrote on stderr.
func (p *Proc) Stderr() string { return p.stderr.String() }

// OutputBytes is how much the process has printed on stdout so far.
func (p *Proc) OutputBytes() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out
}

// CPU is the processor time the process has used so far (user and
// system), from /proc.
func (p *Proc) CPU() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		p.t.Fatalf("read the CPU time of %s: %v", p.Name, err)
	}
	// The fields after the command name (which may hold spaces) start at
	// the state; utime and stime are the 14th and 15th fields.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	var user, sys int64
	fmt.Sscan(f[11], &user)
	fmt.Sscan(f[12], &sys)
	return time.Duration(user+sys) * time.Second / 100 // USER_HZ
}

// Terminate sends SIGTERM and returns the exit status and how long the
// process took to end.
func (p *Proc) Terminate() (int, time.Duration) {
	p.t.Helper()
	return p.signal(syscall.SIGTERM, 30*time.Second)
}

// summary counts the events printed so far by kind and quotes the last
// few that are not messages: what a failed wait needs to be understood.
func (p *Proc) summary() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	counts := map[string]int{}
	var others []string
	for _, e := range p.events {
		k, _ := e["event"].(string)
		counts[k]++
		if k != "message" && k != "sent" {
			b, _ := json.Marshal(e)
			others = append(others, string(b))
		}
	}
	if len(others) > 8 {
		others = others[len(others)-8:]
	}
	return fmt.Sprintf("events %v; the last others: %s", counts, strings.Join(others, " "))
}

// numberedLines is what a streaming chat reads: n lines "line 00001 — a
// chat line of about sixty bytes, héllo 世界", numbered from 1.
func numberedLines(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "line %05d — a chat line of about sixty bytes, héllo 世界\n", i+1)
	}
	return b.String()
}

// streamLab makes two lab hosts and starts, on the second, a listen -json
// on group (with extra arguments), joined; the first is for a sender.
func streamLab(t *testing.T, group string, extra ...string) (*Lab, string, *Proc) {
	t.Helper()
	lab := NewLab(t, 2)
	bin := Binary(t)
	args := append([]string{"listen", "-group", group, "-name", "Listener", "-json"}, extra...)
	rx := Start(t, "listener", lab.Command(lab.Hosts[1], bin, args...))
	rx.WaitFor("joined", 1, 10*time.Second)
	return lab, bin, rx
}
