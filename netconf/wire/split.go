package wire

// SplitText cuts text into the bodies of consecutive DATA datagrams: one
// when it fits whole (up to whole bytes), else pieces of up to piece bytes,
// sent with the FRAG extension. Pieces may split a UTF-8 sequence: the
// receiver checks the reassembled text.
func SplitText(text string, whole, piece int) []string {
	if len(text) <= whole {
		return []string{text}
	}
	var out []string
	for len(text) > 0 {
		n := min(len(text), piece)
		out = append(out, text[:n])
		text = text[n:]
	}
	return out
}
