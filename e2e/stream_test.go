package e2e

import (
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/groupcast/groupcast/internal/bench"
)

// TestLabChatStream: a chat on one lab host pipes 50 000 lines from its
// standard input to a listen -json on another; every line arrives, in
// order, once, and the listener's memory stays flat while they stream
// (no per-message growth in headless mode).
func TestLabChatStream(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	const lines = 50000
	const group = "239.255.6.6:6666"
	lab, bin, rx := streamLab(t, group)
	idle := rx.RSS()
	drops0 := udpRcvbufErrors(lab, lab.Hosts[1])

	chat := lab.Command(lab.Hosts[0], bin, "chat", "-group", group, "-name", "Streamer", "-json")
	chat.Stdin = strings.NewReader(numberedLines(lines))

	// The listener's resident memory, sampled against messages received.
	type sample struct {
		got int
		rss int64
	}
	var (
		mu      sync.Mutex
		samples []sample
		stop    = make(chan struct{})
		sampled = make(chan struct{})
	)
	go func() {
		defer close(sampled)
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			s := sample{got: len(rx.Events("message")), rss: rx.RSS()}
			mu.Lock()
			samples = append(samples, s)
			mu.Unlock()
		}
	}()

	start := time.Now()
	sender := Start(t, "chat", chat)
	rx.WaitFor("message", lines, 120*time.Second)
	took := time.Since(start)
	rx.WaitFor("peer_left", 1, 20*time.Second)
	close(stop)
	<-sampled
	select {
	case <-sender.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("chat did not exit after its input ended; stderr: %s", sender.Stderr())
	}
	if sender.code != 0 {
		t.Fatalf("chat exited %d: %s", sender.code, sender.Stderr())
	}
	if code := rx.Stop(); code != 0 {
		t.Errorf("listen exited %d: %s", code, rx.Stderr())
	}

	msgs := rx.Events("message")
	if len(msgs) != lines {
		t.Fatalf("listener printed %d messages; want %d (lost: %v)", len(msgs), lines, rx.Events("lost"))
	}
	for i, m := range msgs {
		want := fmt.Sprintf("line %05d — ", i+1)
		if text, _ := m["text"].(string); !strings.HasPrefix(text, want) || m["from"] != "Streamer" {
			t.Fatalf("message %d is %v; want %q… from Streamer", i+1, m, want)
		}
	}
	if lost := rx.Events("lost"); len(lost) > 0 {
		t.Errorf("listener declared loss: %v", lost)
	}

	// Memory: once the queues and windows are at their working size
	// (half way) the resident size may not keep growing with the messages.
	// The engine's own heap is checked per message, more finely, by
	// netconf's TestHeapDoesNotGrowWithMessages.
	mu.Lock()
	defer mu.Unlock()
	var early, peak int64
	for _, s := range samples {
		if early == 0 && s.got >= lines/2 {
			early = s.rss
		}
		peak = max(peak, s.rss)
	}
	last := samples[len(samples)-1]
	var trace []string
	next := 0
	for _, s := range samples {
		if s.got >= next {
			trace = append(trace, fmt.Sprintf("%d:%.1f", s.got, mb(s.rss)))
			next = s.got + lines/10
		}
	}
	t.Logf("listener RSS (messages:MB): %s", strings.Join(trace, " "))
	t.Logf("%d lines in %v (%.0f msg/s); listener RSS idle %.1f MB, at %d messages %.1f MB, at %d %.1f MB, peak %.1f MB; kernel receive-buffer drops on its host: %d",
		lines, took.Round(time.Millisecond), float64(lines)/took.Seconds(), mb(idle), lines/2, mb(early), last.got, mb(last.rss), mb(peak),
		udpRcvbufErrors(lab, lab.Hosts[1])-drops0)
	if early == 0 {
		t.Fatalf("no memory sample after %d messages: %v", lines/2, samples)
	}
	if growth := last.rss - early; growth > 8<<20 {
		t.Errorf("listener grew %.1f MB between %d and %d messages: memory grows with messages", mb(growth), lines/2, last.got)
	}
	if peak > 150<<20 {
		t.Errorf("listener peaked at %.1f MB", mb(peak))
	}
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

// udpRcvbufErrors reads the count of UDP datagrams host's kernel dropped
// for a full receive buffer.
func udpRcvbufErrors(lab *Lab, host string) int64 {
	_, out, _ := lab.Run(host, "cat", "/proc/net/snmp")
	return int64(bench.UDPRcvbufErrors(out))
}

// TestLabStalledListenerCatchesUp: a listener stopped for 1.5 s while a
// chat streams 50 000 lines at it (a PC frozen for a moment) loses tens
// of thousands of datagrams in its kernel; once it runs again it asks for
// them and gets every line, in order, once, while the sender lingers.
func TestLabStalledListenerCatchesUp(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	const lines = 50000
	const group = "239.255.6.7:6667"
	lab, bin, rx := streamLab(t, group)
	drops0 := udpRcvbufErrors(lab, lab.Hosts[1])
	chat := lab.Command(lab.Hosts[0], bin, "chat", "-group", group, "-name", "Streamer", "-json")
	chat.Stdin = strings.NewReader(numberedLines(lines))
	start := time.Now()
	tx := Start(t, "chat", chat)
	defer func() {
		if t.Failed() {
			t.Logf("chat: %s", tx.summary())
		}
	}()
	rx.WaitFor("message", 5000, 30*time.Second)
	_ = rx.cmd.Process.Signal(syscall.SIGSTOP)
	time.Sleep(1500 * time.Millisecond)
	_ = rx.cmd.Process.Signal(syscall.SIGCONT)
	rx.WaitFor("message", lines, 60*time.Second)
	took := time.Since(start)
	time.Sleep(500 * time.Millisecond) // room for a duplicate
	msgs := rx.Events("message")
	for i, m := range msgs {
		if want := fmt.Sprintf("line %05d — ", i+1); !strings.HasPrefix(m["text"].(string), want) {
			t.Fatalf("message %d is %v; want %q…", i+1, m["text"], want)
		}
	}
	drops := udpRcvbufErrors(lab, lab.Hosts[1]) - drops0
	if len(msgs) != lines || len(rx.Events("lost")) > 0 || drops == 0 {
		t.Fatalf("%d messages, lost %v, %d kernel drops", len(msgs), rx.Events("lost"), drops)
	}
	t.Logf("a listener stopped 1.5 s mid-stream: %d datagrams dropped by its kernel, all %d lines shown once, in order, after %v", drops, lines, took.Round(time.Millisecond))
	if code := rx.Stop(); code != 0 {
		t.Errorf("listen exited %d", code)
	}
}
