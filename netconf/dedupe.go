package netconf

// dedupeWindow drops a datagram seen twice (a duplicate from the network
// or a second route). It remembers the highest sequence number and the 64
// before it, per sender.
type dedupeWindow struct {
	top  uint64
	seen uint64 // bit i: top-i was seen
}

// fresh records seq and reports whether it had not been seen. Anything
// more than 64 behind the highest is taken as a repeat.
func (w *dedupeWindow) fresh(seq uint64) bool {
	switch {
	case w.top == 0 && w.seen == 0:
		w.top, w.seen = seq, 1
		return true
	case seq > w.top:
		shift := seq - w.top
		if shift >= 64 {
			w.seen = 1
		} else {
			w.seen = w.seen<<shift | 1
		}
		w.top = seq
		return true
	case w.top-seq >= 64:
		return false
	default:
		bit := uint64(1) << (w.top - seq)
		if w.seen&bit != 0 {
			return false
		}
		w.seen |= bit
		return true
	}
}

// maxTrackedSenders bounds the dedupe state; past it the state starts
// afresh, which at worst lets one duplicate through.
const maxTrackedSenders = 4096
