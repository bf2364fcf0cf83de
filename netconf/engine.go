package netconf

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	mrand "math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/groupcast/groupcast/netconf/internal/link"
	"github.com/groupcast/groupcast/netconf/internal/mcast"
	"github.com/groupcast/groupcast/netconf/internal/part"
	"github.com/groupcast/groupcast/netconf/internal/reader"
	"github.com/groupcast/groupcast/netconf/internal/reliable"
	"github.com/groupcast/groupcast/netconf/wire"
)

// commandQueue is how many commands may wait for the loop. A caller that
// streams messages runs ahead instead of handing each over in step, and
// the loop takes what has queued in one go and writes the datagrams with
// one system call (flushData).
const commandQueue = 256

// DefaultQueuedMessages is how many undelivered message events the engine
// holds before it stops reading the network until the consumer catches up.
const DefaultQueuedMessages = 8192

// Engine runs at most one membership at a time. Its user sends commands on
// Commands and reads events from Events until Events is closed, which
// happens after Close. One goroutine (the loop) owns all protocol state; a
// reader goroutine per membership feeds it datagrams.
type Engine struct {
	stats Stats // first: 64-bit aligned for its atomic counters on 32-bit platforms too

	cmds   chan Command
	events chan Event
	rx     chan *reader.Batch
	// rxc: batches from the companion port (presence, repairs, a file's
	// blocks), taken after those of the group's port: a message is not
	// read behind a file's blocks. dataRun bounds group batches taken in
	// a row first, so a flood there cannot starve the companion port.
	rxc     chan *reader.Batch
	dataRun int
	done    chan struct{}
	// posts: work the parts' goroutines hand to the loop; wake: a part
	// asks for a Tick (part.Env).
	posts chan post
	wake  chan struct{}

	closeOnce sync.Once
	wg        sync.WaitGroup
	roster    atomic.Pointer[[]Peer]

	timing      Timing
	transport   TransportFunc
	now         func() time.Time
	lookupIface mcast.Lookup // nil: the membership's interface is not watched

	// Owned by the loop.
	m     *session
	queue reliable.Queue[Event]
	rng   *mrand.Rand
	timer *time.Timer
	in    part.In     // the datagram being handed to a part: reused, not one allocation each
	pkt   wire.Packet // ...and its decoded form
}

// Option adjusts a new Engine.
type Option func(*Engine)

// WithQueuedMessages sets how many undelivered messages are held for a
// slow consumer before the engine pauses reading.
func WithQueuedMessages(n int) Option {
	return func(e *Engine) { e.queue = newEventQueue(n) }
}

// WithTiming replaces the protocol's timers and limits.
func WithTiming(t Timing) Option { return func(e *Engine) { e.timing = t } }

// WithTransport makes memberships use f instead of multicast sockets (for
// tests: an in-memory bus, fault injection). The interface is not resolved.
func WithTransport(f TransportFunc) Option { return func(e *Engine) { e.transport = f } }

// withClock makes the engine read time from now (tests: a computer whose
// clock is wrong).
func withClock(now func() time.Time) Option { return func(e *Engine) { e.now = now } }

// withInterfaceLookup makes the engine watch its membership's interface
// through f (tests: an interface that goes away and comes back).
func withInterfaceLookup(f mcast.Lookup) Option { return func(e *Engine) { e.lookupIface = f } }

// New starts an engine with no membership.
func New(opts ...Option) *Engine {
	e := newEngine(opts...)
	e.wg.Add(1)
	go e.loop()
	return e
}

// newEngine is an engine whose loop is not running: New starts it; the
// hot-path benchmarks play it.
func newEngine(opts ...Option) *Engine {
	var seed [16]byte
	_, _ = rand.Read(seed[:])
	e := &Engine{
		cmds:   make(chan Command, commandQueue),
		events: make(chan Event, 64),
		rx:     make(chan *reader.Batch, link.Batches),
		rxc:    make(chan *reader.Batch, link.Batches),
		posts:  make(chan post),
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),
		timing: DefaultTiming(),
		now:    time.Now,
		rng:    mrand.New(mrand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:]))),
		timer:  time.NewTimer(time.Hour),
	}
	e.timer.Stop()
	e.queue = newEventQueue(DefaultQueuedMessages)
	for _, o := range opts {
		o(e)
	}
	if e.transport == nil && e.lookupIface == nil {
		e.lookupIface = mcast.StatusOf
	}
	e.timing = e.timing.withLimitDefaults()
	e.roster.Store(&[]Peer{})
	return e
}

