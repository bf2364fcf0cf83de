package files

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/klauspost/reedsolomon"

	"github.com/groupcast/groupcast/netconf/wire"
)

func TestBlocks(t *testing.T) {
	b := NewBlocks(130)
	for _, i := range []uint64{0, 1, 63, 64, 129} {
		if !b.Set(i) {
			t.Fatalf("block %d was not new", i)
		}
	}
	if b.Set(1) || b.Set(130) || b.Set(1<<40) || b.Has(130) {
		t.Fatal("a held block, or one beyond the file, was taken as new")
	}
	if b.Held() != 5 || b.FirstMissing(0) != 2 || b.FirstMissing(63) != 65 || b.FirstMissing(129) != 130 || b.FirstHeld(2) != 63 {
		t.Fatalf("held %d, first missing %d/%d/%d, first held %d", b.Held(), b.FirstMissing(0), b.FirstMissing(63), b.FirstMissing(129), b.FirstHeld(2))
	}
	b.Clear(64)
	if b.Has(64) || b.Held() != 4 {
		t.Fatal("clear")
	}
	empty := NewBlocks(0)
	if !empty.Complete() || empty.Set(0) {
		t.Fatal("an empty file")
	}
}

var testOffer = wire.FileOffer{ID: wire.FileID{1}, Size: 1000*1000 + 500, BlockSize: 1000, Group: 128, Pass: 1, Name: "f"}

// 1001 blocks: 7 groups of 128 and one of 105.

func TestReceiverTakesBlocksAndParity(t *testing.T) {
	o := testOffer
	r := NewReceiver(o)
	block := make([]byte, 1000)
	for name, c := range map[string]struct {
		seq  uint64
		data []byte
	}{
		"beyond the file":        {8 << 8, block},
		"parity beyond the code": {7<<8 | 210, block},
		"short block":            {0, block[:999]},
		"long last block":        {7<<8 | 104, block},
		"short parity":           {7<<8 | 105, block[:500]},
	} {
		if what, _, _ := r.Take(c.seq, c.data); what != Invalid {
			t.Errorf("%s: %v", name, what)
		}
	}
	if what, _, _ := r.Take(7<<8|104, block[:500]); what != NewBlock {
		t.Fatal("the last, short block")
	}
	// Group 0: 125 blocks, then 3 parity blocks make it restorable.
	for i := range uint64(125) {
		if what, _, restorable := r.Take(i, block); what != NewBlock || restorable {
			t.Fatalf("block %d: %v %v", i, what, restorable)
		}
	}
	if r.Need(0) != 3 {
		t.Fatalf("group 0 needs %d", r.Need(0))
	}
	if what, _, _ := r.Take(0, block); what != Duplicate {
		t.Fatal("a block held again")
	}
	r.Take(128, block)
	if what, _, _ := r.Take(128, block); what != Duplicate {
		t.Fatal("a parity block held again")
	}
	_, _, restorable := r.Take(129, block)
	if restorable {
		t.Fatal("restorable with 2 of 3")
	}
	if what, _, restorable := r.Take(130, block); what != NewParity || !restorable || r.Need(0) != 0 || len(r.Parity(0)) != 3 {
		t.Fatalf("3 parity for 3 missing: %v %v, need %d", what, restorable, r.Need(0))
	}
	r.Restored(0)
	if r.Held() != 129 || len(r.Parity(0)) != 0 || r.parityBytes != 0 {
		t.Fatalf("held %d, parity %d bytes", r.Held(), r.parityBytes)
	}
	if what, _, _ := r.Take(131, block); what != Duplicate {
		t.Fatal("parity of a whole group was kept")
	}
	base, needs, ok := r.Nack(o.Groups())
	if !ok || base != 1 || len(needs) != 7 || needs[0] != 128 || needs[6] != 104 {
		t.Fatalf("nack: base %d, needs %v", base, needs)
	}
	if _, _, ok := r.Nack(1); ok {
		t.Fatal("asked beyond the groups a pass has sent")
	}
}

// TestParityFloodIsBounded: a sender that sends parity of groups it
// never completes cannot make a receiver hold more than MaxParityBytes.
func TestParityFloodIsBounded(t *testing.T) {
	o := wire.FileOffer{ID: wire.FileID{1}, Size: 4 << 30, BlockSize: 1300, Group: 128, Pass: 1, Name: "f"}
	r := NewReceiver(o)
	block := make([]byte, 1300)
	dropped := 0
	for g := range uint64(30_000) {
		for j := range 2 {
			if what, _, _ := r.Take(g<<8|uint64(128+j), block); what == Dropped {
				dropped++
			}
		}
	}
	if r.parityBytes > MaxParityBytes || dropped == 0 {
		t.Fatalf("holds %d bytes of parity (limit %d), dropped %d", r.parityBytes, MaxParityBytes, dropped)
	}
}

