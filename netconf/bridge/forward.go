package bridge

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/internal/natsnet"
	"github.com/groupcast/groupcast/netconf/wire"
)

// fromLocal publishes what members multicast here, while we forward:
// this group's datagrams only, each sender within its budget.
func (b *Bridge) fromLocal(r netconf.Receiver, subject string) {
	defer b.wg.Done()
	buf := make([]byte, 2048)
	control := subject == b.ctl
	for {
		n, src, err := r.Read(buf)
		if err != nil {
			if b.ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
				b.say("The bridge cannot read this network any more: " + err.Error())
			}
			return
		}
		d := buf[:n]
		switch {
		case wire.IsBeacon(d):
			b.onBeacon(d, src)
			continue
		case isForwarded(d):
			continue // another network's, multicast here by a bridge: never sent back
		case n > wire.MaxForwardInner || !src.Addr().Is4():
			b.dropped.Add(1)
			continue
		}
		if b.newcomer(src) {
			b.beacon() // a member that just joined learns of us now, not in a second
		}
		b.mu.Lock()
		active, id := b.active, b.net
		b.mu.Unlock()
		if !active {
			b.standby.Add(1)
			continue
		}
		if !b.admit(d, control, src.Addr(), src.Addr().String(), b.outBudget) {
			continue
		}
		b.pubMu.Lock()
		b.pub = wire.AppendForward(b.pub[:0], d, wire.Forward{Net: id, Source: src})
		err = b.nc.Publish(subject, b.pub)
		b.pubMu.Unlock()
		if err != nil {
			b.dropped.Add(1) // lost, as on a network: repaired as such
			continue
		}
		b.out.Add(1)
	}
}

// Newcomers. A member takes forwarded datagrams only from a bridge it
// has heard; one that joins hears the next beacon up to a second later.
// So a source not heard for newcomerQuiet (a member joining: its HELLO)
// gets a beacon at once, at most one per newcomerGap. The table of
// sources is bounded: past maxHeard it starts again (a few more beacons).
const (
	newcomerQuiet = 5 * time.Second
	newcomerGap   = 50 * time.Millisecond
	maxHeard      = 4096
)

func (b *Bridge) newcomer(src netip.AddrPort) bool {
	now := time.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	last, ok := b.heard[src]
	if len(b.heard) >= maxHeard && !ok {
		clear(b.heard)
	}
	b.heard[src] = now
	if ok && now.Sub(last) < newcomerQuiet || now.Sub(b.hinted) < newcomerGap {
		return false
	}
	b.hinted = now
	return true
}

// admit says whether d, from src (named for a person as name), is to be
// forwarded: a datagram of this group on the port of its kind, within
// src's budget and everyone's. What is not is counted and said once.
func (b *Bridge) admit(d []byte, control bool, src netip.Addr, name string, bud *budget) bool {
	if !ofGroup(d, control) {
		b.junk.Add(1)
		b.refuse("junk", "A computer at "+name+" sent datagrams to this group that are not Groupcast datagrams of it: they are not forwarded")
		return false
	}
	if !bud.take(time.Now(), src, float64(len(d)+datagramCost)) {
		b.throttled.Add(1)
		b.refuse("flood", fmt.Sprintf("A computer at %s sent more than a bridge forwards for one computer (%d MiB a second): the rest is not forwarded", name, SourceRate>>20))
		return false
	}
	return true
}

func isForwarded(d []byte) bool {
	_, _, ok := wire.ParseForward(d)
	return ok
}

// fromNATS multicasts here what other networks published, while we
// forward: this group's datagrams only, each source there (its label)
// within its budget.
func (b *Bridge) fromNATS(s *nats.Subscription, write func([]byte) error) {
	defer b.wg.Done()
	control := s.Subject == b.ctl
	for {
		msg, ok := natsnet.Next(b.ctx, s)
		if !ok {
			return
		}
		inner, f, ok := wire.ParseForward(msg.Data)
		if !ok {
			b.junk.Add(1)
			b.refuse("nats", "Something published to this group's NATS subjects that is not a datagram a bridge or member sent (no valid trailer): not multicast here")
			continue
		}
		b.mu.Lock()
		active, ours := b.active, b.isOurs(f.Net)
		b.mu.Unlock()
		switch {
		case ours:
			b.dropped.Add(1) // this network's own, published by another bridge of it: it is here already
			continue
		case !active:
			b.standby.Add(1)
			continue
		}
		if !b.admit(inner, control, wire.Label(f).Addr(), netconf.HostName(wire.Label(f).Addr()), b.inBudget) {
			continue
		}
		if err := write(msg.Data); err != nil {
			if b.ctx.Err() != nil {
				return
			}
			b.say("The bridge cannot send on this network: " + err.Error())
			b.dropped.Add(1)
			continue
		}
		b.in.Add(1)
	}
}

// isOurs says whether n is this network's id, as we or another bridge
// here use it. b.mu is held.
func (b *Bridge) isOurs(n wire.NetID) bool {
	if n == b.net {
		return true
	}
	for _, o := range b.others {
		if o.net == n {
			return true
		}
	}
	return false
}
