package gui

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2/lang"

	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/words"
)

// say is a sentence of the engine in the user's language: its template
// looked up in the window's translations, filled with its data. What the
// engine did not word as a template is shown as it is.
func say(w words.Words) string {
	if !w.Known() {
		return w.String()
	}
	return lang.L(string(w.Text), w.Data)
}

// sayLine is say as a line of the log: with its full stop, which in
// Chinese is "。".
func sayLine(w words.Words) string {
	return lang.L("{{.Sentence}}.", map[string]any{"Sentence": say(w)})
}

// explain is netconf.Explain in the user's language. A mistake in what
// was typed is translated by its format (netconf/internal/input), filled
// with its arguments.
func explain(err error) string {
	var ie *netconf.InputError
	if errors.As(err, &ie) && ie.Format != "" {
		return fmt.Sprintf(lang.L(ie.Format), ie.Args...)
	}
	return say(netconf.ExplainWords(err))
}

// capitalise starts s with a capital letter.
func capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
