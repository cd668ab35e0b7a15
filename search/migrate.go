package search

import (
	"context"
	"embed"
	"io/fs"

	"github.com/parley-chat/parley/channels/sqlite"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// mainDBMigrationFiles are migrations of the main database, not of
// search.db: they drop what older versions kept there.
//
//go:embed maindb_migrations/*.sql
var mainDBMigrationFiles embed.FS

// Migrations returns the search database's migrations (the FTS5 backend's
// tables and the indexer's cursor), applied by OpenDB.
func Migrations() fs.FS {
	sub, _ := fs.Sub(migrationFiles, "migrations")
	return sub
}

// MainMigrations returns the migrations of Parley's main database that
// belong to search: older versions kept the index and its cursor there,
// and these drop them (component "search-moved"; a no-op on a new
// database).
func MainMigrations() fs.FS {
	sub, _ := fs.Sub(mainDBMigrationFiles, "maindb_migrations")
	return sub
}

// OpenDB opens (creating if needed) the search database at path, a file
// of its own beside the main database, and applies Migrations.
//
// It has its own single writer, so indexing commits in parallel with
// posting instead of queueing in the main database's group commit. It is
// always synchronous=normal: a power loss may undo its last commits, but
// the index and the cursor are written in the same transactions, so they
// go back together and the indexer re-indexes from the older cursor (the
// event log keeps the events far longer than that); at worst the index is
// rebuilt from the messages. Syncing every commit would buy nothing.
func OpenDB(ctx context.Context, path string) (*sqlite.DB, error) {
	db, err := sqlite.OpenDB(path, "normal")
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, "search", Migrations()); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
