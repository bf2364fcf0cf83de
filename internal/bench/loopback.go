package bench

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/ipv4"

	"github.com/groupcast/groupcast/netconf"
)

// Bare sends size-byte datagrams as fast as one sender can for the
// duration and counts what one receiver gets: the machine's limit.
func Bare(o Options) (Result, error) {
	ifi, err := net.InterfaceByName(o.Iface)
	if err != nil {
		return Result{}, err
	}
	g := nextGroup()
	rc, err := net.ListenPacket("udp4", fmt.Sprintf("0.0.0.0:%d", g.Port()))
	if err != nil {
		return Result{}, err
	}
	defer rc.Close()
	if uc, ok := rc.(*net.UDPConn); ok {
		_ = uc.SetReadBuffer(4 << 20)
	}
	rp := ipv4.NewPacketConn(rc)
	if err := rp.JoinGroup(ifi, &net.UDPAddr{IP: g.Addr().AsSlice()}); err != nil {
		return Result{}, err
	}
	sc, err := net.ListenPacket("udp4", "0.0.0.0:0")
	if err != nil {
		return Result{}, err
	}
	defer sc.Close()
	sp := ipv4.NewPacketConn(sc)
	_ = sp.SetMulticastInterface(ifi)
	_ = sp.SetMulticastLoopback(true)
	var got atomic.Uint64
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 2048)
		for {
			if _, _, err := rc.ReadFrom(buf); err != nil {
				return
			}
			got.Add(1)
		}
	}()
	msg := make([]byte, o.Size)
	dest := net.UDPAddrFromAddrPort(g)
	drops0, cpu0, start := rcvbufErrors(), cpuTime(), time.Now()
	for time.Since(start) < o.Duration {
		for range 64 {
			_, _ = sp.WriteTo(msg, nil, dest)
		}
	}
	time.Sleep(100 * time.Millisecond)
	elapsed := time.Since(start)
	n := got.Load()
	cpu := cpuTime() - cpu0
	_ = rc.Close()
	<-done
	return Result{Name: "bare UDP multicast", Receivers: 1, PerSecond: float64(n) / elapsed.Seconds(), OfBare: 1,
		CPUus: perMessage(cpu, n), Delivered: n, Drops: rcvbufErrors() - drops0}, nil
}

// member is an engine joined on the loopback interface.
func member(o Options, g netip.AddrPort, nick, pass string) (*netconf.Engine, error) {
	e := netconf.New()
	cfg := netconf.DefaultConfig()
	cfg.Group, cfg.Interface, cfg.Nick, cfg.Passphrase = g, o.Iface, nick, pass
	e.Do(netconf.Join{Config: cfg})
	for ev := range e.Events() {
		switch ev := ev.(type) {
		case netconf.Joined:
			return e, nil
		case netconf.Error:
			e.Close()
			return nil, ev.Err
		}
	}
	return nil, fmt.Errorf("engine closed")
}

// counter reads a receiver's events: messages and their latency.
type counter struct {
	delivered, lost atomic.Uint64
	mu              sync.Mutex
	lat             []time.Duration
	done            chan struct{}
}

func count(e *netconf.Engine, keepLatency bool) *counter {
	c := &counter{done: make(chan struct{})}
	go func() {
		defer close(c.done)
		for ev := range e.Events() {
			switch ev := ev.(type) {
			case netconf.Message:
				c.delivered.Add(1)
				if keepLatency {
					if sent, ok := stamped([]byte(ev.Text)); ok {
						c.mu.Lock()
						c.lat = append(c.lat, time.Duration(time.Now().UnixNano()-sent))
						c.mu.Unlock()
					}
				}
			case netconf.Lost:
				c.lost.Add(ev.Count())
			}
		}
	}()
	return c
}

