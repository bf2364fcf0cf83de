//go:build !windows && !darwin

package chime

// New finds how to play the chime here.
func New() (*Player, error) {
	return commandPlayer([][]string{{"paplay"}, {"pw-play"}, {"aplay", "-q"}})
}
