package sqlite

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Migrate applies the pending numbered SQL files of one component
// (NNNN_name.sql, in order, each in its own transaction) and records them in
// schema_migrations. It refuses a database that is newer than this binary.
func (db *DB) Migrate(ctx context.Context, component string, files fs.FS) error {
	if _, err := db.writer.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		component TEXT NOT NULL, version INTEGER NOT NULL, applied_at INTEGER NOT NULL,
		PRIMARY KEY (component, version))`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	steps, err := migrationSteps(files)
	if err != nil {
		return fmt.Errorf("migrations of %s: %w", component, err)
	}
	var current int
	if err := db.writer.QueryRowContext(ctx,
		`SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE component = ?`, component,
	).Scan(&current); err != nil {
		return fmt.Errorf("read schema version of %s: %w", component, err)
	}
	if current > len(steps) {
		return fmt.Errorf("database schema of %s is at version %d, newer than this binary knows (%d): upgrade parley", component, current, len(steps))
	}
	for _, step := range steps[current:] {
		body, err := fs.ReadFile(files, step.file)
		if err != nil {
			return fmt.Errorf("read migration %s/%s: %w", component, step.file, err)
		}
		err = db.Write(ctx, func(tx *Tx) error {
			// A migration file holds several statements: run it unprepared.
			if _, err := tx.Tx.Exec(string(body)); err != nil {
				return err
			}
			_, err := tx.Exec(`INSERT INTO schema_migrations (component, version, applied_at) VALUES (?, ?, ?)`,
				component, step.version, time.Now().UnixMilli())
			return err
		})
		if err != nil {
			return fmt.Errorf("apply migration %s/%s: %w", component, step.file, err)
		}
	}
	return nil
}

type migrationStep struct {
	version int
	file    string
}

func migrationSteps(files fs.FS) ([]migrationStep, error) {
	names, err := fs.Glob(files, "*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	steps := make([]migrationStep, 0, len(names))
	for i, name := range names {
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration file %q is not named NNNN_name.sql", name)
		}
		if v != i+1 {
			return nil, fmt.Errorf("migration %q: expected version %d", name, i+1)
		}
		steps = append(steps, migrationStep{version: v, file: name})
	}
	return steps, nil
}
