package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/rooms"
)

// roomWatch is the rooms.Watch of the room -room names, for listen, send
// and chat as a student: the command waits for the room, then (listen,
// chat) follows it when its presenter moves it to another group.
type roomWatch struct {
	mu     sync.Mutex
	queue  []rooms.WatchEvent // Waiting, Found, Ignored, in order (Ignored: at most rooms.MaxKnown)
	moved  *netconf.Room      // the latest move not yet followed
	notify chan struct{}      // something was reported (one slot)
	over   chan struct{}      // closed when Run has returned err
	cancel context.CancelFunc
	err    error
}

// startRoomWatch runs w until stop.
func startRoomWatch(ctx context.Context, w rooms.Watch) *roomWatch {
	ctx, cancel := context.WithCancel(ctx)
	rw := &roomWatch{notify: make(chan struct{}, 1), over: make(chan struct{}), cancel: cancel}
	go func() {
		err := w.Run(ctx, rw.report)
		rw.mu.Lock()
		rw.err = err
		rw.mu.Unlock()
		close(rw.over)
	}()
	return rw
}

// report is the watch's callback: it queues and never blocks.
func (rw *roomWatch) report(ev rooms.WatchEvent) {
	rw.mu.Lock()
	if ev.Kind == rooms.Moved {
		rw.moved = &ev.Room
	} else {
		rw.queue = append(rw.queue, ev)
	}
	rw.mu.Unlock()
	select {
	case rw.notify <- struct{}{}:
	default:
	}
}

// news is what was reported since it was last asked.
func (rw *roomWatch) news() (evs []rooms.WatchEvent, moved *netconf.Room) {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	evs, moved = rw.queue, rw.moved
	rw.queue, rw.moved = nil, nil
	return evs, moved
}

// notified is the channel that says there is news (nil without a watch:
// a select never takes it).
func (rw *roomWatch) notified() <-chan struct{} {
	if rw == nil {
		return nil
	}
	return rw.notify
}

// stop ends the watch and waits for it; it returns why it ended on its
// own (an AmbiguousError), if it did.
func (rw *roomWatch) stop() error {
	if rw == nil {
		return nil
	}
	rw.cancel()
	<-rw.over
	rw.mu.Lock()
	defer rw.mu.Unlock()
	return rw.err
}

// errInterrupted is waiting for the room ended by Ctrl-C: not a failure.
var errInterrupted = errors.New("interrupted while waiting for the room")

// WaitExpiredError is -room-wait passing before the room was announced:
// exit status 1 (the network did not give it), not 2.
type WaitExpiredError struct{ Err *rooms.NotFoundError }

func (e *WaitExpiredError) Error() string {
	return e.Err.Error() + " (groupcast rooms lists the rooms heard)"
}

// roomWaitError is waiting for the room failing on the network's side:
// exit status 1.
type roomWaitError struct{ err error }

func (e *roomWaitError) Error() string { return "wait for the room: " + e.err.Error() }
func (e *roomWaitError) Unwrap() error { return e.err }

// waitForRoom waits for the room -room names (with -room-key, only the
// one with that presenter key), saying once that it waits, until it is
// announced, -room-wait passes (when given) or ctx ends. The watch goes
// on in o.watch, to follow the room.
func (o *options) waitForRoom(ctx context.Context) (netconf.Room, error) {
	w := rooms.Watch{Discover: o.discover(), Iface: o.iface, Name: o.room, Pin: o.roomKey}
	rw := startRoomWatch(ctx, w)
	o.watch = rw
	var expire <-chan time.Time
	if o.roomWait > 0 {
		t := time.NewTimer(o.roomWait)
		defer t.Stop()
		expire = t.C
	}
	var ignored []netconf.Room
	for {
		select {
		case <-ctx.Done():
			return netconf.Room{}, errInterrupted
		case <-expire:
			return netconf.Room{}, &WaitExpiredError{&rooms.NotFoundError{Name: o.room, Wait: o.roomWait, Pin: o.roomKey, Ignored: ignored}}
		case <-rw.notified():
			evs, _ := rw.news()
			for _, ev := range evs {
				switch ev.Kind {
				case rooms.Found:
					return ev.Room, nil
				case rooms.Waiting:
					o.say.waiting(o.room, o.roomKey, ev.Err)
				case rooms.Ignored:
					ignored = append(ignored, ev.Room)
					o.say.ignored(ev.Room)
				}
			}
		case <-rw.over:
			err := rw.stop()
			var amb *rooms.AmbiguousError
			if errors.As(err, &amb) {
				return netconf.Room{}, &netconf.InputError{Field: "room", Msg: amb.Error() + " (groupcast rooms lists each with its key)"}
			}
			return netconf.Room{}, &roomWaitError{err}
		}
	}
}

// discover is how -room hears rooms: on this network, and through the
// NATS server -nats names.
func (o *options) discover() rooms.DiscoverFunc {
	if o.discoverRooms != nil {
		return o.discoverRooms
	}
	return rooms.DiscoverThrough(o.nats)
}

// roomSay says what becomes of the room looked for, before the session's
// printer exists: a sentence on standard error, and with -json an event
// on standard output too.
type roomSay struct {
	stderr io.Writer
	json   *json.Encoder // nil without -json
}

func newRoomSay(stdio IO, asJSON bool) roomSay {
	s := roomSay{stderr: stdio.Stderr}
	if asJSON {
		s.json = json.NewEncoder(stdio.Stdout)
		s.json.SetEscapeHTML(false)
	}
	return s
}

// jsonWaiting is the event of a command that waits for its room.
type jsonWaiting struct {
	Event string `json:"event"` // "waiting"
	Room  string `json:"room"`
	Key   string `json:"presenter_key,omitempty"`
	Why   string `json:"why,omitempty"`
}

// waiting says that the room is not announced yet: "Waiting for
// Chemistry 9 (key UnBCjYoAXQE) to start…".
func (s roomSay) waiting(name, pin string, why error) {
	who := name
	if pin != "" {
		who += " (key " + pin + ")"
	}
	line := fmt.Sprintf("Waiting for %s to start…", who)
	j := jsonWaiting{Event: "waiting", Room: name, Key: pin}
	if why != nil {
		j.Why = oneLine(netconf.Explain(why))
		line = fmt.Sprintf("Waiting for %s to start (%s; trying again)…", who, j.Why)
	}
	if s.stderr != nil {
		fmt.Fprintln(s.stderr, line)
	}
	if s.json != nil {
		_ = s.json.Encode(j)
	}
}

// ignored warns of a room of the name announced with another key than
// the one -room-key names.
func (s roomSay) ignored(r netconf.Room) {
	if s.stderr != nil {
		fmt.Fprintln(s.stderr, ignoredLine(r))
	}
}

func ignoredLine(r netconf.Room) string {
	return fmt.Sprintf("warning: ignored %s: not the presenter key -room-key names (it may be an impostor)", rooms.Describe(r))
}
