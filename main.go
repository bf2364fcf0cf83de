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
	"github.com/groupcast/groupcast/internal/console"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	console.Attach(os.Args[1:]) // Windows: print where the command was typed
	stdio := cli.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	code := cli.Run(ctx, os.Args[1:], stdio, gui.Run)
	stop()
	os.Exit(code)
}
