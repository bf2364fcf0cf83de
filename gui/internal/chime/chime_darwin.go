package chime

// New finds how to play the chime here: afplay comes with macOS.
func New() (*Player, error) {
	return commandPlayer([][]string{{"afplay"}})
}
