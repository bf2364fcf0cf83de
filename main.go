// Command groupcast is group text conferencing over IP multicast: a window
// by default, or the headless commands listen, send and chat.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/groupcast/groupcast/cli"
	"github.com/groupcast/groupcast/gui"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	attachConsole(os.Args[1:])
	stdio := cli.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	code := cli.Run(ctx, os.Args[1:], stdio, gui.Run)
	stop()
	os.Exit(code)
}
