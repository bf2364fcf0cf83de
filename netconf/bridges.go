package netconf

import (
	"net/netip"
	"time"

	"github.com/groupcast/groupcast/netconf/internal/bridges"
	"github.com/groupcast/groupcast/netconf/wire"
)

// Bridges (docs/BRIDGE.md, internal/bridges): beacons and forwarded
// datagrams are judged before anything else is read.

// onBeacon notes a bridge's beacon; one that came from another network
// (through a bridge or NATS) says nothing about ours and is ignored.
func (e *Engine) onBeacon(now time.Time, raw []byte, src netip.AddrPort) {
	b, ok := wire.ParseBeacon(raw)
	if !ok || !src.Addr().Is4() {
		add(&e.stats.Ignored, 1)
		return
	}
	if !e.m.bridges.Note(now, src.Addr(), b) {
		add(&e.stats.Ignored, 1)
		e.refuse(now, UnreadableBridges, "", src.Addr())
		return
	}
	add(&e.stats.BeaconsIn, 1)
}

// unforward judges a forwarded datagram's trailer f, from src: the label
// of where it was sent from, or ok false (counted, and refused) when src
// is not a bridge of ours or f names our own network.
func (e *Engine) unforward(now time.Time, f wire.Forward, src netip.AddrPort) (label netip.AddrPort, ok bool) {
	if !src.Addr().Is4() || !e.m.bridges.Passes(now, src.Addr(), f.Net) {
		add(&e.stats.Unbridged, 1)
		if now.Sub(e.m.started) >= bridges.Grace {
			// Just joined, a member may hear a bridge's forwards before
			// its beacon: those are repaired, and not worth a word.
			e.refuse(now, UnreadableNotBridge, "", src.Addr())
		}
		return netip.AddrPort{}, false
	}
	add(&e.stats.ForwardedIn, 1)
	return wire.Label(f), true
}
