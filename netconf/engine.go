package netconf

import (
	"crypto/rand"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultQueuedMessages is how many undelivered message events the engine
// holds for a slow consumer before it drops (and counts) new ones.
const DefaultQueuedMessages = 8192

// Engine runs at most one membership at a time. Its user sends commands on
// Commands and reads events from Events until Events is closed, which
// happens after Close. One goroutine (the loop) owns all state; a reader
// goroutine per membership feeds it datagrams.
type Engine struct {
	cmds   chan Command
	events chan Event
	rx     chan datagram
	done   chan struct{}

	closeOnce sync.Once
	wg        sync.WaitGroup
	stats     counters

	// Owned by the loop.
	mem     *membership
	queue   eventQueue
	senders map[SenderID]*dedupeWindow
	now     func() time.Time
}

// datagram is what a reader hands the loop.
type datagram struct {
	mem  *membership
	data []byte
	src  netip.AddrPort
	dst  netip.Addr // zero when the platform gives no destination
	err  error
}

// Option adjusts a new Engine.
type Option func(*Engine)

// WithQueuedMessages sets how many undelivered messages are held for a
// slow consumer.
func WithQueuedMessages(n int) Option {
	return func(e *Engine) { e.queue.maxMessages = max(n, 1) }
}

// New starts an engine with no membership.
func New(opts ...Option) *Engine {
	e := &Engine{
		cmds:    make(chan Command),
		events:  make(chan Event, 64),
		rx:      make(chan datagram, 256),
		done:    make(chan struct{}),
		senders: make(map[SenderID]*dedupeWindow),
		now:     time.Now,
	}
	e.queue.maxMessages = DefaultQueuedMessages
	for _, o := range opts {
		o(e)
	}
	e.wg.Add(1)
	go e.loop()
	return e
}

// Commands is where the user sends Join, Send and Leave.
func (e *Engine) Commands() chan<- Command { return e.cmds }

// Events delivers what happens, in order. It is closed after Close.
func (e *Engine) Events() <-chan Event { return e.events }

// Do sends a command, and reports false if the engine is closed.
func (e *Engine) Do(c Command) bool {
	select {
	case e.cmds <- c:
		return true
	case <-e.done:
		return false
	}
}

// Close leaves the group, closes the sockets, stops every goroutine and
// closes Events. Events not yet taken are discarded. It is safe to call
// more than once and from any goroutine.
func (e *Engine) Close() error {
	e.closeOnce.Do(func() { close(e.done) })
	e.wg.Wait()
	return nil
}

func (e *Engine) loop() {
	defer e.wg.Done()
	defer close(e.events)
	defer e.leave(nil, false)
	for {
		var out chan<- Event
		next, ok := e.queue.peek()
		if ok {
			out = e.events
		}
		select {
		case <-e.done:
			return
		case c := <-e.cmds:
			e.handle(c)
		case d := <-e.rx:
			e.receive(d)
		case out <- next:
			e.queue.pop()
		}
	}
}

func (e *Engine) handle(c Command) {
	switch c := c.(type) {
	case Join:
		e.join(c.Config)
	case Send:
		e.send(c.Text)
	case Leave:
		e.leave(nil, true)
	default:
		e.queue.push(Error{Op: "command", Err: fmt.Errorf("unknown command %T", c)})
	}
}

func (e *Engine) join(cfg Config) {
	e.leave(nil, true)
	choice, warnings, err := cfg.Check()
	if err != nil {
		e.queue.push(Error{Op: "join", Err: err})
		return
	}
	var self SenderID
	for self.IsZero() {
		_, _ = rand.Read(self[:]) // crypto/rand.Read never fails on supported platforms
	}
	m, err := openMembership(cfg, choice, self)
	if err != nil {
		e.queue.push(Error{Op: "join", Err: err})
		return
	}
	e.mem = m
	clear(e.senders)
	m.wg.Add(1)
	go m.readLoop(e.rx)
	e.queue.push(Joined{
		Group: cfg.Group, Interface: choice, TTL: cfg.TTL, Loopback: cfg.Loopback,
		Nick: cfg.Nick, Sender: self, Warnings: warnings, DstCheck: m.dstCheck,
	})
}

// leave ends the membership; announce says whether to emit Left.
func (e *Engine) leave(cause error, announce bool) {
	m := e.mem
	if m == nil {
		return
	}
	e.mem = nil
	m.close()
	if announce {
		e.queue.push(Left{Group: m.group, Err: cause})
	}
}

func (e *Engine) send(text string) {
	m := e.mem
	if m == nil {
		e.queue.push(Error{Op: "send", Err: ErrNotJoined})
		return
	}
	if len(text) > MaxText {
		e.queue.push(Error{Op: "send", Err: inputErr("text",
			"the message is %d bytes; at most %d bytes fit in one message", len(text), MaxText)})
		return
	}
	now := e.now()
	p := Packet{Kind: KindData, Sender: m.self, Seq: m.seq + 1, Time: now.UnixMicro(), Nick: m.nick, Body: []byte(text)}
	b, err := AppendEncode(nil, &p)
	if err != nil {
		e.queue.push(Error{Op: "send", Err: inputErr("text", "the message cannot be sent: %v", err)})
		return
	}
	if err := m.write(b); err != nil {
		e.stats.sendErrors.Add(1)
		e.queue.push(Error{Op: "send", Err: err})
		return
	}
	m.seq++
	e.stats.datagramsOut.Add(1)
	e.stats.bytesOut.Add(uint64(len(b)))
	e.queue.push(Sent{Seq: p.Seq, Time: now, Nick: m.nick, Text: text})
}

func (e *Engine) receive(d datagram) {
	m := e.mem
	if d.mem != m || m == nil {
		return // from a membership already left
	}
	if d.err != nil {
		e.queue.push(Error{Op: "receive", Err: d.err})
		e.leave(d.err, true)
		return
	}
	e.stats.bytesIn.Add(uint64(len(d.data)))
	if d.dst.IsValid() && d.dst != m.group.Addr() {
		e.stats.otherGroup.Add(1) // another group, or unicast, on our port
		return
	}
	p, err := Decode(d.data)
	if err != nil {
		e.stats.rejected.Add(1)
		return
	}
	if p.Sender == m.self {
		e.stats.ownEcho.Add(1)
		return
	}
	if p.Kind != KindData {
		e.stats.ignored.Add(1) // control traffic of a later protocol revision
		return
	}
	if !e.fresh(p.Sender, p.Seq) {
		e.stats.duplicates.Add(1)
		return
	}
	e.stats.datagramsIn.Add(1)
	e.queue.push(Message{
		From: p.Nick, Sender: p.Sender, Seq: p.Seq,
		Sent: time.UnixMicro(p.Time), Received: e.now(),
		Source: d.src, Text: string(p.Body),
	})
}

func (e *Engine) fresh(id SenderID, seq uint64) bool {
	w := e.senders[id]
	if w == nil {
		if len(e.senders) >= maxTrackedSenders {
			clear(e.senders)
		}
		w = &dedupeWindow{}
		e.senders[id] = w
	}
	return w.fresh(seq)
}

// Stats counts what the engine has seen since it started.
type Stats struct {
	DatagramsIn  uint64 // accepted messages
	DatagramsOut uint64
	BytesIn      uint64 // every datagram read, accepted or not
	BytesOut     uint64
	Rejected     uint64 // not Groupcast, damaged, or from an unknown version
	OtherGroup   uint64 // addressed to another group or unicast on our port
	Duplicates   uint64
	OwnEcho      uint64 // our own datagrams looped back
	Ignored      uint64 // well-formed kinds this version does not act on
	SendErrors   uint64
}

type counters struct {
	datagramsIn, datagramsOut, bytesIn, bytesOut, rejected, otherGroup,
	duplicates, ownEcho, ignored, sendErrors atomic.Uint64
}

// Stats returns a snapshot of the counters; safe from any goroutine.
func (e *Engine) Stats() Stats {
	c := &e.stats
	return Stats{
		DatagramsIn: c.datagramsIn.Load(), DatagramsOut: c.datagramsOut.Load(),
		BytesIn: c.bytesIn.Load(), BytesOut: c.bytesOut.Load(),
		Rejected: c.rejected.Load(), OtherGroup: c.otherGroup.Load(),
		Duplicates: c.duplicates.Load(), OwnEcho: c.ownEcho.Load(),
		Ignored: c.ignored.Load(), SendErrors: c.sendErrors.Load(),
	}
}
