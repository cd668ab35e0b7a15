package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// maxBatch bounds how many writes share one transaction, so that one commit
// never holds its callers for long.
const maxBatch = 256

// ErrClosed is what a write gets once the database is closed.
var ErrClosed = errors.New("database is closed")

type writeReq struct {
	ctx  context.Context
	fn   func(tx *Tx) error
	done chan error
}

// committer serializes every write onto the one writer connection and groups
// the writes that queue up meanwhile into a single commit.
type committer struct {
	db    *sql.DB
	stmts *stmtCache
	reqs  chan *writeReq
	quit  chan struct{}
	wg    sync.WaitGroup
	hooks []func()
	mu    sync.RWMutex

	// closing guards closed: stop takes it exclusively, so no write can be
	// queued after the loop has drained the queue and exited.
	closing sync.RWMutex
	closed  bool
}

func newCommitter(db *sql.DB) *committer {
	c := &committer{db: db, stmts: newStmtCache(db), reqs: make(chan *writeReq, maxBatch), quit: make(chan struct{})}
	c.wg.Add(1)
	go c.loop()
	return c
}

func (c *committer) onCommit(f func()) {
	c.mu.Lock()
	c.hooks = append(c.hooks, f)
	c.mu.Unlock()
}

func (c *committer) do(ctx context.Context, fn func(tx *Tx) error) error {
	req := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	c.closing.RLock()
	if c.closed {
		c.closing.RUnlock()
		return ErrClosed
	}
	select {
	case c.reqs <- req:
	case <-ctx.Done():
		c.closing.RUnlock()
		return ctx.Err()
	}
	c.closing.RUnlock()
	// Once queued, the write is waited for even if ctx ends: the caller must
	// not be told "failed" about a write that may still commit.
	return <-req.done
}

func (c *committer) stop() {
	c.closing.Lock()
	c.closed = true
	c.closing.Unlock()
	close(c.quit)
	c.wg.Wait()
	c.stmts.close()
}

func (c *committer) loop() {
	defer c.wg.Done()
	batch := make([]*writeReq, 0, maxBatch)
	for {
		select {
		case req := <-c.reqs:
			batch = append(batch[:0], req)
		case <-c.quit:
			c.drain()
			return
		}
	gather:
		for len(batch) < maxBatch {
			select {
			case req := <-c.reqs:
				batch = append(batch, req)
			default:
				break gather
			}
		}
		c.run(batch)
	}
}

// drain answers the writes still queued at shutdown.
func (c *committer) drain() {
	for {
		select {
		case req := <-c.reqs:
			c.run([]*writeReq{req})
		default:
			return
		}
	}
}

func (c *committer) run(batch []*writeReq) {
	errs := make([]error, len(batch))
	ok, err := c.runTx(batch, errs)
	// Wake the log's readers before answering, so that a caller that sees
	// its write acknowledged can rely on readers having been told.
	if err == nil && ok > 0 {
		c.mu.RLock()
		for _, f := range c.hooks {
			f()
		}
		c.mu.RUnlock()
	}
	for i, req := range batch {
		if err != nil {
			req.done <- err
		} else {
			req.done <- errs[i]
		}
	}
}

// runTx runs the batch in one transaction and returns how many writes succeeded.
func (c *committer) runTx(batch []*writeReq, errs []error) (int, error) {
	sqlTx, err := c.db.BeginTx(context.Background(), nil)
	if err != nil {
		return 0, fmt.Errorf("begin write: %w", err)
	}
	tx := &Tx{Tx: sqlTx, stmts: c.stmts}
	// Statements first met in this transaction are prepared for next time
	// once the connection is free again.
	defer func() {
		for q := range tx.missed {
			_, _ = c.stmts.prepare(q)
		}
	}()
	ok := 0
	single := len(batch) == 1
	for i, req := range batch {
		if err := req.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		if single {
			// No savepoint needed: a failure rolls the whole transaction back.
			if errs[i] = call(req.fn, tx); errs[i] != nil {
				_ = tx.Rollback()
				return 0, nil
			}
			ok++
			continue
		}
		if _, err := tx.Exec("SAVEPOINT w"); err != nil {
			_ = tx.Rollback()
			return 0, fmt.Errorf("savepoint: %w", err)
		}
		if errs[i] = call(req.fn, tx); errs[i] != nil {
			if err := rollbackTo(tx); err != nil {
				_ = tx.Rollback()
				return 0, fmt.Errorf("rollback to savepoint: %w", err)
			}
			continue
		}
		if _, err := tx.Exec("RELEASE w"); err != nil {
			_ = tx.Rollback()
			return 0, fmt.Errorf("release savepoint: %w", err)
		}
		ok++
	}
	if ok == 0 {
		_ = tx.Rollback()
		return 0, nil
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("commit: %w", err)
	}
	return ok, nil
}

// call runs fn, turning a panic into an error so the commit loop survives it.
func call(fn func(tx *Tx) error, tx *Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("write panicked: %v", r)
		}
	}()
	return fn(tx)
}

func rollbackTo(tx *Tx) error {
	if _, err := tx.Exec("ROLLBACK TO w"); err != nil {
		return err
	}
	_, err := tx.Exec("RELEASE w")
	return err
}
