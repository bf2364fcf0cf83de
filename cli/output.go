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

// JSON event shapes. Field names are a stable interface for scripts.
type (
	jsonJoined struct {
		Event     string   `json:"event"`
		Group     string   `json:"group"`
		Iface     string   `json:"iface"`
		Addr      string   `json:"addr,omitempty"`
		NATS      string   `json:"nats,omitempty"`
		Automatic bool     `json:"automatic"`
		TTL       int      `json:"ttl"`
		Loopback  bool     `json:"loopback"`
		Name      string   `json:"name"`
		Sender    string   `json:"sender"`
		Warnings  []string `json:"warnings,omitempty"`
		Private   bool     `json:"private"`
		Plain     bool     `json:"plain,omitempty"`
		Encoding  string   `json:"encoding,omitempty"`
		Time      string   `json:"time"`
	}
	jsonUnreadable struct {
		Event  string `json:"event"`
		Reason string `json:"reason"`
		Count  uint64 `json:"count"`
		Text   string `json:"text"`
	}
	jsonMessage struct {
		Event    string `json:"event"`
		From     string `json:"from"`
		Text     string `json:"text"`
		Sender   string `json:"sender"`
		Seq      uint64 `json:"seq"`
		Time     string `json:"time"`
		Received string `json:"received"`
		Source   string `json:"source"`
		Plain    bool   `json:"plain,omitempty"`
		Encoding string `json:"encoding,omitempty"`
		Announce bool   `json:"announcement,omitempty"`
		Earlier  bool   `json:"earlier,omitempty"`
		// CaughtUp: re-sent from another member's history (Source) for
		// us, who were not there.
		CaughtUp bool `json:"caught_up,omitempty"`
	}
	jsonReceipt struct {
		Event    string   `json:"event"`
		Seq      uint64   `json:"seq"`
		Received int      `json:"received"`
		Members  int      `json:"members"`
		Missing  []string `json:"missing"`
	}
	jsonSent struct {
		Event string `json:"event"`
		From  string `json:"from"`
		Text  string `json:"text"`
		Seq   uint64 `json:"seq"`
		Time  string `json:"time"`
		Plain bool   `json:"plain,omitempty"`
	}
	jsonLeft struct {
		Event  string `json:"event"`
		Group  string `json:"group"`
		Reason string `json:"reason,omitempty"`
		Time   string `json:"time"`
	}
	jsonError struct {
		Event string `json:"event"`
		Op    string `json:"op"`
		Error string `json:"error"`
		Input bool   `json:"input"`
	}
	jsonPeer struct {
		Event  string `json:"event"`
		From   string `json:"from"`
		Sender string `json:"sender"`
		Host   string `json:"host,omitempty"`
		// Via: "bridge" (another network) or "nats" (joined through
		// NATS); absent for a member on this network.
		Via    string `json:"via,omitempty"`
		Reason string `json:"reason,omitempty"`
		// Presenter: the room's presenter, proven by its key; its leaving
		// ends the room.
		Presenter bool   `json:"presenter,omitempty"`
		Time      string `json:"time"`
	}
	jsonInterface struct {
		Event string `json:"event"`
		Iface string `json:"iface"`
		Up    bool   `json:"up"`
		Gone  bool   `json:"gone,omitempty"`
		Text  string `json:"text"`
		Time  string `json:"time"`
	}
	jsonLost struct {
		Event  string `json:"event"`
		From   string `json:"from"`
		Sender string `json:"sender"`
		First  uint64 `json:"first"`
		Last   uint64 `json:"last"`
		Count  uint64 `json:"count"`
		Time   string `json:"time"`
	}
)

