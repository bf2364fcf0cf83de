// Package words holds what the engine says to people as templates with
// named data ("{{.Count}} datagrams could not be read"), so that a front
// end can say it in the user's language while everything else reads it
// in English. The templates are text/template, the syntax Fyne's lang.L
// and go-i18n take: the window passes Text and Data to lang.L, and a
// translation file keyed by Text gives the other language.
//
// Every template is declared once with Define, at package level, so that
// All lists them: a front end's test checks that its translation has
// each one.
package words

import (
	"bytes"
	"sort"
	"sync"
	"text/template"
)

// Template is a sentence with {{.Fields}} to fill.
type Template string

var (
	mu  sync.Mutex
	all = map[Template]*template.Template{}
)

// Define declares a template, at package level. It panics on a template
// that does not parse: that is a bug found when the program starts.
func Define(text string) Template {
	t := template.Must(template.New("").Option("missingkey=zero").Parse(text))
	mu.Lock()
	defer mu.Unlock()
	all[Template(text)] = t
	return Template(text)
}

// With fills the template with data.
func (t Template) With(data map[string]any) Words { return Words{Text: t, Data: data} }

// Words is a sentence: a template and its data.
type Words struct {
	Text Template
	Data map[string]any
}

// String is the sentence in English.
func (w Words) String() string {
	mu.Lock()
	t := all[w.Text]
	mu.Unlock()
	if t == nil {
		return string(w.Text) // not declared: say it as it is
	}
	var b bytes.Buffer
	if err := t.Execute(&b, w.Data); err != nil {
		return string(w.Text)
	}
	return b.String()
}

// All is every template declared, sorted.
func All() []string {
	mu.Lock()
	defer mu.Unlock()
	out := make([]string, 0, len(all))
	for t := range all {
		out = append(out, string(t))
	}
	sort.Strings(out)
	return out
}

// Known reports whether w's text is a declared template (not a sentence
// written some other way, which a front end shows as it is).
func (w Words) Known() bool {
	mu.Lock()
	defer mu.Unlock()
	return all[w.Text] != nil
}
