package gui

import (
	"sync"
	"testing"
)

// TestLateWorkIsDroppedOffTheUIGoroutine: once Fyne's loop has ended,
// fyne.Do runs a function at once on whichever goroutine called it. Work
// for the window must then be dropped, never run beside GLFW's teardown;
// while the loop runs, it runs there as usual.
func TestLateWorkIsDroppedOffTheUIGoroutine(t *testing.T) {
	var queued []func()
	loopRunning := true
	fyneDo := func(f func()) {
		if loopRunning {
			queued = append(queued, f) // the loop runs it later, here
			return
		}
		f() // the loop has ended: Fyne runs it on the caller's goroutine
	}
	do := onUIGoroutine(fyneDo)

	ran := 0
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); do(func() { ran++ }) }() // the event pump, say
	wg.Wait()
	for _, f := range queued {
		f() // the UI goroutine's loop
	}
	if ran != 1 {
		t.Fatalf("work queued while the loop ran: ran %d times, want 1", ran)
	}

	loopRunning = false
	wg.Add(1)
	go func() { defer wg.Done(); do(func() { ran++ }) }()
	wg.Wait()
	if ran != 1 {
		t.Fatal("work for the window ran on another goroutine after the loop ended")
	}
	do(func() { ran++ }) // on the UI goroutine itself it still runs
	if ran != 2 {
		t.Fatalf("ran %d times, want 2", ran)
	}
}

func TestGoroutineID(t *testing.T) {
	here := goroutineID()
	if here == 0 {
		t.Fatal("no goroutine id")
	}
	other := make(chan uint64)
	go func() { other <- goroutineID() }()
	if o := <-other; o == here || o == 0 {
		t.Fatalf("ids %d and %d", here, o)
	}
}
