package mcast

import (
	"errors"
	"syscall"

	"github.com/groupcast/groupcast/netconf/words"
)

var (
	wAddrInUse    = words.Define("Could not {{.Op}}: the port is already in use by a program that does not share it; close that program or choose another port.")
	wAccess       = words.Define("Could not {{.Op}}: permission denied; a firewall or security policy may be blocking this program, or the port needs administrator rights.")
	wNoDevice     = words.Define("Could not {{.Op}}: the network interface is gone (unplugged or disabled); choose another interface and join again.")
	wNetUnreach   = words.Define("Could not {{.Op}}: there is no route for multicast on this interface; check the network cable or Wi-Fi, or choose another interface.")
	wAddrNotAvail = words.Define("Could not {{.Op}}: the interface cannot join multicast groups (it may have no IPv4 address); choose another interface.")
	wNetDown      = words.Define("Could not {{.Op}}: the network is down; check the cable or Wi-Fi.")
	wNoBufs       = words.Define("Could not {{.Op}}: the system ran out of buffers or too many groups are joined; close other multicast programs and try again.")
	wCouldNot     = words.Define("Could not {{.Op}}: {{.Why}}.")
)

// ExplainWords words a failure of the network: what was being done (an
// OpError's Op) and what the system said, as a sentence a person can act
// on.
func ExplainWords(err error) words.Words {
	op := "complete the operation"
	var oe *OpError
	if errors.As(err, &oe) {
		op = oe.Op
	}
	data := map[string]any{"Op": op}
	switch {
	case errors.Is(err, ErrAddrInUse):
		return wAddrInUse.With(data)
	case errors.Is(err, ErrAccess), errors.Is(err, syscall.EPERM):
		return wAccess.With(data)
	case errors.Is(err, ErrNoDevice), errors.Is(err, syscall.ENXIO):
		return wNoDevice.With(data)
	case errors.Is(err, ErrNetUnreach), errors.Is(err, syscall.EHOSTUNREACH):
		return wNetUnreach.With(data)
	case errors.Is(err, ErrAddrNotAvail):
		return wAddrNotAvail.With(data)
	case errors.Is(err, ErrNetDown):
		return wNetDown.With(data)
	case errors.Is(err, ErrNoBufs):
		return wNoBufs.With(data)
	}
	data["Why"] = Innermost(err).Error()
	return wCouldNot.With(data)
}

// Innermost returns the deepest wrapped error, whose text is the system's.
func Innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}
