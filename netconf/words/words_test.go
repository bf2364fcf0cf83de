package words

import (
	"slices"
	"testing"
)

var sample = Define("{{if eq .Count 1}}1 datagram{{else}}{{.Count}} datagrams{{end}} from {{if .Host}}a computer at {{.Host}}{{else}}someone{{end}} {{if eq .Count 1}}was{{else}}were{{end}} refused")

func TestWords(t *testing.T) {
	if got := sample.With(map[string]any{"Count": 3, "Host": "10.0.0.5"}).String(); got != "3 datagrams from a computer at 10.0.0.5 were refused" {
		t.Fatal(got)
	}
	if got := sample.With(map[string]any{"Count": 1}).String(); got != "1 datagram from someone was refused" {
		t.Fatal(got)
	}
	if got := (Words{Text: "undeclared {{.X}}"}).String(); got != "undeclared {{.X}}" {
		t.Fatal(got)
	}
	if !slices.Contains(All(), string(sample)) {
		t.Fatal("All lacks a declared template")
	}
}

func TestDefinePanicsOnABrokenTemplate(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("a broken template was accepted")
		}
	}()
	Define("{{.Count")
}
