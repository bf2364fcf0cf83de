package bridge

import (
	"errors"
	"net"
	"net/netip"

	"golang.org/x/net/ipv4"

	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/internal/mcast"
	"github.com/groupcast/groupcast/netconf/internal/natsnet"
	"github.com/groupcast/groupcast/netconf/rooms"
	"github.com/groupcast/groupcast/netconf/wire"
)

// SAPSubject carries room announcements between networks.
const SAPSubject = natsnet.SAPSubject

// GroupID names group's subjects (and the bridge's files) without
// showing its address.
func GroupID(group netip.AddrPort) string { return natsnet.GroupID(group) }

// SubjectsOf are the NATS subjects of group's datagrams.
func SubjectsOf(group netip.AddrPort) (data, control string) { return natsnet.Subjects(group) }

// sapSide is the rooms directory of this network: announcements of
// Groupcast rooms heard here are published; those of other networks
// are multicast here with their trailer (rooms.Discover marks them
// remote).
type sapSide struct {
	in   net.PacketConn
	out  *ipv4.PacketConn
	raw  net.PacketConn
	dest *net.UDPAddr
}

func openSAP(iface string, ttl int) (*sapSide, error) {
	choice, err := netconf.ResolveInterface(iface, rooms.SAPGroup.Addr())
	if err != nil {
		return nil, err
	}
	nif, err := net.InterfaceByIndex(choice.Index)
	if err != nil {
		return nil, &netconf.OpError{Op: "find interface " + choice.Name, Err: err}
	}
	in, _, err := mcast.Listen(rooms.SAPGroup, choice.Name, nif)
	if err != nil {
		return nil, err
	}
	raw, err := net.ListenPacket("udp4", "0.0.0.0:0")
	if err != nil {
		in.Close()
		return nil, &netconf.OpError{Op: "open the rooms sender", Err: err}
	}
	out := ipv4.NewPacketConn(raw)
	err = errors.Join(out.SetMulticastInterface(nif), out.SetMulticastTTL(max(ttl, 1)), out.SetMulticastLoopback(true))
	if err != nil {
		in.Close()
		raw.Close()
		return nil, &netconf.OpError{Op: "announce rooms on " + choice.Name, Err: err}
	}
	return &sapSide{in: in, out: out, raw: raw, dest: net.UDPAddrFromAddrPort(rooms.SAPGroup)}, nil
}

func (s *sapSide) Close() {
	_ = s.in.Close()
	_ = s.raw.Close()
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
		if !active {
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
		if active && !ours && write(d) == nil {
			b.rooms.Add(1)
		}
	}
}

func (s *sapSide) write(d []byte) error {
	_, err := s.out.WriteTo(d, nil, s.dest)
	return err
}
