package cli

import (
	"time"

	"github.com/groupcast/groupcast/netconf"
)

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
		// Presenter: signed by the room's presenter, an announcement or
		// its message.
		Presenter bool `json:"presenter,omitempty"`
		Earlier   bool `json:"earlier,omitempty"`
		// CaughtUp: re-sent from another member's history (Source) for
		// us, who were not there.
		CaughtUp bool `json:"caught_up,omitempty"`
	}
	jsonReceipt struct {
		Event    string   `json:"event"`
		Seq      uint64   `json:"seq"`
		Number   int      `json:"number"`   // the announcement's number: 1 for the first
		Received int      `json:"received"` // computers
		Members  int      `json:"members"`  // computers
		People   int      `json:"people"`   // members on them
		Missing  []string `json:"missing"`
		Have     []string `json:"have"`
	}
	jsonSent struct {
		Event     string `json:"event"`
		From      string `json:"from"`
		Text      string `json:"text"`
		Seq       uint64 `json:"seq"`
		Time      string `json:"time"`
		Plain     bool   `json:"plain,omitempty"`
		Announce  bool   `json:"announcement,omitempty"`
		Presenter bool   `json:"presenter,omitempty"`
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
func (p *printer) jsonEvent(ev netconf.Event) {
	var v any
	switch ev := ev.(type) {
	case netconf.Joined:
		v = toJSONJoined(ev)
	case netconf.Message:
		v = toJSONMessage(ev)
	case netconf.Sent:
		v = jsonSent{Event: "sent", From: ev.Nick, Text: ev.Text, Seq: ev.Seq, Time: stamp(ev.Time), Plain: ev.Plain,
			Announce: ev.Announcement, Presenter: ev.Presenter}
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
		Plain: ev.Plain, Encoding: ev.Encoding, Announce: ev.Announcement, Presenter: ev.Presenter, Earlier: ev.Earlier,
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
	have := []string{}
	for _, p := range ev.Have {
		have = append(have, p.Nick+" ("+hostOf(p)+")")
	}
	return jsonReceipt{Event: "receipt", Seq: ev.Seq, Number: int(receiptNumber(ev)), Received: ev.Received, Members: ev.Members, People: ev.People, Missing: missing, Have: have}
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
