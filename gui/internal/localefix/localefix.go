// Package localefix keeps Fyne from logging "Error parsing user locale C"
// on every start under the C/POSIX locale (Debian's default C.UTF-8, CI,
// containers): Fyne reads the locale while its packages initialise and
// cannot parse "C". Under such a locale we name English in LANGUAGE, which
// Fyne's locale lookup prefers and which gettext treats the same as C.
//
// It must run before Fyne's lang package initialises. Go initialises
// packages in import-path order among those whose imports are ready, and
// this package needs only os and strings, so it runs before the
// github.com/jeandeaual/go-locale package that Fyne's lang waits for.
package localefix

import (
	"os"
	"strings"
)

func init() {
	if os.Getenv("LANGUAGE") != "" {
		return
	}
	for _, env := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := os.Getenv(env)
		if v == "" {
			continue
		}
		lang, _, _ := strings.Cut(v, ".")
		if lang == "C" || lang == "POSIX" {
			_ = os.Setenv("LANGUAGE", "en")
		}
		return
	}
}
