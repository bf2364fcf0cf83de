package netconf

import (
	"errors"
	"syscall"

	"github.com/groupcast/groupcast/netconf/internal/input"
	"github.com/groupcast/groupcast/netconf/internal/mcast"
	"github.com/groupcast/groupcast/netconf/words"
)

// OpError is a network operation that failed: what was being done, and
// the system's error.
type OpError = mcast.OpError

// InputError is a mistake in what the user asked for (as opposed to a
// failure of the network): the CLI exits with status 2 on it and the GUI
// shows it beside the field.
type InputError = input.Error

// IsInputError reports whether err is, or wraps, an *InputError.
func IsInputError(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}

func inputErr(field, format string, args ...any) error { return input.Errorf(field, format, args...) }

// ErrNotJoined is returned when sending without a membership.
var ErrNotJoined = errors.New("not joined to a group")

// Explain turns an error from the engine into a sentence a person can act
// on. Input errors are already sentences.
func Explain(err error) string { return ExplainWords(err).String() }

var (
	wNotJoined    = words.Define("You are not in a group yet: join one first.")
	wNoInterface  = words.Define("No network interface is up and able to carry multicast: connect to a network, or choose an interface.")
	wAddrInUse    = words.Define("Could not {{.Op}}: the port is already in use by a program that does not share it; close that program or choose another port.")
	wAccess       = words.Define("Could not {{.Op}}: permission denied; a firewall or security policy may be blocking this program, or the port needs administrator rights.")
	wNoDevice     = words.Define("Could not {{.Op}}: the network interface is gone (unplugged or disabled); choose another interface and join again.")
	wNetUnreach   = words.Define("Could not {{.Op}}: there is no route for multicast on this interface; check the network cable or Wi-Fi, or choose another interface.")
	wAddrNotAvail = words.Define("Could not {{.Op}}: the interface cannot join multicast groups (it may have no IPv4 address); choose another interface.")
	wNetDown      = words.Define("Could not {{.Op}}: the network is down; check the cable or Wi-Fi.")
	wNoBufs       = words.Define("Could not {{.Op}}: the system ran out of buffers or too many groups are joined; close other multicast programs and try again.")
	wCouldNot     = words.Define("Could not {{.Op}}: {{.Why}}.")
)

// ExplainWords is Explain, for a front end to translate. A mistake in
// what was asked for (InputError) comes as it is: its Format and Args
// are what a front end translates.
func ExplainWords(err error) words.Words {
	if err == nil {
		return words.Words{}
	}
	var ie *InputError
	if errors.As(err, &ie) {
		return words.Words{Text: words.Template(ie.Msg)}
	}
	if errors.Is(err, ErrNotJoined) {
		return wNotJoined.With(nil)
	}
	if errors.Is(err, ErrNoInterface) {
		return wNoInterface.With(nil)
	}
	op := "complete the operation"
	var oe *OpError
	if errors.As(err, &oe) {
		op = oe.Op
	}
	data := map[string]any{"Op": op}
	switch {
	case errors.Is(err, mcast.ErrAddrInUse):
		return wAddrInUse.With(data)
	case errors.Is(err, mcast.ErrAccess), errors.Is(err, syscall.EPERM):
		return wAccess.With(data)
	case errors.Is(err, mcast.ErrNoDevice), errors.Is(err, syscall.ENXIO):
		return wNoDevice.With(data)
	case errors.Is(err, mcast.ErrNetUnreach), errors.Is(err, syscall.EHOSTUNREACH):
		return wNetUnreach.With(data)
	case errors.Is(err, mcast.ErrAddrNotAvail):
		return wAddrNotAvail.With(data)
	case errors.Is(err, mcast.ErrNetDown):
		return wNetDown.With(data)
	case errors.Is(err, mcast.ErrNoBufs):
		return wNoBufs.With(data)
	}
	data["Why"] = innermost(err).Error()
	return wCouldNot.With(data)
}

// innermost returns the deepest wrapped error, whose text is the system's.
func innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}
