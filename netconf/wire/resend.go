package wire

import "fmt"

// SetKind rewrites the kind of an encoded datagram, which the protocol
// does to re-send one unchanged otherwise: a DATA as a REPAIR. That is
// the only change allowed (a presenter's PINNED is signed anew: Repin);
// the datagram is not otherwise checked.
func SetKind(b []byte, k Kind) error {
	at, ok := headerAt(b)
	if !ok || len(b) < at+HeaderSize {
		return fmt.Errorf("%w: not a datagram to re-send", ErrMalformed)
	}
	from := Kind(b[at+5])
	if from != KindData || k != KindRepair {
		return fmt.Errorf("%w: a %s cannot be re-sent as a %s", ErrMalformed, from, k)
	}
	b[at+5] = byte(k)
	return nil
}
