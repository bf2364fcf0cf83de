package bridge

import (
	"net"
	"net/netip"
	"time"

	"github.com/groupcast/groupcast/netconf/internal/natsnet"
	"github.com/groupcast/groupcast/netconf/rooms"
	"github.com/groupcast/groupcast/netconf/wire"
)

// SAPSubject carries room announcements between networks.
const SAPSubject = natsnet.SAPSubject

// SubjectsOf are the NATS subjects of group's datagrams.
func SubjectsOf(group netip.AddrPort) (data, control string) { return natsnet.Subjects(group) }

// Room announcements a bridge forwards, each way: a room is announced
// every 5 s (and at once when solicited), so a source may have
// sapBurst forwarded at once and sapRate a second, all sources
// sapAllRate.
const (
	sapBurst   = 64
	sapRate    = 8
	sapAllRate = 256
)

// sapSide is the rooms directory of this network: announcements of
// Groupcast rooms heard here are published; those of other networks
// are multicast here with their trailer (rooms.Discover marks them
// remote).
type sapSide struct {
	in    net.PacketConn
	write func([]byte) error
	close func()
}

func openSAP(iface string, ttl int) (*sapSide, error) {
	in, choice, err := rooms.Listen(iface)
	if err != nil {
		return nil, err
	}
	write, closeOut, err := rooms.OpenSender(choice, ttl)
	if err != nil {
		in.Close()
		return nil, err
	}
	return &sapSide{in: in, write: write, close: closeOut}, nil
}

func (s *sapSide) Close() {
	_ = s.in.Close()
	s.close()
}

// sapFromLocal publishes the Groupcast rooms announced here.
func (b *Bridge) sapFromLocal() {
	defer b.wg.Done()
	buf := make([]byte, 65536)
	var pub []byte
	for {
		n, addr, err := b.sap.in.ReadFrom(buf)
		if err != nil {
			return
		}
		d := buf[:n]
		ua, ok := addr.(*net.UDPAddr)
		if !ok || isForwarded(d) || n > wire.MaxForwardInner {
			continue // another network's (or too long to forward)
		}
		if _, _, err := rooms.ParseSAP(d); err != nil {
			continue // not a Groupcast room's: other programs' sessions stay here
		}
		b.mu.Lock()
		active, id := b.active, b.net
		b.mu.Unlock()
		if !active || !b.sapBudget.take(time.Now(), ua.AddrPort().Addr().Unmap(), 1) {
			continue
		}
		src := ua.AddrPort()
		pub = wire.AppendForward(pub[:0], d, wire.Forward{Net: id, Source: netip.AddrPortFrom(src.Addr().Unmap(), src.Port())})
		if b.nc.Publish(SAPSubject, pub) == nil {
			b.rooms.Add(1)
		}
	}
}

// sapFromNATS announces here the rooms of other networks.
func (b *Bridge) sapFromNATS(write func([]byte) error) func([]byte) {
	return func(d []byte) {
		inner, f, ok := wire.ParseForward(d)
		if !ok {
			b.dropped.Add(1)
			return
		}
		if _, _, err := rooms.ParseSAP(inner); err != nil {
			b.dropped.Add(1)
			return
		}
		b.mu.Lock()
		active, ours := b.active, b.isOurs(f.Net)
		b.mu.Unlock()
		if active && !ours && b.sapBudget.take(time.Now(), wire.Label(f).Addr(), 1) && write(d) == nil {
			b.rooms.Add(1)
		}
	}
}
