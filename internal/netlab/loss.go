package netlab

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// ErrNoNft says loss cannot be made here: nftables is not installed.
var ErrNoNft = errors.New("loss needs the nft command (Debian package nftables)")

// DropUDP makes host drop percent% of the UDP it receives, at random,
// with nftables, and returns a function that reads how many it dropped
// so far.
func (l *Lab) DropUDP(host string, percent int) (dropped func() (int, error), err error) {
	if _, err := exec.LookPath("nft"); err != nil {
		return nil, ErrNoNft
	}
	if percent < 0 || percent > 100 {
		return nil, fmt.Errorf("loss of %d%% is not a percentage", percent)
	}
	match := fmt.Sprintf("numgen random mod 100 < %d ", percent)
	if percent == 100 { // all: nft takes no "< 100" of a value mod 100
		match = ""
	}
	rules := fmt.Sprintf(`table inet gcloss {
	chain in {
		type filter hook input priority 0; policy accept;
		meta l4proto udp %scounter drop
	}
}
`, match)
	cmd := l.Command(host, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("nft on %s: %v: %s", host, err, out)
	}
	return func() (int, error) {
		out, err := l.Command(host, "nft", "list", "chain", "inet", "gcloss", "in").CombinedOutput()
		if err != nil {
			return 0, fmt.Errorf("read the nft counter on %s: %v: %s", host, err, out)
		}
		var n int
		if i := strings.Index(string(out), "counter packets "); i >= 0 {
			_, _ = fmt.Sscanf(string(out[i+len("counter packets "):]), "%d", &n)
		}
		return n, nil
	}, nil
}

// StopDropping removes the loss DropUDP added to host.
func (l *Lab) StopDropping(host string) error {
	if out, err := l.Command(host, "nft", "delete", "table", "inet", "gcloss").CombinedOutput(); err != nil {
		return fmt.Errorf("nft on %s: %v: %s", host, err, out)
	}
	return nil
}
