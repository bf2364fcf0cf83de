package main

import (
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"time"
)

func init() {
	p := os.Getenv("GROUPCAST_HEAPPROF")
	if p == "" {
		return
	}
	go func() {
		for i, d := range []time.Duration{3 * time.Second, 12 * time.Second} {
			time.Sleep(d)
			runtime.GC()
			f, _ := os.Create(p + strconv.Itoa(i))
			pprof.WriteHeapProfile(f)
			f.Close()
		}
	}()
}