func waitDelivered(cs []*counter, want uint64, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		ok := true
		for _, c := range cs {
			if c.delivered.Load()+c.lost.Load() < want {
				ok = false
			}
		}
		if ok {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Engine measures messages/s delivered by the engine, reliability on, from
// one sender to o.Receivers (or 1) receivers, and its latency at o.Rate.
func Engine(ctx context.Context, o Options, receivers int, pass string, bare float64) (Result, error) {
	g := nextGroup()
	r := Result{Name: fmt.Sprintf("engine 1 → %d", receivers), Receivers: receivers, Passphrase: pass != ""}
	if pass != "" {
		r.Name += ", passphrase"
	}
	l := &loopRun{o: o}
	defer l.close()
	l.heap0 = heapMB()
	if err := l.join(g, receivers, pass); err != nil {
		return r, err
	}
	sent := l.throughput(ctx, &r, bare)
	l.settle(r)
	// One thread, as the headless commands run once joined: at 1 000
	// msg/s a second one only adds a wake-up between threads to every
	// hand-off (see cli's oneThread).
	if os.Getenv("GOMAXPROCS") == "" {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	}
	l.latency(&r, sent)
	return r, nil
}

// loopRun is one Engine row under way: its members on the loopback
// interface and what the receivers count.
type loopRun struct {
	o        Options
	rx       []*netconf.Engine
	counters []*counter
	tx       *netconf.Engine
	body     string  // a throughput message
	heap0    float64 // heap in use before the members joined
}

// join makes the receivers, counting their messages, then the sender.
func (l *loopRun) join(g netip.AddrPort, receivers int, pass string) error {
	for i := range receivers {
		e, err := member(l.o, g, fmt.Sprintf("rx%d", i), pass)
		if err != nil {
			return err
		}
		l.rx = append(l.rx, e)
		l.counters = append(l.counters, count(e, true))
	}
	tx, err := member(l.o, g, "tx", pass)
	if err != nil {
		return err
	}
	go func() {
		for range tx.Events() {
		}
	}()
	l.tx = tx
	l.body = strings.Repeat("x", l.o.Size)
	return nil
}

// close closes the sender, then the receivers.
func (l *loopRun) close() {
	if l.tx != nil {
		l.tx.Close()
	}
	for _, e := range l.rx {
		e.Close()
	}
}

// throughput sends as fast as the engine takes commands for the duration,
// waits for the receivers to have it all and fills in r's throughput
// columns. It returns how many messages were sent.
func (l *loopRun) throughput(ctx context.Context, r *Result, bare float64) int {
	drops0, cpu0, start := rcvbufErrors(), cpuTime(), time.Now()
	sent := 0
	for time.Since(start) < l.o.Duration && ctx.Err() == nil {
		l.tx.Do(netconf.Send{Text: l.body})
		sent++
	}
	waitDelivered(l.counters, uint64(sent), 10*time.Second)
	elapsed := time.Since(start)
	cpu := cpuTime() - cpu0
	var delivered, lost uint64
	for _, c := range l.counters {
		delivered += c.delivered.Load()
		lost += c.lost.Load()
	}
	r.PerSecond = float64(l.counters[0].delivered.Load()) / elapsed.Seconds()
	r.OfBare = r.PerSecond / bare
	r.CPUus = perMessage(cpu, delivered)
	r.Delivered, r.Lost = delivered, lost
	r.Drops, r.Repairs = rcvbufErrors()-drops0, l.tx.Stats().RepairsOut
	r.HeapMB = heapMB() - l.heap0
	return sent
}

// settle waits for a settled state before the latency samples, and
// forgets the latency counted so far. The flat-out run leaves heartbeats
// due and garbage to collect, which are not what a message at 1 000 msg/s
// meets. A run that overran its receivers (kernel drops, repairs in r)
// also left the sender paced, and a paced sender keeps its data 3 s and
// takes no message while its buffer is full of younger data (netconf's
// overloadKeep): the samples would measure the end of that overload, not
// the steady state.
func (l *loopRun) settle(r Result) {
	runtime.GC()
	settle := time.Second
	if r.Drops > 0 || r.Repairs > 0 {
		settle = 4 * time.Second
	}
	time.Sleep(settle)
	for _, c := range l.counters {
		c.mu.Lock()
		c.lat = c.lat[:0]
		c.mu.Unlock()
	}
}

// latency sends the stamped samples at the fixed rate, after the sent
// throughput messages, and records their latency and the steal time in r.
func (l *loopRun) latency(r *Result, sent int) {
	steal0 := stealMs()
	tick := time.NewTicker(time.Second / time.Duration(l.o.Rate))
	defer tick.Stop()
	for range l.o.Samples {
		<-tick.C
		l.tx.Do(netconf.Send{Text: string(stamp(l.o.Size, []byte(l.body)))})
	}
	r.StealMs = stealMs() - steal0
	waitDelivered(l.counters, uint64(sent+l.o.Samples), 10*time.Second)
	var lat []time.Duration
	for _, c := range l.counters {
		c.mu.Lock()
		lat = append(lat, c.lat...)
		c.mu.Unlock()
	}
	r.setLatency(lat)
}
