package reliable

import (
	"time"

	"github.com/groupcast/groupcast/netconf/wire"
)

// OutParams are the timers and limits of our own stream.
type OutParams struct {
	HelloRepeats []time.Duration // HELLOs at these offsets from the start
	DataBeats    []time.Duration // heartbeats after data, so a lost last message is noticed quickly
	Heartbeat    time.Duration   // ambient heartbeat interval
	BufferAge    time.Duration   // the retransmit buffer keeps data this long...
	BufferBytes  int             // ...and at most this many bytes of datagrams
	LingerQuiet  time.Duration   // leaving with linger waits for this much quiet...
	LingerMax    time.Duration   // ...but no longer than this
	LeaveRepeats []time.Duration // LEAVE is sent at these offsets
}

// Outbound is our own stream: its numbering, the retransmit buffer, the
// pacer, the repair budget, when to send HELLOs and heartbeats, and
// lingering and leaving. It makes datagrams; the engine sends them.
type Outbound struct {
	Self    wire.SenderID
	Nick    string
	Started time.Time
	Buf     *SendBuffer
	Pace    Pacer

	params OutParams
	seq    uint64 // last DATA seq sent

	hellos   int // HELLOs sent
	beatAt   time.Time
	lastBeat time.Time // last HELLO or heartbeat sent
	lastData time.Time

	lastActivity time.Time // last data sent or NACK for us: lingering waits for quiet
	lingering    bool
	lingerStart  time.Time
	allHeardAt   time.Time // lingering: since when every member has been heard since our last data
	leaving      bool
	leaveStart   time.Time
	leaveAt      time.Time
	leaveStep    int
}

// NewOutbound starts our stream at now.
func NewOutbound(self wire.SenderID, nick string, now time.Time, p OutParams) *Outbound {
	return &Outbound{Self: self, Nick: nick, Started: now, Buf: NewSendBuffer(), params: p, beatAt: now}
}

// Seq is the last DATA seq sent.
func (o *Outbound) Seq() uint64 { return o.seq }

// Message numbers and encodes text as the DATA datagrams of one message
// (pieces of at most piece bytes unless it fits whole), each signed by
// sign when given, keeps them for repair, and returns them appended to out,
// with the first seq. It fails, sending nothing, when a piece cannot be
// encoded.
func (o *Outbound) Message(now time.Time, text string, whole, piece int, sign func(*wire.Packet), out [][]byte) ([][]byte, uint64, error) {
	pieces := wire.SplitText(text, whole, piece)
	out = out[:0]
	for i, body := range pieces {
		p := wire.Packet{Kind: wire.KindData, Sender: o.Self, Seq: o.seq + uint64(i) + 1, Time: now.UnixMicro(), Nick: o.Nick, Body: []byte(body)}
		if len(pieces) > 1 {
			p.Frag = wire.Frag{Index: uint16(i), Count: uint16(len(pieces))}
		}
		if sign != nil {
			sign(&p)
		}
		dgram, err := wire.AppendEncode(nil, &p)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, dgram)
	}
	first := o.seq + 1
	for _, dgram := range out {
		o.seq++
		o.Buf.Add(o.seq, now, dgram)
	}
	o.Pace.Sent(now, len(out))
	o.lastData, o.lastActivity = now, now
	o.scheduleBeat(now)
	o.Buf.Evict(now, o.params.BufferAge, o.params.BufferBytes, o.Pace.Keep())
	return out, first, nil
}

// Control makes a HELLO, HEARTBEAT or LEAVE saying where our stream
// stands: our highest seq, the lowest we can still repair, when we began.
func (o *Outbound) Control(kind wire.Kind, now time.Time, scratch []byte) wire.Packet {
	o.Buf.Evict(now, o.params.BufferAge, o.params.BufferBytes, o.Pace.Keep())
	return wire.Packet{Kind: kind, Sender: o.Self, Seq: o.seq, Time: now.UnixMicro(), Nick: o.Nick,
		Body: wire.AppendControl(scratch, wire.Control{Trail: o.Buf.Trail(o.seq + 1), Started: o.Started.UnixMicro()})}
}

// MayTake reports whether a new message may be taken now (pacing), and if
// not, how long until it may.
func (o *Outbound) MayTake(now time.Time) (bool, time.Duration) {
	return o.Pace.MayTake(now, o.Buf, o.params.BufferBytes)
}

// BeatDue says whether a HELLO or heartbeat is due, and which; it plans
// the next.
func (o *Outbound) BeatDue(now time.Time) (wire.Kind, bool) {
	if now.Before(o.beatAt) {
		return 0, false
	}
	kind := wire.KindHeartbeat
	if o.hellos < len(o.params.HelloRepeats) {
		kind = wire.KindHello
		o.hellos++
	}
	o.lastBeat = now
	o.scheduleBeat(now)
	return kind, true
}

// scheduleBeat plans the next HELLO or heartbeat: HELLOs at their offsets
// from the start, heartbeats soon after data (tail loss) and otherwise at
// the ambient interval, counted from the last one sent, so a sender that
// streams without pause still sends one every Heartbeat (receivers that
// missed its HELLOs learn from it where its stream starts).
func (o *Outbound) scheduleBeat(now time.Time) {
	t := &o.params
	next := now.Add(t.Heartbeat)
	if !o.lastBeat.IsZero() {
		next = o.lastBeat.Add(t.Heartbeat)
	}
	if o.hellos < len(t.HelloRepeats) {
		next = o.Started.Add(t.HelloRepeats[o.hellos])
	}
	if !o.lastData.IsZero() {
		for _, off := range t.DataBeats {
			if at := o.lastData.Add(off); at.After(now) {
				next = earliest(next, at)
				break
			}
		}
	}
	o.beatAt = next
}

// earliest is the earliest of the times that are set.
func earliest(first time.Time, more ...time.Time) time.Time {
	for _, at := range more {
		if !at.IsZero() && (first.IsZero() || at.Before(first)) {
			first = at
		}
	}
	return first
}