func TestCodeRestoresAGroup(t *testing.T) {
	var c Code
	r := rand.New(rand.NewPCG(3, 4))
	for _, k := range []int{1, 5, 105, 128} {
		data := make([][]byte, k)
		for i := range data {
			data[i] = make([]byte, 1000)
			for j := range data[i] {
				data[i][j] = byte(r.IntN(256))
			}
		}
		maxP := min(k, 256-k)
		lose := min(k, 5, maxP)
		// Parity 0..3 made first, then 4..: the same rows either way.
		first, err := c.Parity(data, 0, maxP)
		if err != nil {
			t.Fatal(err)
		}
		more, err := c.Parity(data, min(lose, maxP-1), maxP)
		if err != nil {
			t.Fatal(err)
		}
		for j := range first {
			if string(first[j]) != string(more[j]) {
				t.Fatalf("k %d: parity %d differs with how many are made", k, j)
			}
		}
		shards := make([][]byte, k+maxP)
		for i := lose; i < k; i++ {
			shards[i] = data[i]
		}
		for j := range lose {
			shards[k+j] = more[j]
		}
		if err := c.Restore(shards, k, maxP); err != nil {
			t.Fatal(err)
		}
		for i := range lose {
			if string(shards[i]) != string(data[i]) {
				t.Fatalf("k %d: block %d restored wrong", k, i)
			}
		}
	}
}

func TestSenderOwesParity(t *testing.T) {
	o := testOffer
	now := time.Unix(1000, 0)
	s := NewSender(o, now)
	for i := range uint64(300) {
		if sh, ok := s.Next(now); !ok || sh.Parity || o.Index(sh) != i {
			t.Fatalf("block %d: %+v", i, sh)
		}
	}
	// Two receivers: one needs 3 of group 0 and 1 of group 1, the other 2
	// and 0. Group 2 is not sent whole yet: the pass will.
	s.Asked(wire.FileNack{Base: 0, Needs: []byte{3, 1, 5}}, now, nil)
	owed, _ := s.Asked(wire.FileNack{Base: 0, Needs: []byte{2}}, now, nil)
	if owed != 0 || s.owing != 2 {
		t.Fatalf("owed %d more, %d groups owing", owed, s.owing)
	}
	var got []wire.FileShard
	for range 4 {
		sh, _ := s.Next(now)
		got = append(got, sh)
	}
	want := []wire.FileShard{{Group: 0, Shard: 128, Parity: true}, {Group: 0, Shard: 129, Parity: true}, {Group: 0, Shard: 130, Parity: true}, {Group: 1, Shard: 128, Parity: true}}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("sent %v, want %v", got, want)
		}
	}
	// A NACK that crossed that repair: nothing more owed.
	if owed, _ := s.Asked(wire.FileNack{Base: 0, Needs: []byte{3}}, now.Add(5*time.Millisecond), nil); owed != 0 {
		t.Fatalf("a NACK that crossed the repair owed %d", owed)
	}
	// Later, still 1 needed: new parity, not the same again.
	s.Asked(wire.FileNack{Base: 0, Needs: []byte{1}}, now.Add(50*time.Millisecond), nil)
	if sh, _ := s.Next(now.Add(50 * time.Millisecond)); sh != (wire.FileShard{Group: 0, Shard: 131, Parity: true}) {
		t.Fatalf("sent %+v", sh)
	}
	if sh, _ := s.Next(now); sh.Parity || o.Index(sh) != 300 {
		t.Fatalf("after the repairs, the pass goes on: %+v", sh)
	}
}

func TestForgedNackIsBounded(t *testing.T) {
	o := testOffer
	now := time.Unix(1000, 0)
	s := NewSender(o, now)
	for range o.Blocks() {
		s.Next(now)
	}
	huge := make([]byte, wire.MaxFileNackGroups+500)
	for i := range huge {
		huge[i] = 255
	}
	owed, _ := s.Asked(wire.FileNack{Base: 5, Needs: huge}, now, nil)
	if owed != 128+128+105 || s.owing != 3 {
		t.Fatalf("owed %d for groups 5-7 (at most their blocks each)", owed)
	}
	if owed, _ := s.Asked(wire.FileNack{Base: 1<<64 - 2, Needs: huge}, now, nil); owed != 0 {
		t.Fatal("a NACK beyond the file (wrapping round) owed parity")
	}
}

