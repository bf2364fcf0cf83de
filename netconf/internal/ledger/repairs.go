package ledger

// Repairs are paid from a purse, so NACKs — a few dozen bytes each, and
// anyone can send them — cannot make a sender multicast without end: a
// thousand 69-byte NACKs for seqs 1-600 once drew 220 MB of repairs.
//
// The purse follows what the sender itself sent: each byte of new data
// (Earn) adds RepairPerData bytes that repairs may spend, and a quiet
// sender still gains repairFloor a second, so it can repair a late
// joiner's long message. One computer may spend half of that
// (repairHostShare): all we sent, once — a receiver frozen through most of
// a stream needs about that — so a computer flooding NACKs leaves the rest
// to the receivers that really miss something. Random loss needs far
// less: at 20% loss with five receivers, repairs were 0.6 of the data.
// What may be spent at once is capped at what the retransmit buffer
// holds, times the same factors.
const (
	RepairPerData   = 2         // repair bytes earned per byte of new data
	repairFloor     = 256 << 10 // bytes/s earned even when quiet
	repairHostShare = 2         // one computer earns 1/repairHostShare of that: all we sent, once
	repairHostBurst = 128 << 10 // the least one computer may spend at once (a 64 KiB message and more)
)

// Repairs is the purse of a sender whose retransmit buffer holds
// bufferBytes: Take a repair's bytes for the computer that asked, Earn
// the bytes of new data sent.
func Repairs(bufferBytes float64) Purse {
	limit := bufferBytes * RepairPerData
	share := 1.0 / repairHostShare
	return Purse{
		Host: Allowance{Burst: max(limit*share, repairHostBurst), PerSecond: repairFloor * share,
			PerEarned: RepairPerData * share, Start: repairHostBurst},
		All: Allowance{Burst: max(limit, 2*repairHostBurst), PerSecond: repairFloor,
			PerEarned: RepairPerData, Start: 2 * repairHostBurst},
	}
}
