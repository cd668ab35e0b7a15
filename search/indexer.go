package search

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-chat/parley/channels"
)

// Indexer keeps an Index in step with the messages: it follows the event
// log from a cursor persisted in SQLite, loads the messages that changed
// and upserts or deletes their documents. Posting never waits for it. When
// the backend fails it retries with backoff from the same cursor, so
// nothing is lost, and upserts by id make a repeat harmless.
type Indexer struct {
	svc   *channels.Service
	db    *channels.DB
	index Index
	log   *slog.Logger

	cancel context.CancelFunc
	done   sync.WaitGroup

	mu        sync.Mutex
	cursor    int64
	lastErr   string
	lastErrAt int64
	indexed   atomic.Int64 // documents written since start
}

// indexBatch is how many events one pass reads.
const indexBatch = 500

// Backoff bounds of retries after a backend failure.
const (
	retryFirst = 500 * time.Millisecond
	retryMax   = time.Minute
)

// NewIndexer returns an indexer of index; Start runs it.
func NewIndexer(svc *channels.Service, index Index, logger *slog.Logger) *Indexer {
	return &Indexer{svc: svc, db: svc.DB(), index: index, log: logger}
}

// Index is the index the indexer writes.
func (ix *Indexer) Index() Index { return ix.index }

// Start follows the log in the background until Close.
func (ix *Indexer) Start(ctx context.Context) error {
	cursor, err := ix.loadCursor(ctx)
	if err != nil {
		return err
	}
	ix.mu.Lock()
	ix.cursor = cursor
	ix.mu.Unlock()
	ctx, ix.cancel = context.WithCancel(ctx)
	ix.done.Add(1)
	go func() {
		defer ix.done.Done()
		ix.follow(ctx)
	}()
	return nil
}

// Close stops the indexer and waits for it.
func (ix *Indexer) Close() {
	if ix.cancel != nil {
		ix.cancel()
	}
	ix.done.Wait()
}

func (ix *Indexer) follow(ctx context.Context) {
	wait := retryFirst
	for {
		changed := ix.svc.Log.Changed()
		n, err := ix.Step(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			ix.failed(err)
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return
			}
			wait = min(wait*2, retryMax)
			continue
		}
		wait = retryFirst
		if n == indexBatch {
			continue
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return
		}
	}
}

func (ix *Indexer) failed(err error) {
	ix.mu.Lock()
	ix.lastErr, ix.lastErrAt = err.Error(), time.Now().UnixMilli()
	ix.mu.Unlock()
	ix.log.Warn("search: indexing failed; retrying", "backend", ix.index.Name(), "err", err)
}

// Step indexes the next batch of events and moves the cursor past them; it
// returns how many events it read. Tests call it to index synchronously.
func (ix *Indexer) Step(ctx context.Context) (int, error) {
	ix.mu.Lock()
	since := ix.cursor
	ix.mu.Unlock()
	refs, err := ix.svc.Log.MessageRefs(ctx, since, indexBatch)
	if err != nil || len(refs) == 0 {
		return 0, err
	}
	ids := map[int64]bool{}
	for _, r := range refs {
		if r.MessageID == 0 {
			continue
		}
		switch r.Type {
		case channels.EventMessageCreated, channels.EventMessageUpdated, channels.EventMessageDeleted,
			channels.EventReactionAdded, channels.EventReactionRemoved:
			ids[r.MessageID] = true
		}
	}
	if err := ix.reindex(ctx, ids); err != nil {
		return 0, err
	}
	last := refs[len(refs)-1].Seq
	if err := ix.saveCursor(ctx, last); err != nil {
		return 0, err
	}
	ix.mu.Lock()
	ix.cursor, ix.lastErr = last, ""
	ix.mu.Unlock()
	return len(refs), nil
}

