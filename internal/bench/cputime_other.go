//go:build !unix && !windows

package bench

import "time"

// cpuTime is not known here: CPU columns read 0.
func cpuTime() time.Duration { return 0 }
