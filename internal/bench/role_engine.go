package bench

import (
	"context"
	"runtime"
	"strings"
	"time"

	"github.com/groupcast/groupcast/netconf"
)

func labMember(o RoleOptions, nick string) (*netconf.Engine, error) {
	e, err := member(Options{Iface: o.Iface}, o.Group, nick, o.Passphrase)
	if err == nil && o.Joined != nil {
		o.Joined()
	}
	return e, err
}

func engineReceive(o RoleOptions, lines <-chan string, say func(roleReport)) error {
	e, err := labMember(o, "receiver")
	if err != nil {
		return err
	}
	defer e.Close()
	var t tally
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range e.Events() {
			switch ev := ev.(type) {
			case netconf.Message:
				t.received([]byte(ev.Text), time.Now().UnixNano())
			case netconf.Lost:
				t.addLost(ev.Count())
			}
		}
	}()
	t.serve(lines, say, func() roleReport {
		runtime.GC()
		heap := heapMB()
		e.Close()
		<-done
		return roleReport{HeapMB: heap}
	})
	return nil
}

func engineSend(ctx context.Context, o RoleOptions, lines <-chan string, say func(roleReport)) error {
	e, err := labMember(o, "sender")
	if err != nil {
		return err
	}
	defer e.Close()
	left := make(chan struct{})
	go func() {
		defer close(left)
		for ev := range e.Events() {
			if _, ok := ev.(netconf.Left); ok {
				return
			}
		}
	}()
	cpu0 := cpuTime() // after joining: key derivation is not per message
	say(roleReport{Ready: true})
	if !wait(lines, "go") {
		return nil
	}
	body := []byte(strings.Repeat("x", o.Size))
	text := string(body)
	if !sendScript(ctx, o, lines, say, func(sample bool) bool {
		if sample {
			return e.Do(netconf.Send{Text: string(stamp(o.Size, body))})
		}
		return e.Do(netconf.Send{Text: text})
	}) {
		return nil
	}
	repairs := e.Stats().RepairsOut
	e.Do(netconf.Leave{Linger: true})
	select {
	case <-left:
	case <-time.After(20 * time.Second):
	}
	say(roleReport{Final: true, CPUns: int64(cpuTime() - cpu0), Repairs: repairs})
	return nil
}
