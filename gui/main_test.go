package gui

import (
	"os"
	"testing"

	"fyne.io/fyne/v2/lang"
)

// TestMain runs the window's tests in English whatever the machine's
// locale: the golden markup and the sentences the tests compare are the
// English ones, and under LANG=zh_CN every label would be Chinese, of
// other widths. Fyne picked the translation while the packages
// initialised; loading the window's translations again makes it pick
// anew. TestEngineSentencesInChinese runs the binary again under a
// Chinese locale (GROUPCAST_TEST_ZH), which is then kept.
func TestMain(m *testing.M) {
	if os.Getenv("GROUPCAST_TEST_ZH") != "1" {
		os.Unsetenv("LC_ALL")
		os.Unsetenv("LC_MESSAGES")
		os.Setenv("LANG", "en_US.UTF-8")
		os.Setenv("LANGUAGE", "en")
		if err := lang.AddTranslationsFS(translations, "translations"); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}
