package mcast

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/groupcast/groupcast/internal/testnet"
	"github.com/groupcast/groupcast/netconf/wire"
)

func openLoopback(t *testing.T, group netip.AddrPort, rejected *uint64) *Conn {
	t.Helper()
	choice, err := ResolveInterface(testnet.Loopback(t), group.Addr())
	if err != nil {
		t.Fatal(err)
	}
	c, err := Open(Options{Group: group, Iface: choice, TTL: 0, Loopback: true, Companion: true, KeepEcho: true, Rejected: rejected})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The companion port's receiver reads a burst whole and in order, with
// its source, and still refuses what is too large.
func TestGatheredReceiverReadsBursts(t *testing.T) {
	port := testnet.FreePort(t)
	for wire.CompanionPort(port) == port {
		port = testnet.FreePort(t)
	}
	group := netip.AddrPortFrom(netip.MustParseAddr("239.255.91.7"), port)
	var rejected uint64
	c := openLoopback(t, group, &rejected)
	defer c.Close()
	ctl := c.Control()
	if ctl == nil || ctl.raw == nil {
		t.Fatal("the companion port's receiver is not the gathering one")
	}

	big := make([]byte, 3000)
	if err := c.WriteControl(big); err != nil {
		t.Fatal(err)
	}
	const burst = 40
	var dgrams [][]byte
	for i := range burst {
		dgrams = append(dgrams, []byte(fmt.Sprintf("block %03d", i)))
	}
	if err := c.WriteControlBatch(dgrams); err != nil {
		t.Fatal(err)
	}

	bufs := make([][]byte, 64)
	for i := range bufs {
		bufs[i] = make([]byte, 2048)
	}
	sizes, srcs := make([]int, 64), make([]netip.AddrPort, 64)
	var got []string
	deadline := time.Now().Add(5 * time.Second)
	for len(got) < burst && time.Now().Before(deadline) {
		n, err := ctl.ReadBatch(bufs, sizes, srcs)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			got = append(got, string(bufs[i][:sizes[i]]))
			if srcs[i].Port() != c.senderPort() {
				t.Errorf("datagram %d from %v, not our sender's port %d", i, srcs[i], c.senderPort())
			}
		}
	}
	if len(got) != burst {
		t.Fatalf("read %d datagrams of %d", len(got), burst)
	}
	for i, g := range got {
		if want := fmt.Sprintf("block %03d", i); g != want {
			t.Fatalf("datagram %d is %q, want %q", i, g, want)
		}
	}
	if rejected != 1 {
		t.Errorf("%d too-large datagrams counted, want 1", rejected)
	}
}

// Close wakes a read that waits for a datagram, which then says closed.
func TestGatheredReceiverCloseWakesTheReader(t *testing.T) {
	group := netip.AddrPortFrom(netip.MustParseAddr("239.255.91.8"), testnet.FreePort(t))
	c := openLoopback(t, group, nil)
	done := make(chan error, 1)
	go func() {
		bufs, sizes, srcs := [][]byte{make([]byte, 2048)}, []int{0}, []netip.AddrPort{{}}
		_, err := c.Control().ReadBatch(bufs, sizes, srcs)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond) // let it block in poll
	c.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("read after Close: %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not wake the waiting reader")
	}
	// And a read after Close fails at once.
	_, err := c.Control().ReadBatch([][]byte{make([]byte, 10)}, []int{0}, []netip.AddrPort{{}})
	if !errors.Is(err, net.ErrClosed) {
		t.Fatalf("read after Close: %v, want net.ErrClosed", err)
	}
}
