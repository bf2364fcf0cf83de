package netconf

// Datagrams travel from a membership's reader goroutine to the engine
// loop in batches (netconf/internal/reader).
//
// Memory per membership: with batch reads a private group reads 16
// datagrams of at most 2 KiB per batch (anything larger than MaxDatagram
// is refused there anyway), 96 KiB in all; otherwise 8 of up to 64 KiB,
// because a classic tool may send one plain datagram that large: 1.5 MiB,
// of which only the pages datagrams are written to become resident.
const (
	rxBatches   = 3 // per membership: the reader fills one while the loop works on another
	rxLenKeyed  = 16
	rxSlotKeyed = 2048
	rxLenOpen   = 8
	rxSlotOpen  = 64 << 10
)
