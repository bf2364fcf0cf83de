package gui

import (
	"embed"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
)

// The window's strings are English in the code, each passed through
// lang.L; translations/groupcast.<locale>.json holds them in another
// language (Simplified Chinese first: the classic tools Groupcast meets
// are often Chinese). Fyne picks the one of the user's locale (LANG,
// LANGUAGE). TestChineseTranslationIsComplete keeps the file whole.
//
//go:embed translations
var translations embed.FS

func init() {
	if err := lang.AddTranslationsFS(translations, "translations"); err != nil {
		fyne.LogError("loading the window's translations", err)
	}
}
