package link

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/seal"
	"github.com/groupcast/groupcast/netconf/wire"
)

// recorder is a transport that keeps what is written, and fails writes
// to the group's port while fail is set.
type recorder struct {
	data, control [][]byte
	batches       int
	fail          error
}

func (r *recorder) Read([]byte) (int, netip.AddrPort, error) { select {} }
func (r *recorder) Close() error                             { return nil }
func (r *recorder) Control() Receiver                        { return nil }
func (r *recorder) Write(b []byte) error {
	if r.fail != nil {
		return r.fail
	}
	r.data = append(r.data, append([]byte(nil), b...))
	return nil
}

func (r *recorder) WriteControl(b []byte) error {
	r.control = append(r.control, append([]byte(nil), b...))
	return nil
}

func (r *recorder) WriteBatch(dgrams [][]byte) error {
	r.batches++
	for _, d := range dgrams {
		if err := r.Write(d); err != nil {
			return err
		}
	}
	return nil
}

func TestQueueFlushesInOneBatch(t *testing.T) {
	var st event.Stats
	tr := &recorder{}
	l := New(nil, tr, nil, true, &st)
	for _, s := range []string{"a", "b", "c"} {
		l.Queue([]byte(s))
	}
	if len(tr.data) != 0 {
		t.Fatal("written before Flush")
	}
	if err := l.Flush(); err != nil || tr.batches != 1 || len(tr.data) != 3 {
		t.Fatalf("Flush: %v, %d batches, %d datagrams; want one batch of 3", err, tr.batches, len(tr.data))
	}
}

func TestSealedQueueFlushesWhenFullAndSaysWhatFailed(t *testing.T) {
	key, err := seal.Derive("correct horse", "test", wire.SealedPrefix)
	if err != nil {
		t.Fatal(err)
	}
	var st event.Stats
	tr := &recorder{fail: errors.New("no route")}
	l := New(nil, tr, key, true, &st)
	dgram := make([]byte, wire.MaxDatagram-wire.SealOverhead)
	for range 100 { // more than the sealed buffer holds: it flushes by itself
		l.Queue(dgram)
	}
	tr.fail = nil
	if err := l.Flush(); err == nil || err.Error() != "no route" {
		t.Fatalf("Flush after a failed flush inside Queue: %v; want that failure", err)
	}
	if err := l.Flush(); err != nil {
		t.Fatalf("a second Flush still failed: %v", err)
	}
	// Every sealed datagram has its own packet number, in order.
	var last uint64
	for _, d := range tr.data {
		pn, _, err := key.Open(d, wire.MaxDatagram)
		if err != nil || pn <= last {
			t.Fatalf("datagram %d: pn %d after %d, %v", len(tr.data), pn, last, err)
		}
		last = pn
	}
	if p := (wire.Packet{Kind: wire.KindHello, Sender: wire.SenderID{1}, Nick: "x", Body: wire.AppendControl(nil, wire.Control{})}); l.Write(&p) != nil || st.ControlOut != 1 {
		t.Fatalf("a control datagram was not written (ControlOut %d)", st.ControlOut)
	}
	if pn, _, err := key.Open(tr.control[0], wire.MaxDatagram); err != nil || pn != last+1 {
		t.Fatalf("the control datagram's pn %d, %v; want %d: one counter for both ports", pn, err, last+1)
	}
}
