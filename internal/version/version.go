// Package version holds Groupcast's version, shown by -version and the
// About dialog; FyneApp.toml and the packages carry the same (a test
// checks it).
package version

// Version is the release version.
const Version = "0.1.0"
