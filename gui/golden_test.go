package gui

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"github.com/go-text/typesetting/font"
)

// TestGoldenTextNeedsNoSystemFont: every character of the golden markup
// (testdata/*.xml) is in the fonts that Fyne's test theme bundles. For a
// character they lack (Chinese, most symbols) Fyne draws with a font of
// the machine's, so the width the markup records would be the machine's:
// "hello 世界 — 1" measured 93 px where no font had the Chinese
// characters and 90 where one had. Such text is checked by what it says
// instead (TestMessagesAppear), and `make test-nofonts` runs the window's
// tests with the machine's fonts hidden.
func TestGoldenTextNeedsNoSystemFont(t *testing.T) {
	th := test.NewTempApp(t).Settings().Theme()
	emoji := parseFont(t, theme.DefaultEmojiFont())
	faces := map[fyne.TextStyle]*font.Face{}
	golden, _ := filepath.Glob(filepath.Join("testdata", "*.xml"))
	if len(golden) == 0 {
		t.Fatal("no golden markup in testdata")
	}
	for _, name := range golden {
		for _, txt := range goldenTexts(t, name) {
			f := faces[txt.style]
			if f == nil {
				f = parseFont(t, th.Font(txt.style))
				faces[txt.style] = f
			}
			for _, r := range txt.text {
				if _, ok := f.NominalGlyph(r); ok {
					continue
				}
				if _, ok := emoji.NominalGlyph(r); !ok {
					t.Errorf("%s: %q: %q (%U) is in no bundled font: its width would be the machine's", name, txt.text, r, r)
				}
			}
		}
	}
}

type goldenText struct {
	text  string
	style fyne.TextStyle
}

// goldenTexts returns the <text> elements of a markup file.
func goldenTexts(t *testing.T, name string) []goldenText {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var out []goldenText
	var cur *goldenText
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false // Fyne writes boolean attributes bare: <text bold>
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if tok.Name.Local == "text" {
				cur = &goldenText{style: markupStyle(tok.Attr)}
			}
		case xml.CharData:
			if cur != nil {
				cur.text += string(tok)
			}
		case xml.EndElement:
			if tok.Name.Local == "text" && cur != nil {
				out = append(out, *cur)
				cur = nil
			}
		}
	}
}

// markupStyle is the text style that Fyne's markup writes as attributes.
func markupStyle(attrs []xml.Attr) fyne.TextStyle {
	var s fyne.TextStyle
	for _, a := range attrs {
		switch a.Name.Local {
		case "bold":
			s.Bold = true
		case "italic":
			s.Italic = true
		case "monospace":
			s.Monospace = true
		}
	}
	return s
}

func parseFont(t *testing.T, r fyne.Resource) *font.Face {
	t.Helper()
	f, err := font.ParseTTF(bytes.NewReader(r.Content()))
	if err != nil {
		t.Fatalf("font %s: %v", r.Name(), err)
	}
	return f
}
