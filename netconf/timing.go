package netconf

import (
	"time"

	"github.com/groupcast/groupcast/netconf/internal/reliable"
	"github.com/groupcast/groupcast/netconf/internal/stream"
)

// Timing holds the reliability and presence timers and limits. The
// defaults follow the systems in docs/PROTOCOL.md (NAKACK2, PGM, NORM,
// Aeron) scaled for a LAN; tests may shorten them.
type Timing struct {
	NackDelay time.Duration // a first NACK waits a random 0..NackDelay, so one receiver's NACK can silence the others
	NackRetry time.Duration // then at most this long (plus up to a quarter more) for the repair before asking again...
	// NackRetryMin: ...and at least this long, once its repairs were
	// timed: the wait is their round trip plus four times its variation
	// (presence.RepairTimer), so a loss across a bridge or a busy network
	// waits longer than one on a quiet LAN. More than RepairLinger: a
	// sender repairs a datagram once per RepairLinger.
	NackRetryMin time.Duration
	RepairLinger time.Duration // a sender repairs one datagram at most once per RepairLinger, however many ask
	HelloRepeats []time.Duration
	DataBeats    []time.Duration // heartbeats after data, so a lost last message is noticed quickly
	Heartbeat    time.Duration   // ambient heartbeat interval
	PeerTimeout  time.Duration   // silence after which a peer has left
	SyncWait     time.Duration   // a new sender's data waits this long for its HELLO or heartbeat
	BufferAge    time.Duration   // the retransmit buffer keeps data this long...
	BufferBytes  int             // ...and at most this many bytes of datagrams
	Window       uint64          // datagrams held per sender ahead of the next one to deliver
	LingerQuiet  time.Duration   // leaving with linger waits for this much quiet...
	LingerMax    time.Duration   // ...but no longer than this
	LeaveRepeats []time.Duration // LEAVE is sent at these offsets
	MaxRepairs   int             // repairs sent for one NACK
	// RepairGap: a receiver still missing data asks again this long after
	// the last repair of an answer came (at most a retry interval).
	RepairGap time.Duration
	// ClockSlack is how much members' clocks may disagree: in a private
	// group, a datagram stamped more than this before we joined is refused
	// (a recording replayed to a late joiner).
	ClockSlack time.Duration
	// FileLinger: a file we sent stays offered this long after every
	// member has it, for those who join late. A presenter's stays while
	// the presenter is there.
	FileLinger time.Duration

	// Bounds of what one membership keeps for others. Every sender id and
	// every byte held is a datagram's claim, so each table has a limit
	// and a rule for what gives way.
	MaxPeers        int // senders tracked; past it, ones that never spoke make room
	MaxPeersPerHost int // senders tracked from one computer; past it, its new ones are refused
	HeldBytes       int // held for later delivery over all senders (data behind gaps, pieces)
	HostHeldBytes   int // ...and over the senders of one computer
}

// MaxHeldBytes is the default bound of what a membership holds for later
// delivery (Timing.HeldBytes): data behind a gap and pieces of messages
// being reassembled, over all senders; past it new datagrams are dropped
// (and later repaired), so no flood of senders can grow memory without
// bound.
const MaxHeldBytes = 64 << 20

// DefaultTiming is what the engine uses unless told otherwise.
func DefaultTiming() Timing {
	return Timing{
		NackDelay:    5 * time.Millisecond,
		NackRetry:    120 * time.Millisecond,
		NackRetryMin: 10 * time.Millisecond,
		RepairLinger: 5 * time.Millisecond,
		HelloRepeats: []time.Duration{0, 100 * time.Millisecond, 300 * time.Millisecond},
		DataBeats:    []time.Duration{5 * time.Millisecond, 50 * time.Millisecond, 150 * time.Millisecond, 350 * time.Millisecond, 750 * time.Millisecond},
		Heartbeat:    time.Second,
		PeerTimeout:  5 * time.Second,
		SyncWait:     2500 * time.Millisecond, // past two ambient heartbeats
		BufferAge:    60 * time.Second,
		BufferBytes:  16 << 20,
		Window:       8192,
		LingerQuiet:  1500 * time.Millisecond,
		LingerMax:    15 * time.Second,
		LeaveRepeats: []time.Duration{0, 60 * time.Millisecond, 120 * time.Millisecond, 180 * time.Millisecond},
		MaxRepairs:   512,
		RepairGap:    10 * time.Millisecond,
		ClockSlack:   3 * time.Second,
		FileLinger:   30 * time.Second,

		MaxPeers:        4096,
		MaxPeersPerHost: 64,
		HeldBytes:       MaxHeldBytes,
		HostHeldBytes:   MaxHeldBytes / 8,
	}
}

// withLimitDefaults fills the limits a Timing made by hand left at zero,
// which would refuse every sender or every byte.
func (t Timing) withLimitDefaults() Timing {
	d := DefaultTiming()
	if t.MaxPeers <= 0 {
		t.MaxPeers = d.MaxPeers
	}
	if t.FileLinger <= 0 {
		t.FileLinger = d.FileLinger
	}
	if t.MaxPeersPerHost <= 0 {
		t.MaxPeersPerHost = d.MaxPeersPerHost
	}
	if t.HeldBytes <= 0 {
		t.HeldBytes = d.HeldBytes
	}
	if t.HostHeldBytes <= 0 {
		t.HostHeldBytes = d.HostHeldBytes
	}
	return t
}

// stream is what the text stream takes of t.
func (t Timing) stream() stream.Timing {
	return stream.Timing{
		NackDelay: t.NackDelay, NackRetry: t.NackRetry, NackRetryMin: t.NackRetryMin,
		RepairLinger: t.RepairLinger, RepairGap: t.RepairGap, Heartbeat: t.Heartbeat, PeerTimeout: t.PeerTimeout,
		MaxRepairs: t.MaxRepairs, BufferBytes: t.BufferBytes,
		Out: reliable.OutParams{HelloRepeats: t.HelloRepeats, DataBeats: t.DataBeats,
			Heartbeat: t.Heartbeat, BufferAge: t.BufferAge, BufferBytes: t.BufferBytes,
			LingerQuiet: t.LingerQuiet, LingerMax: t.LingerMax, LeaveRepeats: t.LeaveRepeats},
	}
}
