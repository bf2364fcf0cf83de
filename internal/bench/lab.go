package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"time"
)

// The lab measurement runs every sender and receiver as a process of its
// own on a host of its own (a network namespace on a bridge, made by the
// caller), as on separate machines: the same rows as Run, but across
// veth links instead of one process's loopback.

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
	l := &labRun{o: o}
	defer l.kill()
	if err := l.start(ctx, h, ro, receivers); err != nil {
		return r, err
	}
	sent, err := l.throughput()
	if err != nil {
		return r, err
	}
	if r.StealMs, err = l.latency(); err != nil {
		return r, err
	}
	rx, tx, err := l.finish()
	if err != nil {
		return r, err
	}
	r.setLab(sent, rx, tx, bare)
	return r, nil
}

// labRun is one LabRun row under way: its role processes.
type labRun struct {
	o  Options
	rx []*role
	tx *role
}

// ready reports whether rep says the role has joined.
func ready(rep roleReport) bool { return rep.Ready }

// start starts the receivers, then, once they have all joined, the sender.
func (l *labRun) start(ctx context.Context, h Hosts, ro RoleOptions, receivers int) error {
	for i := range receivers {
		ro.Role = "receive"
		p, err := startRole(ctx, h, i+1, ro)
		if err != nil {
			return err
		}
		l.rx = append(l.rx, p)
	}
	for _, p := range l.rx {
		if _, err := p.next(30*time.Second, ready); err != nil {
			return err
		}
	}
	ro.Role = "send"
	tx, err := startRole(ctx, h, 0, ro)
	if err != nil {
		return err
	}
	l.tx = tx
	_, err = tx.next(30*time.Second, ready)
	return err
}

// kill ends the role processes still running: the sender, then the
// receivers.
func (l *labRun) kill() {
	if l.tx != nil {
		_ = l.tx.cmd.Process.Kill()
	}
	for _, p := range l.rx {
		_ = p.cmd.Process.Kill()
	}
}

// throughput has the sender send flat out and returns its report, once
// every receiver has everything (repairs included) or nothing has moved
// for two seconds.
func (l *labRun) throughput() (sent roleReport, err error) {
	time.Sleep(300 * time.Millisecond) // HELLOs exchanged: receivers know where the stream starts
	fmt.Fprintln(l.tx.stdin, "go")
	sent, err = l.tx.next(l.o.Duration+30*time.Second, func(rep roleReport) bool { return rep.Sent > 0 })
	if err != nil {
		return sent, err
	}
	for _, p := range l.rx {
		for p.count < sent.Sent {
			if _, err := p.next(2*time.Second, func(rep roleReport) bool { return rep.Count > 0 }); err != nil {
				break
			}
		}
	}
	return sent, nil
}

// latency has the sender send the stamped samples at the fixed rate and
// returns the machine's steal time (ms) while they went.
func (l *labRun) latency() (stealMillis float64, err error) {
	time.Sleep(time.Second) // settle before the latency samples
	steal0 := stealMs()
	fmt.Fprintln(l.tx.stdin, "latency")
	limit := time.Duration(l.o.Samples)*time.Second/time.Duration(l.o.Rate) + 30*time.Second
	if _, err := l.tx.next(limit, func(rep roleReport) bool { return rep.Done }); err != nil {
		return 0, err
	}
	stealMillis = stealMs() - steal0
	time.Sleep(500 * time.Millisecond)
	return stealMillis, nil
}

// finish ends the receivers' input, then the sender's, and returns their
// last reports.
func (l *labRun) finish() (rx []roleReport, tx roleReport, err error) {
	for _, p := range l.rx {
		p.stdin.Close()
		f, err := p.next(30*time.Second, func(rep roleReport) bool { return rep.Final })
		if err != nil {
			return rx, tx, err
		}
		rx = append(rx, f)
	}
	l.tx.stdin.Close()
	tx, err = l.tx.next(60*time.Second, func(rep roleReport) bool { return rep.Final })
	return rx, tx, err
}

// setLab fills in r from the sender's throughput report sent and the
// receivers' and the sender's last reports, rx and tx; bare is the bare
// socket's messages/s.
func (r *Result) setLab(sent roleReport, rx []roleReport, tx roleReport, bare float64) {
	first := rx[0]
	elapsed := time.Duration(first.LastNs - sent.StartNs)
	if first.Count > 0 && elapsed > 0 {
		r.PerSecond = float64(first.Count) / elapsed.Seconds()
	}
	r.OfBare = 1
	if bare > 0 {
		r.OfBare = r.PerSecond / bare
	}
	cpu := tx.CPUns
	var lat []time.Duration
	for _, f := range rx {
		r.Delivered += f.Count
		r.Lost += f.Lost
		cpu += f.CPUns
		for _, us := range f.LatUs {
			lat = append(lat, time.Duration(us)*time.Microsecond)
		}
		r.HeapMB = max(r.HeapMB, f.HeapMB)
	}
	r.CPUus = perMessage(time.Duration(cpu), r.Delivered)
	r.Repairs = tx.Repairs
	r.setLatency(lat)
}

// LabRunAll measures every row across hosts, bare first (best of three).
func LabRunAll(ctx context.Context, h Hosts, o Options, progress func(Result)) ([]Result, error) {
	return runRows(o, progress, func() (Result, error) { return LabRun(ctx, h, o, "bare", 1, "", 0) },
		func(receivers int, pass string, bare float64) (Result, error) {
			return LabRun(ctx, h, o, "engine", receivers, pass, bare)
		})
}
