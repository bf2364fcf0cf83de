// Package input is the one kind of error that is the user's to fix: a
// mistake in what was asked for, as opposed to a failure of the network.
// The CLI exits with status 2 on it; the window shows it beside the field.
// Every part of the engine that checks what a person typed returns it, so
// it lives apart from all of them.
package input

import "fmt"

// Error is a mistake in what the user asked for.
type Error struct {
	Field string // "group", "port", "ttl", "interface", "name", "text", ...
	Msg   string // a sentence for a person
	// Format and Args made Msg (Errorf): a front end that translates
	// looks Format up in its translations and formats Args with what it
	// finds. Empty when Msg was written otherwise.
	Format string
	Args   []any
}

func (e *Error) Error() string { return e.Msg }

// Errorf makes an Error of field with a sentence. format is a literal:
// translations are keyed by it.
func Errorf(field, format string, args ...any) error {
	return &Error{Field: field, Msg: fmt.Sprintf(format, args...), Format: format, Args: args}
}
