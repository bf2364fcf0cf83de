package netconf

import (
	"crypto/rand"
	"errors"

	"github.com/groupcast/groupcast/netconf/internal/link"
	"github.com/groupcast/groupcast/netconf/internal/mcast"
	"github.com/groupcast/groupcast/netconf/internal/natsnet"
	"github.com/groupcast/groupcast/netconf/wire"
)

// A membership begins (join) and ends (leaveNow, finish, lingering).

func (e *Engine) join(cfg Config) {
	e.leaveNow(nil, true)
	var (
		choice   Choice
		warnings []string
		err      error
	)
	if e.transport != nil {
		err = cfg.checkValues()
	} else {
		choice, warnings, err = cfg.Check()
	}
	if err != nil {
		e.queue.Push(Error{Op: "join", Err: err})
		return
	}
	key, err := deriveKey(cfg)
	if err != nil {
		e.queue.Push(Error{Op: "join", Err: err})
		return
	}
	tr, err := e.openTransport(cfg, choice)
	if err != nil {
		e.queue.Push(Error{Op: "join", Err: err})
		return
	}
	var self wire.SenderID
	for self.IsZero() {
		_, _ = rand.Read(self[:]) // crypto/rand.Read does not fail on supported platforms
	}
	m := e.newSession(cfg, tr, key, e.now(), self)
	m.budget.Relieve = e.relieveBudget
	e.m = m
	m.link.Attach(tr, e.rx, e.rxc)
	if e.lookupIface != nil && cfg.NATS.URL == "" {
		if choice.Name == "" {
			choice.Name = cfg.Interface // a test transport names its interface only in cfg
		}
		m.watch = mcast.NewWatch(choice, e.lookupIface)
	}
	e.queue.Push(Joined{
		Group: cfg.Group, Interface: choice, TTL: cfg.TTL, Loopback: cfg.Loopback,
		Nick: cfg.Nick, Sender: m.self, Warnings: warnings, DstCheck: isDstChecked(tr), Keyed: key != nil,
		Plain: cfg.Plain, Encoding: plainEncoding(cfg), NATS: cfg.NATS.Redacted(),
	})
	e.publishRoster()
}

// openTransport opens what carries a membership: the test transport, or
// the multicast sockets on choice.
func (e *Engine) openTransport(cfg Config, choice Choice) (Transport, error) {
	if e.transport != nil {
		return e.transport(cfg)
	}
	if cfg.NATS.URL != "" {
		m, err := natsnet.Open(cfg.NATS, cfg.Nick, cfg.Group)
		if err != nil {
			return nil, err // a network failure, or a server refusing: not the input's
		}
		return link.NATS{Member: m}, nil
	}
	c, err := mcast.Open(mcast.Options{Group: cfg.Group, Iface: choice, TTL: cfg.TTL, Loopback: cfg.Loopback,
		SendOnly: cfg.SendOnly, Companion: true, OtherGroup: &e.stats.OtherGroup, Rejected: &e.stats.Rejected})
	if err != nil {
		return nil, err
	}
	return link.Sockets{Conn: c}, nil
}

func plainEncoding(cfg Config) string {
	if !cfg.Plain {
		return ""
	}
	if cfg.Encoding == "" {
		return wire.EncodingUTF8
	}
	return cfg.Encoding
}

func isDstChecked(tr Transport) bool {
	d, ok := tr.(DstChecker)
	return ok && d.DstChecked()
}

// leaveNow ends the membership at once, announcing it with one LEAVE.
func (e *Engine) leaveNow(cause error, announce bool) {
	m := e.m
	if m == nil {
		return
	}
	if cause == nil {
		m.stream.WriteControl(wire.KindLeave, e.now())
	}
	e.finish(cause, announce)
}

// finish closes the membership and stops its reader.
func (e *Engine) finish(cause error, announce bool) {
	m := e.m
	e.m = nil
	m.close()
	if announce {
		e.queue.Push(Left{Group: m.cfg.Group, Err: cause})
	}
	e.publishRoster()
}

func (e *Engine) startLinger() {
	if e.m != nil {
		e.m.stream.Out.Linger(e.now())
	}
}

// ErrLeaving is returned when sending while the membership is ending.
var ErrLeaving = errors.New("leaving the group")
