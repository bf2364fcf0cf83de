package event

import "sync/atomic"

// Stats counts what the engine has seen since it started.
type Stats struct {
	DatagramsIn     uint64 // DATA and REPAIR datagrams accepted
	MessagesIn      uint64 // messages delivered
	DatagramsOut    uint64 // DATA datagrams sent (first transmissions)
	ControlIn       uint64 // HELLO, HEARTBEAT and LEAVE received
	ControlOut      uint64 // HELLO, HEARTBEAT, LEAVE, NACK and RECEIPT sent
	BytesIn         uint64 // every datagram read, accepted or not
	BytesOut        uint64
	Rejected        uint64 // not Groupcast, damaged, or from an unknown version
	OtherGroup      uint64 // addressed to another group or unicast on our port
	Duplicates      uint64
	OwnEcho         uint64 // our own datagrams looped back
	Ignored         uint64 // well-formed but not for us (unknown kinds, departed senders)
	SendErrors      uint64
	NacksOut        uint64
	NacksIn         uint64 // every NACK heard, for anyone
	NacksSuppressed uint64 // our NACKs made unnecessary by someone else's
	RepairsOut      uint64
	RepairsIn       uint64 // repairs heard, needed or not
	Recovered       uint64 // datagrams whose first copy was lost and a repair delivered
	Lost            uint64 // datagrams declared lost
	BeyondWindow    uint64 // datagrams too far ahead to hold, asked for again later
	OtherKey        uint64 // sealed with another passphrase
	Forged          uint64 // sealed with our key id but failing authentication
	Unsealed        uint64 // not sealed, in a passphrase group
	NeedKey         uint64 // sealed, in a group we joined without a passphrase
	Replayed        uint64 // authentic but seen before, stamped too far from now, or sent before we joined
	PlainIn         uint64 // bare datagrams from classic tools, shown as plain messages
	ReadOnlyDropped uint64 // messages not from the presenter in a read-only room
	Impostors       uint64 // datagrams with a member's sender id from another source
	Implausible     uint64 // datagrams claiming seqs their sender could not have reached
	Crowded         uint64 // datagrams of new senders refused: their computer's share or the table is full
	RepairBytesOut  uint64 // bytes of repairs sent
	RepairsRefused  uint64 // repairs asked for beyond the repair budget
	CatchUpAsksIn   uint64 // asks for earlier messages heard, that we could answer
	CatchUpRefused  uint64 // ...not answered: the computer asked too often, or we were busy answering
	CatchUpOut      uint64 // CATCHUP datagrams sent
	CatchUpIn       uint64 // messages caught up (shown as earlier)
	BeaconsIn       uint64 // beacons of this network's bridges (docs/BRIDGE.md)
	ForgedBeacons   uint64 // ...refused: the bridge key set does not verify them
	ForwardedIn     uint64 // datagrams from other networks, passed on by a bridge of ours
	Unbridged       uint64 // ...refused: not from a bridge of ours, or labelled as from this network
}

// Refused counts every datagram refused as unauthenticated or replayed.
func (s Stats) Refused() uint64 {
	return s.OtherKey + s.Forged + s.Unsealed + s.NeedKey + s.Replayed
}

// Add adds n to the counter c, atomically: the loop, the readers and
// the parts' goroutines count into one Stats.
func Add(c *uint64, n uint64) { atomic.AddUint64(c, n) }