func TestOverrunIsAGroupJustSentShortByMany(t *testing.T) {
	o := testOffer
	now := time.Unix(1000, 0)
	s := NewSender(o, now)
	for range 600 {
		s.Next(now)
	}
	if _, over := s.Asked(wire.FileNack{Base: 0, Needs: []byte{2, 1, 3}}, now.Add(10*time.Millisecond), nil); over {
		t.Fatal("random loss taken for an overrun")
	}
	if _, over := s.Asked(wire.FileNack{Base: 1, Needs: []byte{40}}, now.Add(10*time.Millisecond), nil); !over {
		t.Fatal("a group just sent short by 40 is not an overrun")
	}
	if _, over := s.Asked(wire.FileNack{Base: 2, Needs: []byte{128}}, now.Add(2*OverrunWindow), nil); over {
		t.Fatal("an old group short of everything (a late joiner) taken for an overrun")
	}
}

// FuzzReceiver feeds a receiver blocks, parity and NACK requests whose
// every number comes from the fuzzer: nothing panics, nothing is held
// beyond the file, and a NACK speaks only of groups of the file.
func FuzzReceiver(f *testing.F) {
	f.Add(uint64(1000*1000+500), uint16(1000), uint8(128), []byte{0, 0, 0, 1, 0, 0, 0, 2, 0x80, 0, 3})
	f.Add(uint64(1), uint16(256), uint8(1), []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF})
	f.Fuzz(func(t *testing.T, size uint64, bs uint16, group uint8, ops []byte) {
		o := wire.FileOffer{ID: wire.FileID{1}, Size: size % (64 << 20), BlockSize: bs, Group: group, Pass: 1, Name: "f"}
		if _, err := wire.ParseFileOffer(wire.AppendFileOffer(nil, o)); err != nil {
			return
		}
		r := NewReceiver(o)
		block := make([]byte, wire.MaxFileBlockSize+1)
		for len(ops) >= 3 {
			seq := uint64(ops[0])<<16 | uint64(ops[1])<<8 | uint64(ops[2])
			n := int(seq) % len(block)
			ops = ops[3:]
			if what, s, restorable := r.Take(seq, block[:n]); restorable {
				r.Restored(s.Group)
			} else if what == NewBlock && n == 0 {
				t.Fatal("an empty block taken")
			}
			if r.Held() > o.Blocks() || r.parityBytes > MaxParityBytes {
				t.Fatalf("holds %d blocks of %d, %d bytes of parity", r.Held(), o.Blocks(), r.parityBytes)
			}
		}
		if base, needs, ok := r.Nack(o.Groups()); ok && (base+uint64(len(needs)) > o.Groups() || len(needs) > wire.MaxFileNackGroups) {
			t.Fatalf("a NACK from group %d for %d groups of %d", base, len(needs), o.Groups())
		}
	})
}

// TestAskedWithinABudget: a NACK is taken group by group only while the
// budget allows; past it nothing more is owed.
func TestAskedWithinABudget(t *testing.T) {
	o := testOffer
	now := time.Unix(1000, 0)
	s := NewSender(o, now)
	for range o.Blocks() {
		s.Next(now)
	}
	budget := 10
	owed, _ := s.Asked(wire.FileNack{Base: 0, Needs: []byte{4, 4, 4, 4}}, now, func(n int) bool {
		if n > budget {
			return false
		}
		budget -= n
		return true
	})
	if owed != 8 || s.owing != 2 {
		t.Fatalf("owed %d in %d groups with a budget of 10 blocks", owed, s.owing)
	}
}

// TestRepairsGoOnWithBlocksOnceParityIsSpent: a group of 128 has 128
// parity blocks; a receiver that had none of it (a late joiner) and lost
// some of the parity gets the group's blocks next, not parity it holds.
func TestRepairsGoOnWithBlocksOnceParityIsSpent(t *testing.T) {
	o := testOffer
	now := time.Unix(1000, 0)
	s := NewSender(o, now)
	for range o.Blocks() {
		s.Next(now)
	}
	s.Asked(wire.FileNack{Base: 0, Needs: []byte{128}}, now, nil)
	for j := range 128 {
		if sh, _ := s.Next(now); sh != (wire.FileShard{Group: 0, Shard: 128 + j, Parity: true}) {
			t.Fatalf("repair %d: %+v", j, sh)
		}
	}
	now = now.Add(time.Second)
	s.Asked(wire.FileNack{Base: 0, Needs: []byte{3}}, now, nil)
	for i := range 3 {
		if sh, _ := s.Next(now); sh != (wire.FileShard{Group: 0, Shard: i}) {
			t.Fatalf("after the parity, repair %d: %+v", i, sh)
		}
	}
}

