package netconf

import (
	"errors"

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
	wNotJoined   = words.Define("You are not in a group yet: join one first.")
	wNoInterface = words.Define("No network interface is up and able to carry multicast: connect to a network, or choose an interface.")
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
	return mcast.ExplainWords(err)
}
