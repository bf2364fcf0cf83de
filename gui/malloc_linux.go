//go:build linux && cgo

package gui

/*
#include <malloc.h>

// gcTuneMalloc makes glibc give each block of 16 KiB or more its own
// mapping, returned to the system when freed. The renderer's blocks of
// that size are mostly text textures, made and freed as lines stream
// past; from the shared heap their pages stayed resident (fragmented)
// after being freed. Elsewhere (musl) there is no such knob.
static void gcTuneMalloc(void) {
#ifdef M_MMAP_THRESHOLD
	mallopt(M_MMAP_THRESHOLD, 16 * 1024);
#endif
}
*/
import "C"

import "os"

// tuneMalloc keeps the C heap (Mesa, GLFW, X11) from keeping freed text
// textures resident, unless MALLOC_MMAP_THRESHOLD_ says otherwise: in a
// 400 000-line stream the window's private memory peaked at 137 MB with
// glibc's default and at 121 MB with this (docs/PERFORMANCE.md).
func tuneMalloc() {
	if os.Getenv("MALLOC_MMAP_THRESHOLD_") == "" {
		C.gcTuneMalloc()
	}
}
