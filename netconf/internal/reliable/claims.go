package reliable

import "time"

// A datagram's seq is a claim that the sender has sent that many
// datagrams. No sender goes faster than maxSendRate (a bare socket reaches
// about 100 000 datagrams/s on the machines measured), so a claim beyond
// it is a forgery: it would make receivers ask for, and then report lost,
// data that never existed.
const (
	maxSendRate = 200_000 // datagrams/s
	seqBurst    = 1024
)

// claim raises highest to seq when the sender could have reached it: by
// maxSendRate since its last claim (at most PeerTimeout's worth, as after
// that silence it is gone), or, on first contact, since it started (uptime
// in seconds on its own clock; negative when unknown: a DATA datagram).
func (s *Stream) claim(now time.Time, seq uint64, uptime float64) bool {
	if seq <= s.highest {
		return true
	}
	if s.claimAt.IsZero() {
		if uptime >= 0 && !PlausibleStart(seq, uptime) {
			return false
		}
		s.allowance = seqBurst
	} else {
		s.allowance = min(s.allowance+now.Sub(s.claimAt).Seconds()*maxSendRate, seqBurst+s.params.PeerTimeout.Seconds()*maxSendRate)
		if float64(seq-s.highest) > s.allowance {
			return false
		}
		s.allowance -= float64(seq - s.highest)
	}
	s.claimAt = now
	s.highest = seq
	return true
}

// PlausibleStart reports whether a sender that has run for uptime seconds
// could have reached seq.
func PlausibleStart(seq uint64, uptime float64) bool {
	return float64(seq) <= seqBurst+uptime*maxSendRate
}
