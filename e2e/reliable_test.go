package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestLabReliableUnderLoss: six hosts, each dropping 10% of the UDP it
// receives (nftables). One chat sender pipes 1 000 lines and one
// 30 000-character line; five listeners on the other hosts each print all
// 1 001 messages in order, exactly once, and the sender's peer_joined and
// peer_left. The drop counters prove the loss happened.
func TestLabReliableUnderLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	lab := NewLab(t, 6)
	bin := Binary(t)
	const group = "239.255.5.5:5555"
	var dropped []func() int
	for _, h := range lab.Hosts {
		dropped = append(dropped, lab.DropUDP(h, 10))
	}

	var listeners []*Proc
	for i, h := range lab.Hosts[1:] {
		name := fmt.Sprintf("rx%d", i+1)
		listeners = append(listeners, Start(t, name, lab.Command(h, bin, "listen", "-group", group, "-name", name, "-json")))
	}
	for _, p := range listeners {
		p.WaitFor("joined", 1, 10*time.Second)
	}

	var input strings.Builder
	var want []string
	for i := range 1000 {
		line := fmt.Sprintf("line %04d — héllo 世界", i+1)
		want = append(want, line)
		input.WriteString(line + "\n")
	}
	long := strings.Repeat("0123456789", 3000)
	want = append(want, long)
	input.WriteString(long + "\n")

	chat := lab.Command(lab.Hosts[0], bin, "chat", "-group", group, "-name", "Sender", "-json")
	chat.Stdin = strings.NewReader(input.String())
	start := time.Now()
	sender := Start(t, "sender", chat)
	select {
	case <-sender.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("chat did not finish in 60 s; stderr: %s", sender.Stderr())
	}
	if sender.code != 0 {
		t.Fatalf("chat exited %d: %s", sender.code, sender.Stderr())
	}
	if n := len(sender.Events("sent")); n != len(want) {
		t.Fatalf("chat sent %d messages; want %d", n, len(want))
	}
	for _, p := range listeners {
		p.WaitFor("peer_left", 1, 15*time.Second)
	}
	took := time.Since(start)
	for _, p := range listeners {
		if code := p.Stop(); code != 0 {
			t.Errorf("%s exited %d: %s", p.Name, code, p.Stderr())
		}
	}
	for _, p := range listeners {
		var got []string
		for _, m := range p.Events("message") {
			if m["from"] == "Sender" {
				got = append(got, m["text"].(string))
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s printed %d messages; want %d (lost events: %v)", p.Name, len(got), len(want), p.Events("lost"))
			continue
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: message %d is %.40q; want %.40q", p.Name, i+1, got[i], want[i])
				break
			}
		}
		if lost := p.Events("lost"); len(lost) > 0 {
			t.Errorf("%s declared loss: %v", p.Name, lost)
		}
		joined, left := 0, 0
		for _, e := range p.Events("peer_joined") {
			if e["from"] == "Sender" {
				joined++
			}
		}
		for _, e := range p.Events("peer_left") {
			if e["from"] == "Sender" {
				left++
			}
		}
		if joined != 1 || left != 1 {
			t.Errorf("%s: peer_joined %d, peer_left %d for the sender; want 1 and 1", p.Name, joined, left)
		}
	}
	total := 0
	for i, d := range dropped {
		n := d()
		if n == 0 {
			t.Errorf("host %d dropped nothing: the loss did not happen", i+1)
		}
		total += n
	}
	t.Logf("1 001 messages to 5 listeners through 10%% loss on 6 hosts in %v; nft dropped %d datagrams in all", took.Round(time.Millisecond), total)
}
