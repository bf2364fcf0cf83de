//go:build race

package netconf

// raceEnabled scales the heaviest tests down under the race detector,
// which slows this code about tenfold; CI also runs them at full size
// without it.
const raceEnabled = true
