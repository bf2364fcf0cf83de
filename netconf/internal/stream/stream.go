// Package stream is the text stream of a membership as a part
// (part.Part): our own messages (sent, kept for repair, announced with
// HELLO, HEARTBEAT and LEAVE) and the other members' streams, delivered
// in each sender's order exactly once, with what is missing asked for by
// NACK and repaired (docs/PROTOCOL.md). It owns DATA, REPAIR, HELLO,
// HEARTBEAT, LEAVE and NACK, and bare text from classic tools (a
// pseudo-kind the engine hands over by Plain). The state machines are
// package reliable's; this is what joins them to the engine.
package stream

import (
	"net/netip"
	"time"

	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/internal/classroom"
	"github.com/groupcast/groupcast/netconf/internal/ledger"
	"github.com/groupcast/groupcast/netconf/internal/part"
	"github.com/groupcast/groupcast/netconf/internal/presence"
	"github.com/groupcast/groupcast/netconf/internal/reliable"
	"github.com/groupcast/groupcast/netconf/wire"
)

// Timing is what the stream takes of the engine's timers and limits
// (netconf.Timing says what each is).
type Timing struct {
	NackDelay, NackRetry, NackRetryMin time.Duration
	RepairLinger, RepairGap            time.Duration
	Heartbeat, PeerTimeout             time.Duration
	MaxRepairs                         int
	BufferBytes                        int
	Out                                reliable.OutParams
}

// Options is what a membership's stream is.
type Options struct {
	Nick     string
	Plain    bool   // we send bare text, for classic tools
	Encoding string // how bare text is written and, unless a sender shows otherwise, read
	// KeepWire: messages keep their datagrams (Message.Wire, Sent.Wire),
	// for a history that answers others' catch-up.
	KeepWire bool
	// SealOverhead is what sealing adds to each datagram (0 in an open
	// group).
	SealOverhead int
	Timing       Timing
	// Data is where new DATA goes: queued for the group's port (sealed in
	// a private group) and written in one system call with what the same
	// batch of commands queued; bare text is written at once.
	Data Data
}

// Data is the membership's link (link.Link) as the stream writes to it.
type Data interface {
	Queue(dgram []byte)
	WritePlain(b []byte) error
}

// maxPlainSenders bounds the classic senders whose encoding is
// remembered; the one heard least recently is forgotten first.
const maxPlainSenders = 256

// Part is a membership's text stream.
type Part struct {
	env   part.Env
	opt   Options
	judge *classroom.Judge
	class *classroom.Part

	// Out is our own stream: the engine's membership uses it to pace
	// commands, linger and leave.
	Out *reliable.Outbound

	// peersNext is the earliest of the peers' deadlines: the peers are
	// walked only when it has passed.
	peersNext     time.Time
	lastTrailBeat time.Time      // when we last told NACKers where our buffer starts
	repairs       ledger.PurseID // what our repairs may cost, per computer that asks

	deliveries []reliable.Delivery // reused by onData
	dgrams     [][]byte            // the datagrams of the message being sent
	wbuf       []byte
	scratch    [wire.MaxDatagram]byte
	charsets   *wire.Charsets[netip.AddrPort] // how each classic sender writes
}

// New is the stream of a membership that joined at now as self.
func New(env part.Env, opt Options, judge *classroom.Judge, class *classroom.Part, now time.Time) *Part {
	return &Part{
		env: env, opt: opt, judge: judge, class: class,
		repairs:  env.Ledger().Open(ledger.Repairs(float64(opt.Timing.BufferBytes))),
		Out:      reliable.NewOutbound(env.Self(), opt.Nick, now, opt.Timing.Out),
		wbuf:     make([]byte, 0, wire.MaxDatagram),
		charsets: wire.NewCharsets[netip.AddrPort](maxPlainSenders),
	}
}

// Kinds: the stream's datagrams.
func (s *Part) Kinds() []wire.Kind {
	return []wire.Kind{wire.KindData, wire.KindRepair, wire.KindHello, wire.KindHeartbeat, wire.KindLeave, wire.KindNack}
}

// Receive handles one datagram of the stream's kinds.
func (s *Part) Receive(in *part.In) {
	switch in.P.Kind {
	case wire.KindData, wire.KindRepair:
		s.onData(in.Now, in.P, in.Src)
	case wire.KindNack:
		s.onNack(in.Now, in.P, in.Src)
	default:
		s.onControl(in.Now, in.P, in.Src)
	}
}

// Tick sends a heartbeat when one is due, and does what is due for the
// peers' streams.
func (s *Part) Tick(now time.Time) {
	if kind, ok := s.Out.BeatDue(now); ok {
		s.WriteControl(kind, now)
	}
	if !now.Before(s.peersNext) {
		s.runPeerTimers(now)
	}
}

// NextDeadline is the earliest of our stream's and the peers'.
func (s *Part) NextDeadline(now time.Time) time.Time {
	return part.Earliest(s.Out.NextDeadline(now), s.peersNext)
}

// PeerLeft: a member's stream goes with it (the table holds it).
func (s *Part) PeerLeft(time.Time, *presence.Peer) {}

// Close: nothing runs of the stream's own.
func (s *Part) Close() {}

// WriteControl sends a HELLO, HEARTBEAT or LEAVE describing our stream
// (not in plain mode: classic tools would show it as garbage).
func (s *Part) WriteControl(kind wire.Kind, now time.Time) {
	if s.opt.Plain {
		return
	}
	p := s.Out.Control(kind, now, s.scratch[:0])
	s.env.Write(&p)
}

// wake makes the loop visit the peers by at.
func (s *Part) wake(at time.Time) {
	if at.Before(s.peersNext) {
		s.peersNext = at
	}
}

func count(c *uint64, n uint64) { event.Add(c, n) }

// Depart moves lingering and leaving on (reliable.Outbound.Depart): LEAVEs
// go out. over: the last one went, and the membership ends; leaving:
// nothing else is due.
func (s *Part) Depart(now time.Time) (over, leaving bool) {
	// Every member has sent something a heartbeat after our last message:
	// it ran through the heartbeats that tell where our stream ends, and
	// had time to ask for what it missed. (With no message sent, nobody
	// can miss anything.)
	allHeard := true
	if last := s.Out.LastData(); !last.IsZero() {
		allHeard = s.env.Peers().AllHeardSince(last.Add(s.opt.Timing.Heartbeat))
	}
	switch s.Out.Depart(now, allHeard) {
	case reliable.SendLeave:
		s.WriteControl(wire.KindLeave, now)
	case reliable.LastLeave:
		s.WriteControl(wire.KindLeave, now)
		return true, true
	}
	return false, s.Out.Leaving()
}