// TestPacerSendsInBursts: at a high rate blocks go out some 4 ms at a
// time (64 at 37 000 a second: 1.7 ms), not one by one, so receivers
// wake once a burst; at a low rate one at a time; the rate over a second
// is kept.
func TestPacerSendsInBursts(t *testing.T) {
	now := time.Unix(1000, 0)
	p := NewPacer(37_000, now)
	if q := p.Quantum(); q != 64 {
		t.Fatalf("quantum at 37 000/s: %d", q)
	}
	if n := p.Take(now.Add(500*time.Microsecond), 64); n != 0 {
		t.Fatalf("%d blocks taken before a quantum was due", n)
	}
	if w := p.Wait(); w <= 0 || w > 2*time.Millisecond {
		t.Fatalf("wait for a quantum: %v", w)
	}
	sent := 0
	for at := now; at.Before(now.Add(time.Second)); at = at.Add(100 * time.Microsecond) {
		n := p.Take(at, 64)
		if n != 0 && n < p.Quantum() {
			t.Fatalf("a burst of %d at %v", n, at.Sub(now))
		}
		sent += n
	}
	if sent < 36_000 || sent > 37_100 {
		t.Fatalf("%d blocks in a second at 37 000/s", sent)
	}
	slow := NewPacer(MinRate, now)
	if q := slow.Quantum(); q != 1 {
		t.Fatalf("quantum at %d/s: %d", MinRate, q)
	}
	if n := slow.Take(now.Add(20*time.Millisecond), 64); n != 1 {
		t.Fatalf("a slow pacer let %d go", n)
	}
	// Fewer blocks left than a quantum: they go without waiting for one.
	p2 := NewPacer(37_000, now)
	if n := p2.Take(now.Add(300*time.Microsecond), 5); n != 5 {
		t.Fatalf("the last 5 blocks: %d taken", n)
	}
}

// Restore agrees with the library's own reconstruction for any pattern
// of missing blocks and of parity blocks present, the last group's
// smaller sizes included.
func TestRestoreMatchesTheLibrary(t *testing.T) {
	var c Code
	r := rand.New(rand.NewPCG(7, 8))
	for round := range 300 {
		k := 1 + r.IntN(128)
		if round%5 == 0 {
			k = 128
		}
		maxP := min(k, 256-k)
		size := 1 + r.IntN(1500)
		data := make([][]byte, k)
		for i := range data {
			data[i] = make([]byte, size)
			for j := range data[i] {
				data[i][j] = byte(r.IntN(256))
			}
		}
		parity, err := c.Parity(data, maxP-1, maxP)
		if err != nil {
			t.Fatal(err)
		}
		lose := 1 + r.IntN(min(k, maxP, 6))
		if round%7 == 0 {
			lose = min(k, maxP) // everything from parity
		}
		shards := make([][]byte, k+maxP)
		copy(shards, data)
		for _, i := range r.Perm(k)[:lose] {
			shards[i] = nil
		}
		// lose parity blocks present, anywhere among maxP (more sometimes)
		extra := r.IntN(3)
		for _, p := range r.Perm(maxP)[:min(maxP, lose+extra)] {
			shards[k+p] = parity[p]
		}
		want := append([][]byte(nil), shards...)
		lib, err := reedsolomon.New(k, maxP, reedsolomon.WithCauchyMatrix())
		if err != nil {
			t.Fatal(err)
		}
		if err := lib.ReconstructData(want); err != nil {
			t.Fatal(err)
		}
		if err := c.Restore(shards, k, maxP); err != nil {
			t.Fatalf("round %d (k %d, lost %d): %v", round, k, lose, err)
		}
		for i := range k {
			if string(shards[i]) != string(data[i]) || string(want[i]) != string(data[i]) {
				t.Fatalf("round %d (k %d, lost %d): block %d restored wrong", round, k, lose, i)
			}
		}
	}
	// Too few parity blocks: refused, nothing made up.
	shards := make([][]byte, 4+4)
	shards[0], shards[4] = make([]byte, 8), make([]byte, 8)
	if err := c.Restore(shards, 4, 4); err == nil {
		t.Fatal("3 blocks missing and 1 parity block: restored")
	}
}
