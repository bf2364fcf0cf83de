package gui

import (
	"errors"
	"io"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"

	"github.com/groupcast/groupcast/internal/history"
)

// exportTo writes what is kept of conv to w in the format name asks for
// (.txt, .html, .json), and returns how many rows it wrote.
func (ui *window) exportTo(w io.Writer, name, conv string) (int, error) {
	format, ok := history.FormatFor(name)
	if !ok {
		return 0, errors.New(lang.L("name the file .txt, .html or .json: that says how it is written"))
	}
	s := ui.openHistory(false)
	if s == nil {
		return 0, errors.New(lang.L("nothing is kept on this computer"))
	}
	rows, err := s.All(history.Query{Group: conv}, 0)
	if err != nil {
		return 0, err
	}
	return len(rows), history.Write(w, rows, format)
}

// exportConversation is "Export the conversation…": a file to save it
// in, as text, HTML or JSON by the name's extension.
func (ui *window) exportConversation() {
	conv := ui.conversation()
	if conv == "" || ui.openHistory(false) == nil {
		d := dialog.NewInformation(lang.L("Export the conversation"), lang.L("Nothing is kept of this conversation on this computer yet."), ui.w)
		hideOnEscape(ui.w, d)
		d.Show()
		return
	}
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		n, err := ui.exportTo(w, w.URI().Name(), conv)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = storage.Delete(w.URI())
			dialog.ShowError(errors.New(lang.L("Could not export {{.Conversation}}: {{.Why}}", map[string]any{"Conversation": conversationName(conv), "Why": err.Error()})), ui.w)
			return
		}
		ui.status.SetText(lang.L("{{.N}} rows of {{.Conversation}} written to {{.Path}}.", map[string]any{"N": n, "Conversation": conversationName(conv), "Path": w.URI().Path()}))
	}, ui.w)
	d.SetFileName(exportName(conv) + ".html")
	d.SetFilter(storage.NewExtensionFileFilter([]string{".html", ".txt", ".json"}))
	d.Resize(fyne.NewSize(min(ui.w.Canvas().Size().Width-40, 760), min(ui.w.Canvas().Size().Height-40, 520)))
	d.Show()
}

// exportName is a file name for conv's export, without its extension.
func exportName(conv string) string {
	name := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:/\*?"<>|`, r) {
			return '-'
		}
		return r
	}, conversationName(conv))
	return "Groupcast " + name
}
