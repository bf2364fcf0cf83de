package gui

import (
	"net/netip"
	"sync"

	"github.com/groupcast/groupcast/netconf"
)

// Engine is what the window needs of netconf.Engine; tests give a fake.
type Engine interface {
	// Do hands a command to the engine, blocking until it is taken;
	// false means the engine is closed.
	Do(netconf.Command) bool
	Events() <-chan netconf.Event
	Stats() netconf.Stats
	Roster() []netconf.Peer
	Close() error
}

// Interfaces lists what the interface picker offers: the candidates and
// the automatic choice for group.
type Interfaces func(group netip.Addr) (candidates []netconf.Interface, auto netconf.Choice, autoErr error)

// SystemInterfaces reads the host's interfaces.
func SystemInterfaces(group netip.Addr) ([]netconf.Interface, netconf.Choice, error) {
	cands, err := netconf.Candidates(group)
	if err != nil {
		return nil, netconf.Choice{}, err
	}
	auto, autoErr := netconf.ResolveInterface("", group)
	return cands, auto, autoErr
}

// commandQueue hands commands to the engine in order without ever
// blocking the UI goroutine on it.
type commandQueue struct {
	mu     sync.Mutex
	closed bool
	ch     chan netconf.Command
	done   chan struct{}
}

func newCommandQueue(e Engine) *commandQueue {
	q := &commandQueue{ch: make(chan netconf.Command, 1024), done: make(chan struct{})}
	go func() {
		defer close(q.done)
		for c := range q.ch {
			if !e.Do(c) {
				for range q.ch { // engine closed: drain until we are closed too
				}
				return
			}
		}
	}()
	return q
}

// push queues c; false when the queue is full (the engine is stuck) or
// closed (the window is closing).
func (q *commandQueue) push(c netconf.Command) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false
	}
	select {
	case q.ch <- c:
		return true
	default:
		return false
	}
}

// close stops the forwarder once queued commands are handed over.
func (q *commandQueue) close() {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.ch)
	}
	q.mu.Unlock()
	<-q.done
}
