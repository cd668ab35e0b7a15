package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps prepared statements by their SQL text, so hot queries are
// compiled by SQLite once per connection instead of on every call.
type stmtCache struct {
	db *sql.DB
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}}
}

func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[query]
}

// prepare compiles query on the handle and caches it.
func (c *stmtCache) prepare(query string) (*sql.Stmt, error) {
	if st := c.lookup(query); st != nil {
		return st, nil
	}
	st, err := c.db.Prepare(query)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev := c.m[query]; prev != nil {
		st.Close()
		return prev, nil
	}
	c.m[query] = st
	return st, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.m {
		st.Close()
		delete(c.m, q)
	}
}

// ReadRow runs a single-row query on the reader pool with a cached
// prepared statement. Use it for constant query text on hot paths.
func (db *DB) ReadRow(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := db.reads.prepare(query)
	if err != nil {
		// Let the plain path report the error the same way a query would.
		return db.Reader.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// Tx is a write transaction handed to DB.Write. Its Exec, Query and QueryRow
// reuse statements prepared on the writer connection.
type Tx struct {
	*sql.Tx
	stmts *stmtCache
	// missed collects queries to prepare once the connection is free: the
	// only writer connection is busy with this transaction meanwhile.
	missed map[string]bool
}

func (tx *Tx) stmt(query string) *sql.Stmt {
	if st := tx.stmts.lookup(query); st != nil {
		return tx.Tx.Stmt(st)
	}
	if tx.missed == nil {
		tx.missed = map[string]bool{}
	}
	tx.missed[query] = true
	return nil
}

// Exec runs a statement in the transaction.
func (tx *Tx) Exec(query string, args ...any) (sql.Result, error) {
	if st := tx.stmt(query); st != nil {
		return st.Exec(args...)
	}
	return tx.Tx.Exec(query, args...)
}

// Query runs a query in the transaction.
func (tx *Tx) Query(query string, args ...any) (*sql.Rows, error) {
	if st := tx.stmt(query); st != nil {
		return st.Query(args...)
	}
	return tx.Tx.Query(query, args...)
}

// QueryRow runs a single-row query in the transaction.
func (tx *Tx) QueryRow(query string, args ...any) *sql.Row {
	if st := tx.stmt(query); st != nil {
		return st.QueryRow(args...)
	}
	return tx.Tx.QueryRow(query, args...)
}
