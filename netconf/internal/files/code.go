package files

import (
	"fmt"

	"github.com/klauspost/reedsolomon"
)

// Code makes parity blocks of a group and restores a group's blocks from
// any GroupLen of its blocks and parity blocks (Reed-Solomon over
// GF(2^8), klauspost/reedsolomon). It uses a Cauchy matrix, whose parity
// rows do not depend on how many parity blocks are made: the sender makes
// a few at a time, and they are the receiver's parity blocks of the same
// index. Shards are BlockSize bytes; a shorter last block counts as
// padded with zeros.
type Code struct {
	encs map[[2]int]reedsolomon.Encoder
}

// parityStep is how many parity blocks are made at once, the least of
// these above the index needed: a group at 1% loss needs 1 to 4, and
// making 128 would cost 30 times as much.
var parityStep = []int{4, 16, 64, 128}

func (c *Code) enc(data, parity int) (reedsolomon.Encoder, error) {
	if c.encs == nil {
		c.encs = map[[2]int]reedsolomon.Encoder{}
	}
	k := [2]int{data, parity}
	if e, ok := c.encs[k]; ok {
		return e, nil
	}
	e, err := reedsolomon.New(data, parity, reedsolomon.WithCauchyMatrix())
	if err != nil {
		return nil, err
	}
	c.encs[k] = e
	return e, nil
}

// Parity makes parity blocks of a group whose blocks are data (each
// BlockSize bytes, padded): at least j+1 of them (so parity block j is
// there), at most maxParity.
func (c *Code) Parity(data [][]byte, j, maxParity int) ([][]byte, error) {
	if j >= maxParity {
		return nil, fmt.Errorf("parity block %d of at most %d", j, maxParity)
	}
	n := maxParity
	for _, s := range parityStep {
		if s > j {
			n = min(s, maxParity)
			break
		}
	}
	e, err := c.enc(len(data), n)
	if err != nil {
		return nil, err
	}
	shards := make([][]byte, len(data)+n)
	copy(shards, data)
	for i := range n {
		shards[len(data)+i] = make([]byte, len(data[0]))
	}
	if err := e.Encode(shards); err != nil {
		return nil, err
	}
	return shards[len(data):], nil
}

// Restore fills in the missing (nil) blocks of a group of k blocks from
// shards: k blocks then maxParity parity blocks, each BlockSize bytes or
// nil, at least k of them present.
func (c *Code) Restore(shards [][]byte, k, maxParity int) error {
	if len(shards) != k+maxParity {
		return fmt.Errorf("%d shards for %d blocks and %d parity", len(shards), k, maxParity)
	}
	e, err := c.enc(k, maxParity)
	if err != nil {
		return err
	}
	return e.ReconstructData(shards)
}
