package bench

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"path/filepath"

	"golang.org/x/crypto/bcrypt"

	"github.com/parley-chat/parley/bots"
	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/sqlite"
	"github.com/parley-chat/parley/search"
	"github.com/parley-chat/parley/webhooks"
)

// testOpener opens data folders for the suite's own tests as the parley
// binary does for the suite (its openBenchWorkspace), with the SQLite
// search index.
func testOpener() Opener {
	return func(ctx context.Context, dataDir string) (*Workspace, func() error, error) {
		db, err := sqlite.OpenDB(filepath.Join(dataDir, "parley.db"), "normal")
		if err != nil {
			return nil, nil, err
		}
		migrations := map[string]fs.FS{"channels": channels.Migrations(), "bots": bots.Migrations(),
			"webhooks": webhooks.Migrations(), "search-moved": search.MainMigrations()}
		for _, component := range []string{"channels", "bots", "webhooks", "search-moved"} { // the core's first
			if err := db.Migrate(ctx, component, migrations[component]); err != nil {
				db.Close()
				return nil, nil, err
			}
		}
		logger := slog.New(slog.DiscardHandler)
		core := channels.New(db, logger, channels.Options{DataDir: dataDir, BcryptCost: bcrypt.MinCost})
		searchDB, err := search.OpenDB(ctx, filepath.Join(dataDir, "search.db"))
		if err != nil {
			db.Close()
			return nil, nil, err
		}
		index, err := search.NewFTS(searchDB)
		if err != nil {
			return nil, nil, errors.Join(err, searchDB.Close(), db.Close())
		}
		indexer := search.NewIndexer(core, index, searchDB, logger)
		w := &Workspace{Core: core, Bots: bots.New(core, bots.Options{}), Incoming: webhooks.NewIncomingService(core, webhooks.IncomingOptions{}),
			Indexer: indexer}
		return w, func() error {
			indexer.Close()
			return errors.Join(searchDB.Close(), db.Close())
		}, nil
	}
}
