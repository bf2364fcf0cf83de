package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"runtime/trace"
	"sync"
	"time"
)

// A role, a sender or a receiver of the lab measurement (LabRun), is this
// program re-run with the role's arguments. It talks to the conductor by
// lines: JSON reports on its standard output, commands on its standard
// input. A receiver prints {"ready":true} once joined, then {"count":N}
// as messages arrive, and its report when its input ends. A sender prints
// {"ready":true}, waits for "go", sends flat out for the duration and
// prints {"sent":N,"start_ns":T}; "latency" makes it send the stamped
// samples at the fixed rate and print {"done":true}; when its input ends
// it leaves (lingering, so late repairs are still answered) and prints
// its report.

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

// serve is a receiving role once joined: it says it is ready, reports
// progress until the conductor closes lines, then has stop end the
// receiving (stop may fill in the final report) and reports the tally
// with the CPU time used since it was ready (joining, and deriving a key,
// are not per message).
func (t *tally) serve(lines <-chan string, say func(roleReport), stop func() roleReport) {
	quit := make(chan struct{})
	go counting(t.progress, say, quit)
	cpu0 := cpuTime()
	say(roleReport{Ready: true})
	for range lines {
	}
	close(quit)
	r := stop()
	r.CPUns = int64(cpuTime() - cpu0)
	say(t.final(r))
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
