// Command shiliu runs the 石榴籽 community ethnic-affairs platform.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"shiliu/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := cli.Run(ctx, os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}); err != nil {
		fmt.Fprintln(os.Stderr, "shiliu:", err)
		os.Exit(1)
	}
}
