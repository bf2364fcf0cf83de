package netconf

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/groupcast/groupcast/netconf/internal/input"
	"github.com/groupcast/groupcast/netconf/internal/mcast"
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
func Explain(err error) string {
	if err == nil {
		return ""
	}
	var ie *InputError
	if errors.As(err, &ie) {
		return ie.Msg
	}
	if errors.Is(err, ErrNotJoined) {
		return "You are not in a group yet: join one first."
	}
	if errors.Is(err, ErrNoInterface) {
		return "No network interface is up and able to carry multicast: connect to a network, or choose an interface."
	}
	op := "complete the operation"
	var oe *OpError
	if errors.As(err, &oe) {
		op = oe.Op
	}
	var hint string
	switch {
	case errors.Is(err, mcast.ErrAddrInUse):
		hint = "the port is already in use by a program that does not share it; close that program or choose another port"
	case errors.Is(err, mcast.ErrAccess), errors.Is(err, syscall.EPERM):
		hint = "permission denied; a firewall or security policy may be blocking this program, or the port needs administrator rights"
	case errors.Is(err, mcast.ErrNoDevice), errors.Is(err, syscall.ENXIO):
		hint = "the network interface is gone (unplugged or disabled); choose another interface and join again"
	case errors.Is(err, mcast.ErrNetUnreach), errors.Is(err, syscall.EHOSTUNREACH):
		hint = "there is no route for multicast on this interface; check the network cable or Wi-Fi, or choose another interface"
	case errors.Is(err, mcast.ErrAddrNotAvail):
		hint = "the interface cannot join multicast groups (it may have no IPv4 address); choose another interface"
	case errors.Is(err, mcast.ErrNetDown):
		hint = "the network is down; check the cable or Wi-Fi"
	case errors.Is(err, mcast.ErrNoBufs):
		hint = "the system ran out of buffers or too many groups are joined; close other multicast programs and try again"
	default:
		hint = innermost(err).Error()
	}
	return fmt.Sprintf("Could not %s: %s.", op, hint)
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
