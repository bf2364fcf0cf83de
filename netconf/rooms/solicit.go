package rooms

import (
	"net/netip"
	"time"
)

// A solicitation asks the presenters on the network to announce their
// rooms now, instead of at their next steady announcement (up to
// AnnounceInterval away): a PC that starts, opens Rooms or runs
// groupcast rooms lists the rooms at once, and a second room under the
// name it looks for (an impostor's) is heard within AnswerWindow rather
// than Settle of old.
//
// It is a SAP packet (RFC 2974) on the SAP group, of 40 bytes:
//
//	0x20        version 1, IPv4 origin, announcement, not encrypted, not compressed
//	0x00        no authentication data
//	0x00 0x00   message identifier hash: zero
//	4 bytes     the soliciting computer's IPv4 address (or 0.0.0.0)
//	"application/x-groupcast-solicit" and a NUL: the payload type
//	            (no payload)
//
// A classic SAP listener is not confused by it: RFC 2974 lets a listener
// discard a packet whose hash is zero, and one that reads on finds a
// payload type other than application/sdp, which is not a session
// description it can list; it is not a deletion, so no session it holds
// goes. Groupcast's own ParseSAP refuses it for the payload type, so
// earlier Groupcast versions and bridges ignore it.
const solicitType = "application/x-groupcast-solicit"

// solicitLen is the one length a solicitation has.
const solicitLen = 8 + len(solicitType) + 1

// AnswerGap is the least time between two announcements an announcer
// sends in answer: however many solicitations arrive (a flood of them
// from one computer, or every PC of a lab starting at once), it answers
// at most once per AnswerGap, and always within AnswerGap of the latest.
const AnswerGap = 250 * time.Millisecond

// AnswerWindow is how long after soliciting a directory has heard every
// presenter's answer: AnswerGap, the second solicitation sent
// (solicitAgain, in case the first was lost) and a margin for a loaded
// network and computer.
const AnswerWindow = time.Second

// solicitAgain is when a directory sends its second solicitation.
const solicitAgain = 300 * time.Millisecond

// AppendSolicit encodes a solicitation from origin (an IPv4 address of
// the soliciting computer; 0.0.0.0 when it has none).
func AppendSolicit(dst []byte, origin netip.Addr) []byte {
	if !origin.Is4() {
		origin = netip.IPv4Unspecified()
	}
	o := origin.As4()
	dst = append(dst, 1<<5, 0, 0, 0)
	dst = append(dst, o[:]...)
	dst = append(dst, solicitType...)
	return append(dst, 0)
}

// ParseSolicit reads a solicitation: exactly the form AppendSolicit
// writes, nothing more, nothing less. It returns the origin it claims
// (which nothing trusts: it is only shown).
func ParseSolicit(b []byte) (origin netip.Addr, ok bool) {
	if len(b) != solicitLen || b[0] != 1<<5 || b[1] != 0 || b[2] != 0 || b[3] != 0 ||
		string(b[8:solicitLen-1]) != solicitType || b[solicitLen-1] != 0 {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4([4]byte(b[4:8])), true
}

// answers paces an announcer's answers to solicitations (AnswerGap). It
// is given the time; the announcer's loop asks it when to answer.
type answers struct {
	last time.Time // the latest announcement sent, of any kind
	next time.Time // when the pending answer goes (zero: none pending)
}

// solicited notes a solicitation that arrived at now.
func (a *answers) solicited(now time.Time) {
	if a.next.IsZero() {
		a.next = now
		if next := a.last.Add(AnswerGap); next.After(now) {
			a.next = next
		}
	}
}

// sent notes an announcement sent at now: it answers every solicitation
// that arrived before it.
func (a *answers) sent(now time.Time) {
	a.last, a.next = now, time.Time{}
}

// goesAt reports whether an announcement goes at now: a pending answer
// that is due, or the steady announcement (steady), unless one went
// within AnswerGap (it said the same). An announcer sends at most one
// announcement per AnswerGap.
func (a *answers) goesAt(now time.Time, steady bool) bool {
	if !a.last.IsZero() && now.Sub(a.last) < AnswerGap {
		return false
	}
	return steady || !a.next.IsZero() && !now.Before(a.next)
}

// dueAt is when the pending answer goes (zero: none is pending).
func (a *answers) dueAt() time.Time { return a.next }
