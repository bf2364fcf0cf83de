package netconf

import (
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/ledger"
	"github.com/groupcast/groupcast/netconf/internal/link"
	"github.com/groupcast/groupcast/netconf/internal/part"
	"github.com/groupcast/groupcast/netconf/internal/presence"
	"github.com/groupcast/groupcast/netconf/wire"
)

// env is a membership as its parts see it (part.Env).
type env struct {
	e          *Engine
	m          *session
	*link.Link // Write and Transmit go straight to the link
}

var _ part.Env = env{}

// post is work a part's goroutine hands to the loop (part.Env.Post).
type post struct {
	owner *session
	f     func(now time.Time)
}

func (v env) Self() wire.SenderID    { return v.m.self }
func (v env) Nick() string           { return v.m.cfg.Nick }
func (v env) Started() time.Time     { return v.m.started }
func (v env) Keyed() bool            { return v.m.key != nil }
func (v env) Peers() *presence.Table { return v.m.peers }
func (v env) Emit(ev event.Event)    { v.e.queue.Push(ev) }
func (v env) RosterChanged()         { v.m.roster.Changed() }
func (v env) Ledger() *ledger.Ledger { return v.m.ledger }
func (v env) Stats() *event.Stats    { return &v.e.stats }
func (v env) Rand() *rand.Rand       { return v.e.rng }

func (v env) Forget(now time.Time, pr *presence.Peer, why presence.Departure) {
	v.e.removePeer(now, pr, why)
}

func (v env) Member(now time.Time, p *wire.Packet, src netip.AddrPort) *presence.Peer {
	return v.e.peerFor(now, p, src)
}

func (v env) Post(quit <-chan struct{}, f func(now time.Time)) bool {
	select {
	case v.e.posts <- post{v.m, f}:
		return true
	case <-quit:
	case <-v.e.done:
	}
	return false
}

func (v env) Wake() {
	select {
	case v.e.wake <- struct{}{}:
	default:
	}
}

func (v env) Go(f func(done <-chan struct{})) {
	v.e.wg.Add(1)
	go func() {
		defer v.e.wg.Done()
		f(v.e.done)
	}()
}

// onPost runs a part's posted work, unless its membership is over.
func (e *Engine) onPost(p post) {
	if e.m != nil && p.owner == e.m {
		p.f(e.now())
	}
}

// env is m as its parts see it.
func (m *session) env(e *Engine) env { return env{e, m, m.link} }
