package main

import (
	"context"
	"log/slog"

	"golang.org/x/crypto/bcrypt"

	"github.com/parley-chat/parley/cmd/parley/bench"
)

// openBenchWorkspace opens a benchmark's data folder with the app's
// services, for "parley bench" to seed it before a server starts on it.
func openBenchWorkspace(ctx context.Context, dataDir string) (*bench.Workspace, func() error, error) {
	cfg := DefaultConfig()
	cfg.DataDir = dataDir
	cfg.BcryptCost = bcrypt.MinCost // the load generator holds tokens, never passwords
	a, err := openApp(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, nil, err
	}
	return &bench.Workspace{Core: a.svc, Bots: a.bots, Incoming: a.incoming, Indexer: a.indexer}, a.Close, nil
}
