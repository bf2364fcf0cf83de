package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/trace"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/ipv4"

	"github.com/groupcast/groupcast/netconf"
)

// The lab measurement runs every sender and receiver as a process of its
// own on a host of its own (a network namespace on a bridge, made by the
// caller), as on separate machines: the same rows as Run, but across
// veth links instead of one process's loopback.
//
// A role is this program re-run with the role's arguments. It talks to the
// conductor by lines: JSON reports on its standard output, commands on
// its standard input. A receiver prints {"ready":true} once joined, then
// {"count":N} as messages arrive, and its report when its input ends. A
// sender prints {"ready":true}, waits for "go", sends flat out for the
// duration and prints {"sent":N,"start_ns":T}; "latency" makes it send
// the stamped samples at the fixed rate and print {"done":true}; when its
// input ends it leaves (lingering, so late repairs are still answered)
// and prints its report.

// RoleOptions say what one role process does.
type RoleOptions struct {
	Role       string // "send" or "receive"
	Kind       string // "bare" or "engine"
	Group      netip.AddrPort
	Iface      string
	Passphrase string
	Size       int
	Duration   time.Duration
	Rate       int
	Samples    int
	// Joined, when set, runs once a role has joined: the runtime settings
	// of the headless commands the engine roles stand for, given to the
	// bare roles too so that both run under the same scheduler.
	Joined func() `json:"-"`
	// Trace is a directory for the role's execution trace, or "".
	Trace string
}

// roleReport is a role's last line.
type roleReport struct {
	Ready   bool    `json:"ready,omitempty"`
	Count   uint64  `json:"count,omitempty"`
	Sent    uint64  `json:"sent,omitempty"`
	StartNs int64   `json:"start_ns,omitempty"`
	Done    bool    `json:"done,omitempty"`
	Final   bool    `json:"final,omitempty"`
	LastNs  int64   `json:"last_ns,omitempty"` // when the last throughput message arrived
	LatUs   []int64 `json:"lat_us,omitempty"`  // one-way latency of each stamped sample
	CPUns   int64   `json:"cpu_ns,omitempty"`  // the process's CPU time
	HeapMB  float64 `json:"heap_mb,omitempty"` // heap in use at the end
	Lost    uint64  `json:"lost,omitempty"`    // messages declared lost
	Repairs uint64  `json:"repairs,omitempty"` // sender: repairs sent
	Error   string  `json:"error,omitempty"`
}

// RunRole runs one role until its input ends.
func RunRole(ctx context.Context, o RoleOptions, in io.Reader, out io.Writer) error {
	enc := json.NewEncoder(out)
	var mu sync.Mutex
	say := func(r roleReport) {
		mu.Lock()
		defer mu.Unlock()
		_ = enc.Encode(r)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	if o.Trace != "" {
		stop, err := startTrace(o)
		if err != nil {
			say(roleReport{Error: err.Error()})
			return err
		}
		defer stop()
	}
	var err error
	switch {
	case o.Role == "receive" && o.Kind == "bare":
		err = bareReceive(o, lines, say)
	case o.Role == "receive":
		err = engineReceive(o, lines, say)
	case o.Role == "send" && o.Kind == "bare":
		err = bareSend(o, lines, say)
	case o.Role == "send":
		err = engineSend(ctx, o, lines, say)
	default:
		err = fmt.Errorf("unknown role %q/%q", o.Role, o.Kind)
	}
	if err != nil {
		say(roleReport{Error: err.Error()})
	}
	return err
}

// startTrace writes the role's execution trace into o.Trace, in a file
// named after the role, the kind of run and the process.
func startTrace(o RoleOptions) (stop func(), err error) {
	kind := o.Kind
	if o.Passphrase != "" {
		kind += "-passphrase"
	}
	f, err := os.Create(filepath.Join(o.Trace, fmt.Sprintf("%s-%s-%d.trace", o.Role, kind, os.Getpid())))
	if err != nil {
		return nil, err
	}
	if err := trace.Start(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { trace.Stop(); f.Close() }, nil
}

// wait blocks until line arrives on lines, or they end.
func wait(lines <-chan string, line string) bool {
	for l := range lines {
		if l == line {
			return true
		}
	}
	return false
}

func bareSockets(o RoleOptions) (*net.UDPConn, *ipv4.PacketConn, error) {
	ifi, err := net.InterfaceByName(o.Iface)
	if err != nil {
		return nil, nil, err
	}
	port := "0"
	if o.Role == "receive" {
		port = strconv.Itoa(int(o.Group.Port()))
	}
	c, err := net.ListenPacket("udp4", "0.0.0.0:"+port)
	if err != nil {
		return nil, nil, err
	}
	uc := c.(*net.UDPConn)
	p := ipv4.NewPacketConn(c)
	if o.Role == "receive" {
		_ = uc.SetReadBuffer(4 << 20)
		err = p.JoinGroup(ifi, &net.UDPAddr{IP: o.Group.Addr().AsSlice()})
	} else {
		err = p.SetMulticastInterface(ifi)
	}
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	if o.Joined != nil {
		o.Joined()
	}
	return uc, p, nil
}

// stamped reports whether a payload is a latency sample, and its send
// time: "t" and 19 digits of Unix nanoseconds.
func stamped(b []byte) (int64, bool) {
	if len(b) < stampLen || b[0] != 't' {
		return 0, false
	}
	v, err := strconv.ParseInt(string(b[1:stampLen]), 10, 64)
	return v, err == nil
}

func stamp(size int, body []byte) []byte {
	s := fmt.Appendf(nil, "t%019d", time.Now().UnixNano())
	return append(s, body[:max(size-stampLen, 0)]...)
}

// counting reports progress every 100 ms while n changes.
func counting(n func() uint64, say func(roleReport), stop <-chan struct{}) {
	last := uint64(0)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if v := n(); v != last {
				last = v
				say(roleReport{Count: v})
			}
		}
	}
}

