package look

// Fyne reads the locale while its packages initialise: under the C locale
// of CI it would log an error in every test run, as the app would without
// localefix.
import _ "github.com/groupcast/groupcast/gui/internal/localefix"
