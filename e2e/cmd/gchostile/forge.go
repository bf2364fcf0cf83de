package main

import (
	"strings"
	"sync/atomic"
	"time"

	"github.com/groupcast/groupcast/netconf/wire"
)

// huge: one LEAVE from a new id claiming seq 2^62 (it once froze every
// receiver for good), and a HELLO then a heartbeat and LEAVE doing the same.
func (t *tool) huge() error {
	now := time.Now()
	for i, kinds := range [][]wire.Kind{{wire.KindLeave}, {wire.KindHello, wire.KindHeartbeat, wire.KindLeave}} {
		for _, k := range kinds {
			seq := uint64(1 << 62)
			if k == wire.KindHello {
				seq = 0
			}
			if err := t.control(k, fakeID(0xb0, i), seq, 1, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// impostor: a heartbeat claiming jump more seqs than id has sent (so
// receivers would ask for them, then call them lost), and a LEAVE, both
// with id, from this host.
func (t *tool) impostor(id wire.SenderID, jump uint64) error {
	started := time.Now().Add(-time.Hour)
	if err := t.control(wire.KindHeartbeat, id, jump, 1, started); err != nil {
		return err
	}
	return t.control(wire.KindLeave, id, jump, 1, started)
}

// ids: n fake members, each a HELLO and then a heartbeat per round.
func (t *tool) ids(n, rounds int, every time.Duration) error {
	started := time.Now()
	for r := range rounds {
		kind := wire.KindHeartbeat
		if r == 0 {
			kind = wire.KindHello
		}
		for i := range n {
			if err := t.control(kind, fakeID(0x1d, i), 0, 1, started); err != nil {
				return err
			}
		}
		if r < rounds-1 {
			time.Sleep(every)
		}
	}
	return nil
}

// nacks: n NACKs for seqs 1-last of id, every apart, while counting the
// repairs of id they draw on the group.
func (t *tool) nacks(id wire.SenderID, last uint64, n int, every time.Duration, report map[string]any) error {
	rx, err := t.listen(true) // repairs go to the companion port
	if err != nil {
		return err
	}
	var repairs, repairBytes atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 65536)
		for {
			k, _, err := rx.ReadFrom(buf)
			if err != nil {
				return
			}
			if p, err := wire.Decode(buf[:k]); err == nil && p.Kind == wire.KindRepair && p.Sender == id {
				repairs.Add(1)
				repairBytes.Add(int64(k))
			}
		}
	}()
	body := wire.AppendNack(nil, wire.Nack{Target: id, Ranges: []wire.Range{{First: 1, Last: last}}})
	for range n {
		if err := t.forge(wire.Packet{Kind: wire.KindNack, Sender: fakeID(0xac, 0), Body: body}); err != nil {
			return err
		}
		time.Sleep(every)
	}
	time.Sleep(500 * time.Millisecond) // the last repairs
	_ = rx.Close()
	<-done
	report["nack_bytes"], report["repairs"], report["repair_bytes"] = t.bytes, repairs.Load(), repairBytes.Load()
	return nil
}

// frags: n fake senders, each a HELLO and all but the last piece of a
// 64 KiB message, which therefore never completes.
func (t *tool) frags(n int) error {
	piece := []byte(strings.Repeat("x", wire.MaxFragmentText))
	now := time.Now()
	for i := range n {
		id := fakeID(0xf4, i)
		if err := t.control(wire.KindHello, id, 0, 1, now); err != nil {
			return err
		}
		for k := range wire.MaxFragments - 1 {
			if err := t.forge(wire.Packet{Kind: wire.KindData, Sender: id, Seq: uint64(k + 1),
				Frag: wire.Frag{Index: uint16(k), Count: wire.MaxFragments}, Body: piece}); err != nil {
				return err
			}
		}
	}
	return nil
}

// receipts acknowledges announcement seq of presenter with the receipts
// of member (someone else's id, sent from here) and of n ids of our own
// making, rounds times, every apart.
func (t *tool) receipts(presenter, member wire.SenderID, seq uint64, n, rounds int, every time.Duration) error {
	for r := range rounds {
		if r > 0 {
			time.Sleep(every)
		}
		if err := t.forge(wire.Packet{Kind: wire.KindReceipt, Sender: member, Seq: seq, Body: wire.AppendReceipt(nil, presenter)}); err != nil {
			return err
		}
		for i := range n {
			if err := t.forge(wire.Packet{Kind: wire.KindReceipt, Sender: fakeID(3, i), Seq: seq, Body: wire.AppendReceipt(nil, presenter)}); err != nil {
				return err
			}
		}
	}
	return nil
}
