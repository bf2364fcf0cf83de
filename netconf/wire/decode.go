package wire

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// Decode parses one datagram. It never panics, whatever b holds; Body
// aliases b.
//
// It runs for every datagram, so each part's parser fills in p through a
// pointer and hands on the rest of b: no Packet is copied between them.
func Decode(b []byte) (Packet, error) {
	var p Packet
	start, ok := headerAt(b)
	if !ok {
		return p, ErrNotGroupcast
	}
	if len(b) > MaxFileDatagram {
		return p, ErrTooLarge
	}
	large := len(b) > MaxDatagram // a FILE_BLOCK or CATCHUP only
	text := b[:max(start-1, 0)]
	rest, err := decodeHeader(b[start:], large, &p)
	if err != nil {
		return p, err
	}
	if rest, err = decodeNickAndExtensions(rest, &p); err != nil {
		return p, err
	}
	return p, decodeBody(rest, text, start > 0, &p)
}

// decodeHeader parses the fixed part of the header, from the magic to the
// time, into p, and returns what follows it. large is whether the whole
// datagram is over MaxDatagram, which only some kinds may be.
func decodeHeader(b []byte, large bool, p *Packet) ([]byte, error) {
	if len(b) < HeaderSize {
		return nil, fmt.Errorf("%w: %d-byte header", ErrMalformed, len(b))
	}
	if large && !Kind(b[5]).mayBeLarge() {
		return nil, ErrTooLarge
	}
	if b[4] != Version {
		return nil, &VersionError{Got: b[4]}
	}
	p.Kind = Kind(b[5])
	if p.Kind == 0 {
		return nil, fmt.Errorf("%w: kind 0", ErrMalformed)
	}
	// b[6] (flags) and b[7] (reserved) carry no meaning yet: ignored, so
	// a later minor revision may define non-essential flags.
	copy(p.Sender[:], b[8:16])
	if p.Sender.IsZero() {
		return nil, fmt.Errorf("%w: zero sender id", ErrMalformed)
	}
	p.Seq = binary.BigEndian.Uint64(b[16:24])
	p.Time = int64(binary.BigEndian.Uint64(b[24:32]))
	return b[32:], nil
}

// decodeNickAndExtensions parses the nickname and the extensions into p,
// and returns what follows them (the body's length, and the body unless
// the text came first). rest is at least one byte: the header's last.
func decodeNickAndExtensions(rest []byte, p *Packet) ([]byte, error) {
	nickLen := int(rest[0])
	rest = rest[1:]
	if nickLen > len(rest) {
		return nil, fmt.Errorf("%w: nickname runs past the end", ErrMalformed)
	}
	p.Nick = string(rest[:nickLen])
	if err := ValidNick(p.Nick); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	rest = rest[nickLen:]

	if len(rest) < 2 {
		return nil, fmt.Errorf("%w: no extension length", ErrMalformed)
	}
	extLen := int(binary.BigEndian.Uint16(rest))
	rest = rest[2:]
	if extLen > len(rest) {
		return nil, fmt.Errorf("%w: extensions run past the end", ErrMalformed)
	}
	if err := parseExtensions(rest[:extLen], p); err != nil {
		return nil, err
	}
	return rest[extLen:], nil
}

// decodeBody sets p.Body from the body's length and what follows it in
// rest or, when the text came first (textFirst), from text, and checks
// that the body, fragment and signature suit p's kind.
func decodeBody(rest, text []byte, textFirst bool, p *Packet) error {
	if len(rest) < 2 {
		return fmt.Errorf("%w: no body length", ErrMalformed)
	}
	bodyLen := int(binary.BigEndian.Uint16(rest))
	rest = rest[2:]
	switch {
	case p.Kind.textFirst() != textFirst:
		return fmt.Errorf("%w: a %s laid out as another kind", ErrMalformed, p.Kind)
	case textFirst:
		// The text came first; the length at the end must agree with it.
		if len(rest) != 0 || bodyLen != len(text) {
			return fmt.Errorf("%w: text of %d bytes, length %d, %d bytes after", ErrMalformed, len(text), bodyLen, len(rest))
		}
		rest = text
	case bodyLen != len(rest):
		return fmt.Errorf("%w: body length %d, %d bytes left", ErrMalformed, bodyLen, len(rest))
	}
	p.Body = rest
	// A fragment may end inside a UTF-8 sequence: the reassembled text is
	// checked instead.
	if p.Kind.carriesText() && p.Frag.Count == 0 && !utf8.Valid(p.Body) {
		return fmt.Errorf("%w: %w", ErrMalformed, ErrBadText)
	}
	if p.Frag.Count > 0 && !p.Kind.carriesText() || p.Sig.Present() && !p.Kind.signable() || p.Sig.Message && !p.Kind.textFirst() {
		return fmt.Errorf("%w: fragment or signature of a %s", ErrMalformed, p.Kind)
	}
	return nil
}

// parseExtensions walks the type-length-value list. A critical extension
// this code does not know means the datagram needs a newer reader.
func parseExtensions(b []byte, p *Packet) error {
	for len(b) > 0 {
		if len(b) < 3 {
			return fmt.Errorf("%w: truncated extension", ErrMalformed)
		}
		typ, n := b[0], int(binary.BigEndian.Uint16(b[1:3]))
		if n > len(b)-3 {
			return fmt.Errorf("%w: extension %#x runs past the end", ErrMalformed, typ)
		}
		val := b[3 : 3+n]
		switch {
		case typ == ExtFrag:
			if n != 4 || p.Frag.Count != 0 {
				return fmt.Errorf("%w: bad fragment extension", ErrMalformed)
			}
			p.Frag = Frag{Index: binary.BigEndian.Uint16(val), Count: binary.BigEndian.Uint16(val[2:])}
			if p.Frag.Count == 0 || p.Frag.Index >= p.Frag.Count || int(p.Frag.Count) > MaxFragments {
				return fmt.Errorf("%w: fragment %d of %d", ErrMalformed, p.Frag.Index, p.Frag.Count)
			}
		case typ == extSig, typ == extSigMessage:
			// One signature, of one class: its type says which, so the
			// receiver verifies that class only.
			if n != sigValue || p.Sig.Present() {
				return fmt.Errorf("%w: bad signature extension", ErrMalformed)
			}
			p.Sig = Sig{Session: binary.BigEndian.Uint64(val), Signed: int64(binary.BigEndian.Uint64(val[8:])), Value: val[16:], Message: typ == extSigMessage}
		case typ&extCritical != 0:
			return fmt.Errorf("%w: needs extension %#x", ErrVersion, typ)
		}
		b = b[3+n:]
	}
	return nil
}
