// Command parley serves a Parley workspace and administers its data folder.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/parley-chat/parley/cmd/parley/bench"
)

const usage = `parley: a self-hosted team chat server

Usage:
  parley serve [flags]                                  serve the workspace
  parley migrate [flags]                                apply database migrations and exit
  parley config [flags]                                 print the effective configuration
  parley reindex [flags]                                rebuild the search index from the database
  parley bench [--quick] [--only W1,W2] [--runs N]      run the benchmark suite against fresh servers
  parley user create --username NAME [--admin] [flags]  create a user; the password is read from stdin
  parley token create --user NAME [--name NAME] [flags] print a new personal access token
  parley bot create --username NAME --scopes S1,S2 [--display-name D] [--owner NAME] [flags]
                                                        create a bot and print its token
  parley app create --name N --username NAME --scopes S1,S2 [--owner NAME] [flags]
                                                        create an app; print its signing secret and tokens

Every flag has a PARLEY_* environment twin; run "parley serve -h" for the list.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "parley:", err)
		os.Exit(1)
	}
}

// run dispatches a subcommand; it is main without the process around it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("no command given")
	}
	cmd, rest := args[0], args[1:]
	if (cmd == "user" || cmd == "token" || cmd == "bot" || cmd == "app") && len(rest) > 0 && rest[0] == "create" {
		cmd, rest = cmd+" create", rest[1:]
	}
	switch cmd {
	case "serve":
		return serveCommand(ctx, rest, stderr)
	case "migrate":
		return migrateCommand(ctx, rest, stderr)
	case "config":
		return configCommand(rest, stdout, stderr)
	case "reindex":
		return reindexCommand(ctx, rest, stdout, stderr)
	case "bench":
		return bench.Command(ctx, rest, stdout, stderr, openBenchWorkspace)
	case "user create":
		return userCreateCommand(ctx, rest, stdin, stdout, stderr)
	case "token create":
		return tokenCreateCommand(ctx, rest, stdout, stderr)
	case "bot create":
		return botCreateCommand(ctx, rest, stdout, stderr)
	case "app create":
		return appCreateCommand(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", strings.Join(args, " "))
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("log-level: %q is not debug, info, warn or error", s)
	}
	return l, nil
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	level, _ := parseLevel(cfg.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