func stamp(t time.Time) string { return t.Format(time.RFC3339Nano) }

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
			p.line(ev.Time, ev.Nick, ev.Text)
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
		fmt.Fprintf(p.stderr, "* announcement %d: %d of %d received\n", ev.Seq, ev.Received, ev.Members)
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
// when the message is plain text or a presenter's announcement.
func messageFrom(ev netconf.Message) string {
	from := ev.From
	if ev.Plain {
		from += " (plain " + ev.Encoding + ")"
	}
	if ev.Announcement {
		from = "📢 " + from
		if ev.Earlier {
			from += " (earlier)"
		}
	}
	return from
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

func (p *printer) jsonEvent(ev netconf.Event) {
	var v any
	switch ev := ev.(type) {
	case netconf.Joined:
		v = toJSONJoined(ev)
	case netconf.Message:
		v = toJSONMessage(ev)
	case netconf.Sent:
		v = jsonSent{Event: "sent", From: ev.Nick, Text: ev.Text, Seq: ev.Seq, Time: stamp(ev.Time), Plain: ev.Plain}
	case netconf.Left:
		l := jsonLeft{Event: "left", Group: ev.Group.String(), Time: stamp(time.Now())}
		if ev.Err != nil {
			l.Reason = netconf.Explain(ev.Err)
		}
		v = l
	case netconf.Error:
		v = jsonError{Event: "error", Op: ev.Op, Error: netconf.Explain(ev.Err), Input: netconf.IsInputError(ev.Err)}
	case netconf.PeerJoined:
		host, via := jsonHost(ev.Peer)
		v = jsonPeer{Event: "peer_joined", From: ev.Peer.Nick, Sender: ev.Peer.ID.String(), Host: host, Via: via, Time: stamp(time.Now())}
	case netconf.PeerLeft:
		host, via := jsonHost(ev.Peer)
		v = jsonPeer{Event: "peer_left", From: ev.Peer.Nick, Sender: ev.Peer.ID.String(), Host: host, Via: via, Reason: peerLeftReason(ev),
			Presenter: ev.Peer.Presenter, Time: stamp(time.Now())}
	case netconf.Receipt:
		v = toJSONReceipt(ev)
	case netconf.Unreadable:
		v = jsonUnreadable{Event: "unreadable", Reason: string(ev.Reason), Count: ev.Count, Text: ev.Sentence()}
	case netconf.InterfaceChanged:
		v = jsonInterface{Event: "interface", Iface: ev.Name, Up: ev.Up, Gone: ev.Gone, Text: ev.Sentence(), Time: stamp(time.Now())}
	case netconf.Lost:
		v = jsonLost{Event: "lost", From: ev.Peer.Nick, Sender: ev.Peer.ID.String(), First: ev.First, Last: ev.Last, Count: ev.Count(), Time: stamp(time.Now())}
	default:
		if v = fileJSON(ev); v == nil {
			return
		}
	}
	_ = p.json.Encode(v) // stdout gone (a closed pipe): nothing better to do
}

func toJSONJoined(ev netconf.Joined) jsonJoined {
	j := jsonJoined{
		Event: "joined", Group: ev.Group.String(), Iface: ev.Interface.Name,
		Automatic: ev.Interface.Automatic, TTL: ev.TTL, Loopback: ev.Loopback,
		Name: ev.Nick, Sender: ev.Sender.String(), Warnings: ev.Warnings, Private: ev.Keyed, Plain: ev.Plain, Encoding: ev.Encoding, NATS: ev.NATS, Time: stamp(time.Now()),
	}
	if a := ev.Interface.Addr(); a.IsValid() {
		j.Addr = a.String()
	}
	return j
}

func toJSONMessage(ev netconf.Message) jsonMessage {
	j := jsonMessage{
		Event: "message", From: ev.From, Text: ev.Text, Sender: ev.Sender.String(), Seq: ev.Seq,
		Time: stamp(ev.Sent), Received: stamp(ev.Received), Source: ev.Source.String(),
		Plain: ev.Plain, Encoding: ev.Encoding, Announce: ev.Announcement, Earlier: ev.Earlier,
		CaughtUp: ev.CaughtUp,
	}
	if ev.Plain {
		j.Sender = "" // plain text has no sender id
	}
	return j
}

// peerLeftReason says how a member left, for scripts.
func peerLeftReason(ev netconf.PeerLeft) string {
	switch {
	case ev.Timeout:
		return "timeout"
	case ev.Evicted:
		return "evicted"
	}
	return "left"
}

func toJSONReceipt(ev netconf.Receipt) jsonReceipt {
	missing := []string{} // [] rather than null when nobody is missing
	for _, p := range ev.Missing {
		missing = append(missing, p.Nick+" ("+hostOf(p)+")")
	}
	return jsonReceipt{Event: "receipt", Seq: ev.Seq, Received: ev.Received, Members: ev.Members, Missing: missing}
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

// jsonHost is a member's address on its own network, and how it is
// reached when not on ours.
func jsonHost(p netconf.Peer) (host, via string) {
	if !p.Host.IsValid() {
		return "", ""
	}
	switch r, h := netconf.ReachOf(p.Host); r {
	case netconf.ReachBridge:
		return h.String(), "bridge"
	case netconf.ReachNATS:
		return "", "nats"
	}
	return p.Host.String(), ""
}
