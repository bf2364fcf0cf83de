package cli

import (
	"context"
	"errors"
	"time"

	"github.com/groupcast/groupcast/netconf"
)

// leaveTimeout bounds how long a command waits for the engine to confirm
// it left: lingering (netconf.Timing.LingerMax, 15 s) plus a margin.
const leaveTimeout = 25 * time.Second

// session drives one engine membership for a headless command.
type session struct {
	e        *netconf.Engine
	out      *printer
	status   int
	joined   netconf.Joined
	badInput bool      // some input could not be sent (chat goes on; exit 2 at the end)
	hist     *recorder // -history: what is shown is kept first
	// The room -room names, followed when it moves (follow.go); cfg is
	// what the membership was joined with.
	watch *roomWatch
	cfg   netconf.Config
}

// join waits for the membership or its failure.
func (s *session) join(ctx context.Context, cfg netconf.Config) bool {
	s.cfg = cfg
	s.e.Do(netconf.Join{Config: cfg})
	for {
		select {
		case <-ctx.Done():
			s.status = ExitOK
			return false
		case ev := <-s.e.Events():
			s.print(ev)
			switch ev := ev.(type) {
			case netconf.Joined:
				s.joined = ev
				return true
			case netconf.Error:
				s.status = ExitFailure
				if netconf.IsInputError(ev.Err) {
					s.status = ExitUsage
				}
				return false
			}
		}
	}
}

// print prints ev, flushing standard output unless another event is
// already waiting.
func (s *session) print(ev netconf.Event) {
	if s.hist != nil {
		s.printKept(ev)
		return
	}
	s.out.event(ev)
	if len(s.e.Events()) == 0 {
		s.out.flush()
	}
}

// handle prints ev and reports whether the membership has ended.
func (s *session) handle(ev netconf.Event) (ended bool) {
	s.print(ev)
	if l, ok := ev.(netconf.Left); ok {
		if l.Err != nil {
			s.status = ExitFailure
		}
		return true
	}
	return false
}

// await handles events until the membership ends or over says the
// command is done with ev; interrupted (ctx), it leaves at once.
func (s *session) await(ctx context.Context, over func(ev netconf.Event) bool) {
	for {
		select {
		case <-ctx.Done():
			s.leave(false)
			return
		case ev := <-s.e.Events():
			if s.handle(ev) || over(ev) {
				return
			}
		case <-s.watch.notified():
			if s.roomNews(ctx) {
				return
			}
		}
	}
}

// listen prints what comes until interrupted or the membership ends.
func (s *session) listen(ctx context.Context) {
	s.await(ctx, func(netconf.Event) bool { return false })
}

// send sends c and leaves once it is sent, lingering to answer repair
// requests until the group is quiet.
func (s *session) send(ctx context.Context, c netconf.Send) {
	s.e.Do(c)
	s.await(ctx, func(ev netconf.Event) bool {
		switch ev := ev.(type) {
		case netconf.Sent:
			s.leave(true)
			return true
		case netconf.Error:
			if ev.Op == "send" {
				s.status = ExitFailure
				s.leave(true)
				return true
			}
		}
		return false
	})
}

// leave asks the engine to leave (lingering, or at once) and prints
// events until it has.
func (s *session) leave(linger bool) {
	s.e.Do(netconf.Leave{Linger: linger})
	timeout := time.After(leaveTimeout)
	for {
		select {
		case ev, ok := <-s.e.Events():
			if !ok || s.handle(ev) {
				return
			}
		case <-timeout:
			s.out.problem("leave", errors.New("the engine did not confirm leaving in time"))
			s.status = ExitFailure
			return
		}
	}
}
