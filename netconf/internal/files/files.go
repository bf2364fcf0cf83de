// Package files is the bookkeeping of a file sent to the whole room
// (docs/FILES.md): which blocks and parity blocks a receiver holds and
// what it still needs (Receiver), what a sender owes and how fast it may
// send (Sender, Pacer), and the Reed-Solomon code that makes and uses
// parity blocks (Code). It does no I/O and keeps no clock of its own:
// the engine feeds it datagrams and the time.
//
// Every number a datagram claims is checked against what is held: a
// NACK speaks of at most wire.MaxFileNackGroups groups, each within the
// file; memory is sized by the offer's block count, which the engine
// checks against its size limit first.
package files

import "math/bits"

// Blocks is one bit per block of a file: which are held.
type Blocks struct {
	words []uint64
	n     uint64 // blocks in the file
	held  uint64
}

// NewBlocks holds nothing of a file of n blocks. n must be checked by the
// caller (a size limit): it allocates n/8 bytes.
func NewBlocks(n uint64) *Blocks {
	return &Blocks{words: make([]uint64, (n+63)/64), n: n}
}

// Len is the file's block count.
func (b *Blocks) Len() uint64 { return b.n }

// Held is how many blocks are held.
func (b *Blocks) Held() uint64 { return b.held }

// Complete reports whether every block is held.
func (b *Blocks) Complete() bool { return b.held == b.n }

// Has reports whether block i is held (false beyond the file).
func (b *Blocks) Has(i uint64) bool {
	return i < b.n && b.words[i/64]&(1<<(i%64)) != 0
}

// Set marks block i held and reports whether it was new (false beyond the
// file, or held already).
func (b *Blocks) Set(i uint64) bool {
	if i >= b.n || b.Has(i) {
		return false
	}
	b.words[i/64] |= 1 << (i % 64)
	b.held++
	return true
}

// Clear marks block i not held (a block whose write failed).
func (b *Blocks) Clear(i uint64) {
	if b.Has(i) {
		b.words[i/64] &^= 1 << (i % 64)
		b.held--
	}
}

// FirstMissing is the first block not held at or after i, or Len.
func (b *Blocks) FirstMissing(i uint64) uint64 {
	for i < b.n {
		w := ^b.words[i/64] >> (i % 64)
		if w != 0 {
			return min(i+uint64(bits.TrailingZeros64(w)), b.n)
		}
		i = (i/64 + 1) * 64
	}
	return b.n
}

// FirstHeld is the first block held at or after i, or Len.
func (b *Blocks) FirstHeld(i uint64) uint64 {
	for i < b.n {
		w := b.words[i/64] >> (i % 64)
		if w != 0 {
			return min(i+uint64(bits.TrailingZeros64(w)), b.n)
		}
		i = (i/64 + 1) * 64
	}
	return b.n
}
