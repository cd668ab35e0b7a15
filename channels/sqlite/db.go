package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"

	"github.com/mattn/go-sqlite3"
)

// DB holds the two SQLite handles every package shares: one writer
// connection, fed by a group-commit loop, and a pool of read-only connections.
type DB struct {
	Path   string
	Reader *sql.DB
	writer *sql.DB
	reads  *stmtCache
	commit *committer
	mu     sync.Mutex
	closed bool
}

// Sync names SQLite's synchronous setting: "full" syncs the WAL on every
// commit (survives power loss); "normal" only survives a process crash.
type Sync string

// OpenDB opens (creating if needed) the database file at path.
func OpenDB(path string, sync Sync) (*DB, error) {
	if sync == "" {
		sync = "full"
	}
	if sync != "full" && sync != "normal" {
		return nil, fmt.Errorf("open database: synchronous must be full or normal, not %q", sync)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	// _busy_timeout comes first so that it applies while the other pragmas run.
	opts := url.Values{}
	opts.Set("_busy_timeout", "5000")
	opts.Set("_journal_mode", "WAL")
	opts.Set("_synchronous", string(sync))
	opts.Set("_foreign_keys", "on")
	opts.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + opts.Encode()

	writer, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database writer: %w", err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	if err := writer.Ping(); err != nil {
		writer.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}

	opts.Set("_query_only", "1")
	opts.Del("_txlock")
	reader, err := sql.Open("sqlite3", "file:"+path+"?"+opts.Encode())
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open database reader: %w", err)
	}
	reader.SetMaxOpenConns(8)
	reader.SetMaxIdleConns(8)
	reader.SetConnMaxLifetime(0)

	db := &DB{Path: path, Reader: reader, writer: writer, reads: newStmtCache(reader)}
	db.commit = newCommitter(writer)
	return db, nil
}

// Close stops the commit loop and closes both handles.
func (db *DB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return nil
	}
	db.closed = true
	db.commit.stop()
	db.reads.close()
	return errors.Join(db.Reader.Close(), db.writer.Close())
}

// Write runs fn in a write transaction. Concurrent calls are grouped into one
// SQLite transaction (each in its own savepoint, so one failure does not undo
// the others); Write returns only after that transaction has committed.
// fn must be quick and must not call the network.
func (db *DB) Write(ctx context.Context, fn func(tx *Tx) error) error {
	return db.commit.do(ctx, fn)
}

// OnCommit registers f to run after every commit that carried at least one
// successful write. It is how the event log wakes its readers.
func (db *DB) OnCommit(f func()) {
	db.commit.onCommit(f)
}

// IsUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY conflict.
func IsUniqueViolation(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey
	}
	return false
}

// ScanIDs reads a one-column result of ids and closes rows; no rows is an
// empty, non-nil slice.
func ScanIDs(rows *sql.Rows) ([]int64, error) {
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("scan id: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