// newEventQueue holds events for the user; reading pauses when
// maxMessages messages wait.
func newEventQueue(maxMessages int) reliable.Queue[Event] {
	return reliable.NewQueue(maxMessages, func(ev Event) bool { _, ok := ev.(Message); return ok })
}

// mayTake reports whether the loop may take a command now (pacing), and
// if not, how long until it may.
func (e *Engine) mayTake(now time.Time) (bool, time.Duration) {
	if e.m == nil {
		return true, 0
	}
	return e.m.stream.Out.MayTake(now)
}

// Commands is where the user sends Join, Send and Leave.
func (e *Engine) Commands() chan<- Command { return e.cmds }

// Events delivers what happens, in order. It is closed after Close.
func (e *Engine) Events() <-chan Event { return e.events }

// Do queues a command (commands are handled in order), and reports false
// if the engine is closed.
func (e *Engine) Do(c Command) bool {
	select {
	case <-e.done:
		return false
	default:
	}
	select {
	case e.cmds <- c:
		return true
	case <-e.done:
		return false
	}
}

// Roster returns the members heard recently, ourselves first; safe from
// any goroutine.
func (e *Engine) Roster() []Peer { return *e.roster.Load() }

// Close announces that we leave (once, without lingering), closes the
// sockets, stops every goroutine and closes Events. Events not yet taken
// are discarded. It is safe to call more than once and from any goroutine.
func (e *Engine) Close() error {
	e.closeOnce.Do(func() { close(e.done) })
	e.wg.Wait()
	return nil
}

func (e *Engine) loop() {
	defer e.wg.Done()
	defer close(e.events)
	defer e.timer.Stop()
	defer e.leaveNow(nil, false)
	for {
		var out chan<- Event
		next, ok := e.queue.Peek()
		if ok {
			out = e.events
		}
		rx, rxc := e.rx, e.rxc
		if e.queue.Full() {
			rx, rxc = nil, nil // back-pressure: the kernel buffers, repair covers its drops
		}
		if rx != nil && e.dataRun < 4 {
			select {
			case b := <-rx: // messages first
				e.dataRun++
				e.receiveBatch(b)
				e.runTimers(e.now())
				e.armTimer()
				continue
			default:
			}
		}
		e.dataRun = 0
		cmds := e.cmds
		if ok, _ := e.mayTake(e.now()); !ok {
			cmds = nil // paced: the caller waits (armTimer wakes us)
		}
		select {
		case <-e.done:
			return
		case c := <-cmds:
			e.handle(c)
			e.handleQueued()
			e.flushData()
		case b := <-rx:
			e.receiveBatch(b)
		case b := <-rxc:
			e.receiveBatch(b)
		case p := <-e.posts:
			e.onPost(p)
		case <-e.wake:
		case out <- next:
			e.queue.Pop()
		case <-e.timer.C:
		}
		e.runTimers(e.now())
		e.armTimer()
	}
}

// handleQueued handles the commands already waiting, up to a queue's
// worth, unless pacing says to wait.
func (e *Engine) handleQueued() {
	for range commandQueue {
		if ok, _ := e.mayTake(e.now()); !ok {
			return
		}
		select {
		case c := <-e.cmds:
			e.handle(c)
		default:
			return
		}
	}
}

func (e *Engine) handle(c Command) {
	if _, ok := c.(Send); !ok {
		e.flushData() // data queued before a Join or Leave goes out first
	}
	switch c := c.(type) {
	case Join:
		e.join(c.Config)
	case Send:
		e.send(c)
	case SendFile:
		e.sendFile(c.Path)
	case Leave:
		if c.Linger {
			e.startLinger()
		} else {
			e.leaveNow(nil, true)
		}
	default:
		e.queue.Push(Error{Op: "command", Err: fmt.Errorf("unknown command %T", c)})
	}
}
