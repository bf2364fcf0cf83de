package fileshare

import (
	"github.com/groupcast/groupcast/netconf/event"
	"github.com/groupcast/groupcast/netconf/wire"
)

// A file's blocks go out from a goroutine of their own, the pump: the
// loop encodes (and seals) a burst and hands it over, and goes back to
// chat, NACKs and presence while the system call sends it. A burst of 64
// blocks to a room takes the kernel a millisecond or more (on a virtual
// bridge it delivers to every member inside the call); a chat message
// typed meanwhile no longer waits for it.

// pumpBursts is how many bursts are in hand at once: one being sent, one
// being made.
const pumpBursts = 2

// burst is a burst of encoded (and, in a private group, sealed) blocks.
type burst struct {
	dgrams [][]byte
	enc    []byte // the datagrams, one after the other
	sealed []byte // their sealed forms, in a private group
}

// filePump sends the bursts of one membership's transport.
type filePump struct {
	todo chan *burst
	free chan *burst
	done chan struct{}
}

// startPump starts the pump of the transport that carries the membership
// now (Options.Link); its errors and counts go to the engine's stats,
// and it wakes the loop after each burst.
func (pt *Part) startPump() *filePump {
	p := &filePump{todo: make(chan *burst, pumpBursts), free: make(chan *burst, pumpBursts), done: make(chan struct{})}
	for range pumpBursts {
		p.free <- &burst{enc: make([]byte, 0, fileBurst*wire.MaxFileDatagram)}
	}
	tr, env := pt.opts.Link(), pt.env
	go func() {
		defer close(p.done)
		for b := range p.todo {
			if err := writeBurst(tr, b.dgrams); err != nil {
				event.Add(&env.Stats().SendErrors, 1)
			} else {
				event.Add(&env.Stats().ControlOut, uint64(len(b.dgrams)))
			}
			clear(b.dgrams)
			p.free <- b
			env.Wake() // the loop may send the next
		}
	}()
	return p
}

// writeBurst writes dgrams with one call when tr can.
func writeBurst(tr Writer, dgrams [][]byte) error {
	if bw, ok := tr.(BatchWriter); ok {
		return bw.WriteControlBatch(dgrams)
	}
	for _, d := range dgrams {
		if err := tr.WriteControl(d); err != nil {
			return err
		}
	}
	return nil
}

// take is an empty burst to fill, or nil while both are in hand.
func (p *filePump) take() *burst {
	select {
	case b := <-p.free:
		b.dgrams, b.enc = b.dgrams[:0], b.enc[:0]
		return b
	default:
		return nil
	}
}

// idle reports whether every burst handed over has been sent.
func (p *filePump) idle() bool { return len(p.free) == pumpBursts }

// stop ends the pump once what it was handed is sent, and waits for it.
func (p *filePump) stop() {
	close(p.todo)
	<-p.done
}