// reindex upserts the live messages among ids (and the roots of the
// replies among them, whose is:thread may have changed) and deletes the
// rest.
func (ix *Indexer) reindex(ctx context.Context, ids map[int64]bool) error {
	if len(ids) == 0 {
		return nil
	}
	list := make([]int64, 0, len(ids))
	for id := range ids {
		list = append(list, id)
	}
	msgs, err := ix.svc.MessagesForIndex(ctx, list)
	if err != nil {
		return err
	}
	var roots []int64
	for _, m := range msgs {
		if m.ThreadID != 0 && !ids[m.ThreadID] {
			ids[m.ThreadID] = true
			roots = append(roots, m.ThreadID)
		}
	}
	if len(roots) > 0 {
		more, err := ix.svc.MessagesForIndex(ctx, roots)
		if err != nil {
			return err
		}
		msgs = append(msgs, more...)
	}
	docs := make([]Document, 0, len(msgs))
	live := map[int64]bool{}
	for _, m := range msgs {
		docs = append(docs, DocumentOf(m))
		live[m.ID] = true
	}
	var gone []int64
	for id := range ids {
		if !live[id] {
			gone = append(gone, id)
		}
	}
	if len(docs) > 0 {
		if err := ix.index.Upsert(ctx, docs); err != nil {
			return fmt.Errorf("index %d messages: %w", len(docs), err)
		}
	}
	if len(gone) > 0 {
		if err := ix.index.Delete(ctx, gone); err != nil {
			return fmt.Errorf("remove %d messages from the index: %w", len(gone), err)
		}
	}
	ix.indexed.Add(int64(len(docs)))
	return nil
}

func (ix *Indexer) loadCursor(ctx context.Context) (int64, error) {
	var seq int64
	err := ix.db.ReadRow(ctx, `SELECT seq FROM search_cursor WHERE backend = ?`, ix.index.Name()).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil // a new index starts from the beginning of the log
	}
	if err != nil {
		return 0, fmt.Errorf("read search cursor: %w", err)
	}
	return seq, nil
}

func (ix *Indexer) saveCursor(ctx context.Context, seq int64) error {
	err := ix.db.Write(context.WithoutCancel(ctx), func(tx *channels.Tx) error {
		_, err := tx.Exec(`INSERT INTO search_cursor (backend, seq) VALUES (?, ?)
			ON CONFLICT (backend) DO UPDATE SET seq = excluded.seq`, ix.index.Name(), seq)
		return err
	})
	if err != nil {
		return fmt.Errorf("save search cursor: %w", err)
	}
	return nil
}

// Status is the indexer's state for the admin status endpoint and metrics.
type Status struct {
	Backend string `json:"backend"`
	// Cursor is the last event indexed; Head the log's newest; Lag how many
	// events are still to index.
	Cursor int64 `json:"cursor"`
	Head   int64 `json:"head"`
	Lag    int64 `json:"lag"`
	// LastError is the last failure, cleared by the next success.
	LastError   string `json:"last_error"`
	LastErrorAt *int64 `json:"last_error_at"`
	Indexed     int64  `json:"indexed_since_start"`
}

// Status reports how far behind the index is.
func (ix *Indexer) Status(ctx context.Context) (Status, error) {
	head, _, err := ix.svc.Log.Head(ctx)
	if err != nil {
		return Status{}, err
	}
	ix.mu.Lock()
	st := Status{Backend: ix.index.Name(), Cursor: ix.cursor, Head: head, LastError: ix.lastErr, Indexed: ix.indexed.Load()}
	if ix.lastErr != "" {
		at := ix.lastErrAt
		st.LastErrorAt = &at
	}
	ix.mu.Unlock()
	// Events pruned from the log before they were read need no indexing.
	st.Lag = max(0, head-st.Cursor)
	return st, nil
}

// Rebuild empties the index and indexes every message again from the
// database, calling progress after each batch; then it moves the cursor
// to the log head it read before starting, so that what was posted during
// the rebuild is indexed again by the follower (harmless: upserts).
func (ix *Indexer) Rebuild(ctx context.Context, batch int, progress func(done, total int64)) error {
	head, _, err := ix.svc.Log.Head(ctx)
	if err != nil {
		return err
	}
	total, err := ix.svc.CountMessagesForIndex(ctx)
	if err != nil {
		return err
	}
	if err := ix.index.Reset(ctx); err != nil {
		return fmt.Errorf("reset the index: %w", err)
	}
	var done, after int64
	for {
		msgs, err := ix.svc.MessagesForIndexAfter(ctx, after, batch)
		if err != nil {
			return err
		}
		if len(msgs) == 0 {
			break
		}
		docs := make([]Document, len(msgs))
		for i, m := range msgs {
			docs[i] = DocumentOf(m)
		}
		if err := ix.index.Upsert(ctx, docs); err != nil {
			return fmt.Errorf("index messages after %d: %w", after, err)
		}
		after = msgs[len(msgs)-1].ID
		done += int64(len(msgs))
		if progress != nil {
			progress(done, total)
		}
	}
	if err := ix.saveCursor(ctx, head); err != nil {
		return err
	}
	ix.mu.Lock()
	ix.cursor = head
	ix.mu.Unlock()
	return nil
}
