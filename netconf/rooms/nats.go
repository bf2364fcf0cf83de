package rooms

import (
	"context"
	"crypto/ed25519"
	"errors"
	"net/netip"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/internal/natsnet"
	"github.com/groupcast/groupcast/netconf/wire"
)

// Rooms through NATS (docs/BRIDGE.md): bridges publish the rooms
// announced on their networks to natsnet.SAPSubject and multicast those
// of other networks; a member joined through NATS, which hears no
// multicast, reads and announces there itself.

// DiscoverThrough is Discover that also hears, when o names a NATS
// server, the rooms published there (marked Remote). Without a usable
// interface it still hears NATS; it fails only when neither works.
func DiscoverThrough(o netconf.NATSOptions) DiscoverFunc {
	if o.URL == "" {
		return Discover
	}
	return func(ctx context.Context, iface string, wait time.Duration, found func(r netconf.Room, deleted bool)) error {
		var mu sync.Mutex
		safe := func(r netconf.Room, deleted bool) {
			mu.Lock()
			defer mu.Unlock()
			found(r, deleted)
		}
		local := make(chan error, 1)
		go func() { local <- Discover(ctx, iface, wait, safe) }()
		err := discoverNATS(ctx, o, wait, safe)
		if lerr := <-local; err != nil && lerr != nil {
			return errors.Join(err, lerr)
		}
		return nil
	}
}

func discoverNATS(ctx context.Context, o netconf.NATSOptions, wait time.Duration, found func(netconf.Room, bool)) error {
	if o.Name == "" {
		o.Name = "groupcast rooms"
	}
	nc, err := natsnet.Connect(o)
	if err != nil {
		return err
	}
	defer nc.Close()
	sub, err := natsnet.Subscribe(nc, natsnet.SAPSubject, natsnet.RoomsPendingMsgs, natsnet.RoomsPendingBytes)
	if err != nil {
		return err
	}
	// The presenters announcing through the server answer at once (a
	// NATS server does not lose it: one is enough).
	_ = nc.Publish(natsnet.SAPAskSubject, AppendSolicit(nil, netip.IPv4Unspecified()))
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for {
		msg, ok := natsnet.Next(ctx, sub)
		if !ok {
			return nil // waited: done listening
		}
		inner, _, ok := wire.ParseForward(msg.Data)
		if !ok {
			continue
		}
		if r, del, err := ParseSAP(inner); err == nil {
			r.Remote = true
			found(r, del)
		}
	}
}

// AnnounceNATS announces room on the NATS server o names, as Announce
// does on a network: for a presenter joined through NATS. Bridges
// multicast it on their networks.
func AnnounceNATS(room netconf.Room, o netconf.NATSOptions, sign ed25519.PrivateKey) (*Announcer, error) {
	if room.Version == 0 {
		room.Version = NewVersion()
	}
	if _, err := AppendSAP(nil, room, false, sign); err != nil {
		return nil, err
	}
	if o.Name == "" {
		o.Name = "groupcast room " + room.Name
	}
	nc, err := natsnet.Connect(o)
	if err != nil {
		return nil, err
	}
	self := natsnet.NewNetID()
	var buf []byte
	a := newAnnouncer(room, sign, func(b []byte) error {
		buf = wire.AppendForward(buf[:0], b, wire.Forward{Net: self})
		return nc.Publish(natsnet.SAPSubject, buf)
	}, func() { _ = nc.Flush(); nc.Close() })
	// Solicitations through the server are answered as on a network; a
	// flood of them is paced the same way (run).
	sub, err := nc.Subscribe(natsnet.SAPAskSubject, func(m *nats.Msg) {
		if _, ok := ParseSolicit(m.Data); ok {
			a.solicited()
		}
	})
	if err == nil {
		err = sub.SetPendingLimits(natsnet.RoomsPendingMsgs, natsnet.RoomsPendingBytes)
	}
	if err != nil {
		nc.Close()
		return nil, err
	}
	go a.run()
	return a, nil
}