// tally is what a receiving role counted: throughput messages, messages
// declared lost, when the last throughput message came, and the one-way
// latency of each stamped sample.
type tally struct {
	mu          sync.Mutex
	count, lost uint64
	lastNs      int64
	lat         []int64
}

// received counts one payload that arrived at now (Unix nanoseconds).
func (t *tally) received(payload []byte, now int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if sent, ok := stamped(payload); ok {
		t.lat = append(t.lat, (now-sent)/1000)
		return
	}
	t.count++
	t.lastNs = now
}

func (t *tally) addLost(n uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lost += n
}

// progress is how many throughput messages are accounted for.
func (t *tally) progress() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.count + t.lost
}

// final completes r as the role's last report.
func (t *tally) final(r roleReport) roleReport {
	t.mu.Lock()
	defer t.mu.Unlock()
	r.Final, r.Count, r.Lost, r.LastNs, r.LatUs = true, t.count, t.lost, t.lastNs, t.lat
	return r
}

func bareReceive(o RoleOptions, lines <-chan string, say func(roleReport)) error {
	c, _, err := bareSockets(o)
	if err != nil {
		return err
	}
	var t tally
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 2048)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			t.received(buf[:n], time.Now().UnixNano())
		}
	}()
	stop := make(chan struct{})
	go counting(t.progress, say, stop)
	cpu0 := cpuTime() // after joining: key derivation is not per message
	say(roleReport{Ready: true})
	for range lines {
	}
	close(stop)
	c.Close()
	<-done
	say(t.final(roleReport{CPUns: int64(cpuTime() - cpu0)}))
	return nil
}

func bareSend(o RoleOptions, lines <-chan string, say func(roleReport)) error {
	c, _, err := bareSockets(o)
	if err != nil {
		return err
	}
	defer c.Close()
	cpu0 := cpuTime() // after joining: key derivation is not per message
	say(roleReport{Ready: true})
	if !wait(lines, "go") {
		return nil
	}
	msg := []byte(strings.Repeat("x", o.Size))
	if !sendScript(context.Background(), o, lines, say, func(sample bool) bool {
		b := msg
		if sample {
			b = stamp(o.Size, msg)
		}
		_, err := c.WriteToUDPAddrPort(b, o.Group)
		return err == nil
	}) {
		return nil
	}
	say(roleReport{Final: true, CPUns: int64(cpuTime() - cpu0)})
	return nil
}

// sendScript is a sender's part once "go" came: flat out for the duration
// (then {"sent":N}), the stamped samples at the fixed rate on "latency"
// (then {"done":true}), then waiting for the input to end. send sends one
// message, a latency sample or not, and reports whether it went. It
// reports false when the input ended early.
func sendScript(ctx context.Context, o RoleOptions, lines <-chan string, say func(roleReport), send func(sample bool) bool) bool {
	start := time.Now()
	sent := uint64(0)
	for time.Since(start) < o.Duration && ctx.Err() == nil {
		for range 64 {
			if send(false) {
				sent++
			}
		}
	}
	say(roleReport{Sent: sent, StartNs: start.UnixNano()})
	if !wait(lines, "latency") {
		return false
	}
	tick := time.NewTicker(time.Second / time.Duration(o.Rate))
	for range o.Samples {
		<-tick.C
		send(true)
	}
	tick.Stop()
	say(roleReport{Done: true})
	for range lines {
	}
	return true
}

