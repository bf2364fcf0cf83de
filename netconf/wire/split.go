package wire

import "unicode/utf8"

// SplitText cuts text into the bodies of consecutive DATA datagrams: one
// when it fits whole (up to whole bytes), else pieces of up to piece bytes,
// sent with the FRAG extension. Pieces are cut between characters (up to 3
// bytes short), so a classic tool prints each as whole characters; the
// receiver checks the reassembled text all the same.
func SplitText(text string, whole, piece int) []string {
	if len(text) <= whole {
		return []string{text}
	}
	var out []string
	for len(text) > 0 {
		n := min(len(text), piece)
		for k := n; n < len(text) && k > n-utf8.UTFMax && k > 0; k-- {
			if utf8.RuneStart(text[k]) {
				n = k
				break
			}
		}
		out = append(out, text[:n])
		text = text[n:]
	}
	return out
}
