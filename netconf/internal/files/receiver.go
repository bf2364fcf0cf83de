package files

import "github.com/groupcast/groupcast/netconf/wire"

// Receiver is what a receiver holds of one file: its blocks (written to
// disk by the engine's writer, one bit each here) and, for groups not yet
// whole, the parity blocks that arrived (in memory, until the group can
// be restored).
type Receiver struct {
	offer  wire.FileOffer
	data   *Blocks
	count  []uint8            // blocks held, per group
	parity map[uint64][]Shard // per group not whole: parity held
	// parityBytes is what parity holds, bounded by MaxParityBytes.
	parityBytes int
	whole       uint64 // groups whole
}

// Shard is a parity block held: its index among the group's parity.
type Shard struct {
	Index int
	Data  []byte
}

// MaxParityBytes bounds the parity blocks one receiver holds while their
// groups wait for more: past it a parity block is dropped (and needed
// again), so a sender that sends only parity cannot fill memory.
const MaxParityBytes = 8 << 20

// NewReceiver holds nothing of the file o offers. Its memory is one bit
// a block and a byte a group: the caller checks o.Size first.
func NewReceiver(o wire.FileOffer) *Receiver {
	return &Receiver{offer: o, data: NewBlocks(o.Blocks()), count: make([]uint8, o.Groups()), parity: map[uint64][]Shard{}}
}

// Offer is the file's offer.
func (r *Receiver) Offer() wire.FileOffer { return r.offer }

// Held is how many blocks are held.
func (r *Receiver) Held() uint64 { return r.data.Held() }

// Complete reports whether every block is held.
func (r *Receiver) Complete() bool { return r.data.Complete() }

// Has reports whether block i is held.
func (r *Receiver) Has(i uint64) bool { return r.data.Has(i) }

// Taken says what a FILE_BLOCK was to the receiver.
type Taken int

// What Take found.
const (
	Invalid   Taken = iota // names nothing of the file, or has the wrong length
	Duplicate              // held already (or its group is whole)
	Dropped                // parity beyond MaxParityBytes
	NewBlock               // a block to write
	NewParity              // a parity block, held
)

// Take places a FILE_BLOCK of seq with data (which Take copies if it
// keeps it). restorable says the block's group can now be restored from
// its blocks and the parity held (Restorable lists what to use).
func (r *Receiver) Take(seq uint64, data []byte) (what Taken, s wire.FileShard, restorable bool) {
	s, ok := r.offer.Shard(seq)
	if !ok || len(data) != r.offer.ShardLen(s) {
		return Invalid, s, false
	}
	n := r.offer.GroupLen(s.Group)
	if int(r.count[s.Group]) == n {
		return Duplicate, s, false
	}
	if !s.Parity {
		if !r.data.Set(r.offer.Index(s)) {
			return Duplicate, s, false
		}
		r.count[s.Group]++
		if int(r.count[s.Group]) == n {
			r.groupWhole(s.Group)
			return NewBlock, s, false
		}
		return NewBlock, s, r.restorable(s.Group)
	}
	j := s.Shard - n
	for _, p := range r.parity[s.Group] {
		if p.Index == j {
			return Duplicate, s, false
		}
	}
	if r.parityBytes+len(data) > MaxParityBytes {
		return Dropped, s, false
	}
	r.parity[s.Group] = append(r.parity[s.Group], Shard{Index: j, Data: append([]byte(nil), data...)})
	r.parityBytes += len(data)
	return NewParity, s, r.restorable(s.Group)
}

// Restorable reports whether group g can be restored from the blocks
// and parity held (and is not whole already).
func (r *Receiver) Restorable(g uint64) bool {
	return g < uint64(len(r.count)) && int(r.count[g]) < r.offer.GroupLen(g) && r.restorable(g)
}

func (r *Receiver) restorable(g uint64) bool {
	return int(r.count[g])+len(r.parity[g]) >= r.offer.GroupLen(g)
}

func (r *Receiver) groupWhole(g uint64) {
	for _, p := range r.parity[g] {
		r.parityBytes -= len(p.Data)
	}
	delete(r.parity, g)
	r.whole++
}

// Parity is the parity held for group g, to restore it with.
func (r *Receiver) Parity(g uint64) []Shard { return r.parity[g] }

// Restored marks group g whole: its missing blocks were restored and
// written. It forgets the group's parity.
func (r *Receiver) Restored(g uint64) {
	if g >= uint64(len(r.count)) || int(r.count[g]) == r.offer.GroupLen(g) {
		return
	}
	first := g * uint64(r.offer.Group)
	for i := range uint64(r.offer.GroupLen(g)) {
		r.data.Set(first + i)
	}
	r.count[g] = uint8(r.offer.GroupLen(g))
	r.groupWhole(g)
}

// Lost undoes block i (its write failed): it is needed again.
func (r *Receiver) Lost(i uint64) {
	if r.data.Has(i) {
		g := i / uint64(r.offer.Group)
		if int(r.count[g]) == r.offer.GroupLen(g) {
			r.whole--
		}
		r.data.Clear(i)
		r.count[g]--
	}
}

// Need is how many more blocks group g needs: its blocks less those held
// and the parity held.
func (r *Receiver) Need(g uint64) int {
	return max(r.offer.GroupLen(g)-int(r.count[g])-len(r.parity[g]), 0)
}

// Nack is what to ask for: from the first group not whole, up to
// wire.MaxFileNackGroups groups below uptoGroup (the groups a pass has
// sent: all at its end), what each needs. ok is false when none of them
// needs anything.
func (r *Receiver) Nack(uptoGroup uint64) (base uint64, needs []byte, ok bool) {
	groups := r.offer.Groups()
	uptoGroup = min(uptoGroup, groups)
	g := uint64(0)
	for g < uptoGroup && r.Need(g) == 0 {
		g++ // a linear scan: a byte a group, 26 000 for 4 GiB
	}
	if g >= uptoGroup {
		return 0, nil, false
	}
	end := min(uptoGroup, g+wire.MaxFileNackGroups)
	needs = make([]byte, end-g)
	last := 0
	for k := range needs {
		if n := r.Need(g + uint64(k)); n > 0 {
			needs[k] = byte(n)
			last = k + 1
		}
	}
	return g, needs[:last], true
}