func labMember(o RoleOptions, nick string) (*netconf.Engine, error) {
	e, err := member(Options{Iface: o.Iface}, o.Group, nick, o.Passphrase)
	if err == nil && o.Joined != nil {
		o.Joined()
	}
	return e, err
}

func engineReceive(o RoleOptions, lines <-chan string, say func(roleReport)) error {
	e, err := labMember(o, "receiver")
	if err != nil {
		return err
	}
	defer e.Close()
	var t tally
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range e.Events() {
			switch ev := ev.(type) {
			case netconf.Message:
				t.received([]byte(ev.Text), time.Now().UnixNano())
			case netconf.Lost:
				t.addLost(ev.Count())
			}
		}
	}()
	stop := make(chan struct{})
	go counting(t.progress, say, stop)
	cpu0 := cpuTime() // after joining: key derivation is not per message
	say(roleReport{Ready: true})
	for range lines {
	}
	close(stop)
	runtime.GC()
	heap := heapMB()
	e.Close()
	<-done
	say(t.final(roleReport{CPUns: int64(cpuTime() - cpu0), HeapMB: heap}))
	return nil
}

func engineSend(ctx context.Context, o RoleOptions, lines <-chan string, say func(roleReport)) error {
	e, err := labMember(o, "sender")
	if err != nil {
		return err
	}
	defer e.Close()
	left := make(chan struct{})
	go func() {
		defer close(left)
		for ev := range e.Events() {
			if _, ok := ev.(netconf.Left); ok {
				return
			}
		}
	}()
	cpu0 := cpuTime() // after joining: key derivation is not per message
	say(roleReport{Ready: true})
	if !wait(lines, "go") {
		return nil
	}
	body := []byte(strings.Repeat("x", o.Size))
	text := string(body)
	if !sendScript(ctx, o, lines, say, func(sample bool) bool {
		if sample {
			return e.Do(netconf.Send{Text: string(stamp(o.Size, body))})
		}
		return e.Do(netconf.Send{Text: text})
	}) {
		return nil
	}
	repairs := e.Stats().RepairsOut
	e.Do(netconf.Leave{Linger: true})
	select {
	case <-left:
	case <-time.After(20 * time.Second):
	}
	say(roleReport{Final: true, CPUns: int64(cpuTime() - cpu0), Repairs: repairs})
	return nil
}

// Hosts runs role processes on the lab's hosts: host 0 sends, hosts 1…
// receive.
type Hosts interface {
	// Command prepares this program, run with args, on host i.
	Command(ctx context.Context, host int, args ...string) *exec.Cmd
	// Iface is the name of the hosts' network interface.
	Iface() string
}

// role is a running role process.
type role struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan roleReport
	count uint64 // last progress
}

