package wire

import (
	"encoding/binary"
	"fmt"
)

// Control is the body of HELLO, HEARTBEAT and LEAVE: where the sender's
// repair buffer starts and when this incarnation of the sender started.
type Control struct {
	Trail   uint64 // lowest DATA seq the sender can still repair (highest+1 when none)
	Started int64  // Unix microseconds
}

const controlSize = 16

// AppendControl appends c as a control body.
func AppendControl(dst []byte, c Control) []byte {
	dst = binary.BigEndian.AppendUint64(dst, c.Trail)
	return binary.BigEndian.AppendUint64(dst, uint64(c.Started))
}

// ParseControl reads the body of a HELLO, HEARTBEAT or LEAVE.
func ParseControl(body []byte) (Control, error) {
	if len(body) != controlSize {
		return Control{}, fmt.Errorf("%w: control body of %d bytes", ErrMalformed, len(body))
	}
	return Control{Trail: binary.BigEndian.Uint64(body), Started: int64(binary.BigEndian.Uint64(body[8:]))}, nil
}

// Range is an inclusive span of sequence numbers.
type Range struct{ First, Last uint64 }

// Len is the number of sequence numbers in r.
func (r Range) Len() uint64 { return r.Last - r.First + 1 }

// Nack asks Target to repair the listed ranges of its DATA.
type Nack struct {
	Target SenderID
	Ranges []Range
}

// MaxNackRanges bounds the ranges in one NACK.
const MaxNackRanges = 32

// AppendNack appends n as a NACK body.
func AppendNack(dst []byte, n Nack) []byte {
	dst = append(dst, n.Target[:]...)
	rs := n.Ranges[:min(len(n.Ranges), MaxNackRanges)]
	dst = append(dst, byte(len(rs)))
	for _, r := range rs {
		dst = binary.BigEndian.AppendUint64(dst, r.First)
		dst = binary.BigEndian.AppendUint64(dst, r.Last)
	}
	return dst
}

// ParseNack reads the body of a NACK.
func ParseNack(body []byte) (Nack, error) {
	if len(body) < 9 {
		return Nack{}, fmt.Errorf("%w: short NACK", ErrMalformed)
	}
	var n Nack
	copy(n.Target[:], body)
	count := int(body[8])
	body = body[9:]
	if count == 0 || count > MaxNackRanges || len(body) != 16*count || n.Target.IsZero() {
		return Nack{}, fmt.Errorf("%w: NACK of %d ranges in %d bytes", ErrMalformed, count, len(body))
	}
	n.Ranges = make([]Range, count)
	for i := range n.Ranges {
		r := Range{First: binary.BigEndian.Uint64(body), Last: binary.BigEndian.Uint64(body[8:])}
		if r.First == 0 || r.Last < r.First {
			return Nack{}, fmt.Errorf("%w: NACK range %d-%d", ErrMalformed, r.First, r.Last)
		}
		n.Ranges[i] = r
		body = body[16:]
	}
	return n, nil
}

// A RECEIPT's body names the presenter whose announcements it counts; its
// seq is the highest announcement received.

const receiptSize = 8

// AppendReceipt appends the body of a RECEIPT to presenter.
func AppendReceipt(dst []byte, presenter SenderID) []byte { return append(dst, presenter[:]...) }

// ParseReceipt reads the body of a RECEIPT.
func ParseReceipt(body []byte) (presenter SenderID, err error) {
	if len(body) != receiptSize {
		return presenter, fmt.Errorf("%w: receipt body of %d bytes", ErrMalformed, len(body))
	}
	return SenderID(body), nil
}
