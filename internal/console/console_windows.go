package console

import (
	"os"

	"golang.org/x/sys/windows"
)

// Attach lets Groupcast.exe, a GUI program that Windows starts
// without a console, print when it is given a command in cmd or
// PowerShell: it attaches to the console it was started from and writes
// there, unless its output was redirected (a file, a pipe), which then
// stays as it is. cmd does not wait for a GUI program, so the prompt comes
// back at once; groupcast.com, beside it in the zip, is the same program
// as a console one, and is what `groupcast ...` runs (.COM comes before
// .EXE). Double-clicked, with no arguments, nothing is attached.
func Attach(args []string) {
	if len(args) == 0 {
		return
	}
	out, _ := windows.GetStdHandle(windows.STD_OUTPUT_HANDLE)
	errOut, _ := windows.GetStdHandle(windows.STD_ERROR_HANDLE)
	if usable(out) && usable(errOut) {
		return // a console program, or output redirected
	}
	attach := windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole")
	const attachParentProcess = ^uintptr(0) // ATTACH_PARENT_PROCESS, (DWORD)-1
	if ok, _, _ := attach.Call(attachParentProcess); ok == 0 {
		return // started from Explorer or a shortcut: no console to write to
	}
	con, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0)
	if err != nil {
		return
	}
	if !usable(out) {
		os.Stdout = con
	}
	if !usable(errOut) {
		os.Stderr = con
	}
	if in, _ := windows.GetStdHandle(windows.STD_INPUT_HANDLE); !usable(in) {
		if f, err := os.Open("CONIN$"); err == nil {
			os.Stdin = f
		}
	}
}

// usable reports whether a standard handle leads somewhere.
func usable(h windows.Handle) bool {
	if h == 0 || h == windows.InvalidHandle {
		return false
	}
	t, err := windows.GetFileType(h)
	return err == nil && t != windows.FILE_TYPE_UNKNOWN
}