func startRole(ctx context.Context, h Hosts, host int, o RoleOptions) (*role, error) {
	args := []string{"bench", "-role", o.Role, "-kind", o.Kind, "-group", o.Group.String(), "-iface", h.Iface(),
		"-size", strconv.Itoa(o.Size), "-duration", o.Duration.String(), "-rate", strconv.Itoa(o.Rate), "-samples", strconv.Itoa(o.Samples)}
	if o.Trace != "" {
		args = append(args, "-trace", o.Trace)
	}
	cmd := h.Command(ctx, host, args...)
	if o.Passphrase != "" {
		cmd.Env = append(cmd.Environ(), "GROUPCAST_KEY="+o.Passphrase)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	r := &role{cmd: cmd, stdin: stdin, lines: make(chan roleReport, 64)}
	go func() {
		defer close(r.lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			var rep roleReport
			if json.Unmarshal(sc.Bytes(), &rep) == nil {
				r.lines <- rep
			}
		}
		_ = cmd.Wait()
	}()
	return r, nil
}

// next waits for a report that satisfies ok, up to limit.
func (r *role) next(limit time.Duration, ok func(roleReport) bool) (roleReport, error) {
	deadline := time.After(limit)
	for {
		select {
		case rep, open := <-r.lines:
			if !open {
				return roleReport{}, fmt.Errorf("a %s process ended early", r.cmd.Args[len(r.cmd.Args)-1])
			}
			if rep.Error != "" {
				return rep, fmt.Errorf("%s", rep.Error)
			}
			if rep.Count > 0 && !rep.Final {
				r.count = rep.Count
			}
			if ok(rep) {
				return rep, nil
			}
		case <-deadline:
			return roleReport{}, fmt.Errorf("no answer from a role process in %v", limit)
		}
	}
}

// LabRun measures one row across hosts: a sender on host 0 and receivers
// on hosts 1…receivers.
func LabRun(ctx context.Context, h Hosts, o Options, kind string, receivers int, pass string, bare float64) (Result, error) {
	g := nextGroup()
	r := Result{Name: fmt.Sprintf("engine 1 → %d", receivers), Receivers: receivers, Passphrase: pass != ""}
	if kind == "bare" {
		r.Name = "bare UDP multicast"
	}
	if pass != "" {
		r.Name += ", passphrase"
	}
	ro := RoleOptions{Kind: kind, Group: g, Passphrase: pass, Size: o.Size, Duration: o.Duration, Rate: o.Rate, Samples: o.Samples, Trace: o.Trace}
	var rx []*role
	defer func() {
		for _, p := range rx {
			_ = p.cmd.Process.Kill()
		}
	}()
	for i := range receivers {
		ro.Role = "receive"
		p, err := startRole(ctx, h, i+1, ro)
		if err != nil {
			return r, err
		}
		rx = append(rx, p)
	}
	for _, p := range rx {
		if _, err := p.next(30*time.Second, func(rep roleReport) bool { return rep.Ready }); err != nil {
			return r, err
		}
	}
	ro.Role = "send"
	tx, err := startRole(ctx, h, 0, ro)
	if err != nil {
		return r, err
	}
	defer func() { _ = tx.cmd.Process.Kill() }()
	if _, err := tx.next(30*time.Second, func(rep roleReport) bool { return rep.Ready }); err != nil {
		return r, err
	}
	time.Sleep(300 * time.Millisecond) // HELLOs exchanged: receivers know where the stream starts
	fmt.Fprintln(tx.stdin, "go")
	sent, err := tx.next(o.Duration+30*time.Second, func(rep roleReport) bool { return rep.Sent > 0 })
	if err != nil {
		return r, err
	}
	// Throughput: until every receiver has everything (repairs included)
	// or nothing has moved for two seconds.
	for _, p := range rx {
		for p.count < sent.Sent {
			if _, err := p.next(2*time.Second, func(rep roleReport) bool { return rep.Count > 0 }); err != nil {
				break
			}
		}
	}
	time.Sleep(time.Second) // settle before the latency samples
	steal0 := stealMs()
	fmt.Fprintln(tx.stdin, "latency")
	if _, err := tx.next(time.Duration(o.Samples)*time.Second/time.Duration(o.Rate)+30*time.Second, func(rep roleReport) bool { return rep.Done }); err != nil {
		return r, err
	}
	r.StealMs = stealMs() - steal0
	time.Sleep(500 * time.Millisecond)
	var finals []roleReport
	for _, p := range rx {
		p.stdin.Close()
		f, err := p.next(30*time.Second, func(rep roleReport) bool { return rep.Final })
		if err != nil {
			return r, err
		}
		finals = append(finals, f)
	}
	tx.stdin.Close()
	txFinal, err := tx.next(60*time.Second, func(rep roleReport) bool { return rep.Final })
	if err != nil {
		return r, err
	}

	first := finals[0]
	elapsed := time.Duration(first.LastNs - sent.StartNs)
	if first.Count > 0 && elapsed > 0 {
		r.PerSecond = float64(first.Count) / elapsed.Seconds()
	}
	r.OfBare = 1
	if bare > 0 {
		r.OfBare = r.PerSecond / bare
	}
	cpu := txFinal.CPUns
	var lat []time.Duration
	for _, f := range finals {
		r.Delivered += f.Count
		r.Lost += f.Lost
		cpu += f.CPUns
		for _, us := range f.LatUs {
			lat = append(lat, time.Duration(us)*time.Microsecond)
		}
		r.HeapMB = max(r.HeapMB, f.HeapMB)
	}
	r.CPUus = perMessage(time.Duration(cpu), r.Delivered)
	r.Repairs = txFinal.Repairs
	r.setLatency(lat)
	return r, nil
}

// LabRunAll measures every row across hosts, bare first (best of three).
func LabRunAll(ctx context.Context, h Hosts, o Options, progress func(Result)) ([]Result, error) {
	return runRows(o, progress, func() (Result, error) { return LabRun(ctx, h, o, "bare", 1, "", 0) },
		func(receivers int, pass string, bare float64) (Result, error) {
			return LabRun(ctx, h, o, "engine", receivers, pass, bare)
		})
}
