package gui

import "runtime"

// onUIGoroutine wraps fyne.Do so that work for the window runs only on
// the goroutine that called it: the UI goroutine, where Fyne's loop runs.
//
// Why: on SIGTERM Fyne quits by itself (it listens for the signal too),
// while our own handler asks the window to close. Once Fyne's loop has
// ended, fyne.Do no longer queues: it runs the function at once on the
// caller's goroutine. Closing the window or redrawing the log there
// touches GLFW and OpenGL from a second thread while the first is
// tearing them down, which can crash or hang the process (a CI run once
// waited 80 minutes for a window to exit). Such late work is dropped
// instead; Run leaves the group itself once the loop has ended.
//
// Call it on the UI goroutine.
func onUIGoroutine(do func(func())) func(func()) {
	ui := goroutineID()
	return func(f func()) {
		do(func() {
			if goroutineID() == ui {
				f()
			}
		})
	}
}

// goroutineID is the number the runtime gives the calling goroutine, read
// from the first line of its stack trace ("goroutine 1 [running]:"), as
// Fyne itself does to tell its main goroutine apart.
func goroutineID() uint64 {
	var buf [32]byte
	n := runtime.Stack(buf[:], false)
	var id uint64
	for _, c := range buf[len("goroutine "):n] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uint64(c-'0')
	}
	return id
}
