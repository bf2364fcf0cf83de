package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/groupcast/groupcast/netconf"
)

// printer writes events: one JSON object per line with -json, otherwise
// lines for people (messages on stdout, status on stderr). Standard output
// is buffered: a burst of messages costs a few writes instead of one per
// line. The session flushes whenever no further event is waiting, so
// nothing sits in the buffer while the group is quiet, and anything
// written to standard error flushes standard output first, keeping the
// two in order on a terminal.
type printer struct {
	out    *bufio.Writer
	stdout io.Writer // out
	stderr io.Writer // flushes out, then writes
	json   *json.Encoder
	echo   bool // text mode: also show our own messages (chat)
	// A file's progress line on a terminal (files.go).
	tty           bool
	progressID    string
	progressStart time.Time
	progressFrom  int64
	progressShown bool
}

func newPrinter(stdio IO, asJSON, echo bool) *printer {
	out := bufio.NewWriterSize(stdio.Stdout, 64<<10)
	p := &printer{out: out, stdout: out, stderr: flushFirst{out, stdio.Stderr}, echo: echo}
	if asJSON {
		p.json = json.NewEncoder(out)
		p.json.SetEscapeHTML(false)
	}
	return p
}

// flush writes out what is buffered for standard output.
func (p *printer) flush() { _ = p.out.Flush() } // stdout gone (a closed pipe): nothing better to do

// flushFirst is standard error behind a buffered standard output.
type flushFirst struct {
	out *bufio.Writer
	w   io.Writer
}

func (f flushFirst) Write(b []byte) (int, error) {
	_ = f.out.Flush()
	return f.w.Write(b)
}

func (p *printer) event(ev netconf.Event) {
	if p.json != nil {
		p.jsonEvent(ev)
		return
	}
	if p.fileText(ev) {
		return
	}
	p.endProgress()
	switch ev := ev.(type) {
	case netconf.Joined:
		p.joined(ev)
	case netconf.Message:
		p.line(ev.Sent, messageFrom(ev), ev.Text)
	case netconf.Sent:
		if p.echo {
			from := ev.Nick
			if ev.Announcement {
				from = "📢 " + from
			}
			p.line(ev.Time, from, ev.Text)
		}
	case netconf.Left:
		if ev.Err != nil {
			fmt.Fprintf(p.stderr, "left %s: %s\n", ev.Group, netconf.Explain(ev.Err))
		} else {
			fmt.Fprintf(p.stderr, "left %s\n", ev.Group)
		}
	case netconf.Error:
		fmt.Fprintf(p.stderr, "groupcast: %s\n", oneLine(netconf.Explain(ev.Err)))
	case netconf.PeerJoined:
		fmt.Fprintf(p.stderr, "* %s (%s) joined\n", ev.Peer.Nick, hostOf(ev.Peer))
	case netconf.PeerLeft:
		fmt.Fprintf(p.stderr, "* %s (%s) %s\n", ev.Peer.Nick, hostOf(ev.Peer), peerLeftHow(ev))
	case netconf.Lost:
		fmt.Fprintf(p.stdout, "%s ⚠ %s\n", time.Now().Format("15:04:05"), ev.Sentence())
	case netconf.Unreadable:
		fmt.Fprintf(p.stderr, "warning: %s\n", ev.Sentence())
	case netconf.InterfaceChanged:
		if ev.Up {
			fmt.Fprintf(p.stderr, "* %s\n", ev.Sentence())
		} else {
			fmt.Fprintf(p.stderr, "warning: %s\n", ev.Sentence())
		}
	case netconf.Receipt:
		fmt.Fprintf(p.stderr, "* announcement %d: %d of %s received\n", receiptNumber(ev), ev.Received, pcs(ev.Members, ev.People))
	}
}

// joined says on standard error which group was joined, where and how,
// and any warnings.
func (p *printer) joined(ev netconf.Joined) {
	how := ""
	if ev.Interface.Automatic {
		how = " (automatic: " + ev.Interface.Reason + ")"
	}
	private := ""
	if ev.Keyed {
		private = " (private: passphrase)"
	}
	if ev.Plain {
		private = " (sending plain " + ev.Encoding + " text: no names, no repair, no privacy)"
	}
	if ev.NATS != "" {
		fmt.Fprintf(p.stderr, "joined %s%s through the NATS server at %s, as %s\n", ev.Group, private, ev.NATS, ev.Nick)
	} else {
		fmt.Fprintf(p.stderr, "joined %s%s on %s%s, TTL %d, as %s\n", ev.Group, private, ev.Interface.Label(), how, ev.TTL, ev.Nick)
	}
	for _, w := range ev.Warnings {
		fmt.Fprintf(p.stderr, "warning: %s\n", w)
	}
}

// messageFrom is how a message's sender is shown: its nickname, marked
// when the message is plain text, a presenter's announcement, or the
// presenter's message (signed by the room's key, not an announcement).
func messageFrom(ev netconf.Message) string {
	from := ev.From
	if ev.Plain {
		from += " (plain " + ev.Encoding + ")"
	}
	switch {
	case ev.Announcement:
		from = "📢 " + from
	case ev.Presenter:
		from += " (presenter)"
	}
	if ev.Presenter && ev.Earlier {
		from += " (earlier)"
	}
	return from
}

// receiptNumber is what a receipt calls its announcement: its number
// among the presenter's announcements (its seq from an engine that did
// not number them).
func receiptNumber(ev netconf.Receipt) uint64 {
	if ev.Number > 0 {
		return uint64(ev.Number)
	}
	return ev.Seq
}

// peerLeftHow says how a member left, for people.
func peerLeftHow(ev netconf.PeerLeft) string {
	switch {
	case ev.Timeout:
		return "went silent and is taken to have left"
	case ev.Evicted:
		return "never said anything and was dropped from the full member list"
	case ev.Peer.Presenter:
		return "left: the presenter has gone, the room has ended"
	}
	return "left"
}

// problem reports a failure of the command itself (not of the engine).
func (p *printer) problem(op string, err error) {
	if p.json != nil {
		_ = p.json.Encode(jsonError{Event: "error", Op: op, Error: op + ": " + oneLine(netconf.Explain(err)), Input: netconf.IsInputError(err)})
		p.flush()
		return
	}
	fmt.Fprintf(p.stderr, "groupcast: %s: %s\n", op, oneLine(netconf.Explain(err)))
}

// line prints "15:04:05 Alice: text", continuation lines indented, with
// control characters made visible so a message cannot drive the terminal.
func (p *printer) line(t time.Time, from, text string) {
	prefix := fmt.Sprintf("%s %s: ", t.Local().Format("15:04:05"), from)
	indent := strings.Repeat(" ", len(t.Local().Format("15:04:05"))+1)
	for i, l := range strings.Split(text, "\n") {
		if i == 0 {
			fmt.Fprintf(p.stdout, "%s%s\n", prefix, printable(l))
		} else {
			fmt.Fprintf(p.stdout, "%s%s\n", indent, printable(l))
		}
	}
}

func printable(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t':
			return r
		case unicode.IsControl(r):
			return '\uFFFD'
		}
		return r
	}, s)
}

func hostOf(p netconf.Peer) string {
	if p.Host.IsValid() {
		return netconf.HostName(p.Host)
	}
	return ""
}

// pcs is "5 PCs", or "5 PCs (7 people)" when some run more than one
// member: what announcements' and files' receipts count.
func pcs(computers, people int) string {
	s := fmt.Sprintf("%d PCs", computers)
	if computers == 1 {
		s = "1 PC"
	}
	if people > computers {
		s += fmt.Sprintf(" (%d people)", people)
	}
	return s
}
