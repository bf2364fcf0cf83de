package files

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkRestore is a receiver's work for one group of 128 blocks of
// 1 450 bytes that lost two of them, restored from two parity blocks: at
// 1% loss most groups of a file need it.
func BenchmarkRestore(b *testing.B) {
	const k, bs, maxP = 128, 1450, 128
	var c Code
	data := make([][]byte, k)
	for i := range data {
		data[i] = make([]byte, bs)
		for j := range data[i] {
			data[i][j] = byte(rand.IntN(256))
		}
	}
	parity, err := c.Parity(data, 1, maxP)
	if err != nil {
		b.Fatal(err)
	}
	shards := make([][]byte, k+maxP)
	b.SetBytes(k * bs)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		copy(shards, data)
		for j := k; j < len(shards); j++ {
			shards[j] = nil
		}
		shards[k], shards[k+1] = parity[0], parity[1]
		lost := (i * 7) % (k - 1) // a different pattern each time, as on the wire
		shards[lost], shards[lost+1] = nil, nil
		if err := c.Restore(shards, k, maxP); err != nil {
			b.Fatal(err)
		}
	}
}
