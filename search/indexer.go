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
	"github.com/parley-chat/parley/channels/sqlite"
)

// Indexer keeps an Index in step with the messages: it follows the event
// log from a cursor persisted in the search database, loads the messages
// that changed and upserts or deletes their documents. Posting never waits
// for it. When the backend fails it retries with backoff from the same
// cursor, so nothing is lost, and upserts by id make a repeat harmless.
//
// With the FTS5 backend in the same database as the cursor, each batch's
// documents and the cursor past it are one transaction, so after a crash
// the index and the cursor agree. When there is no cursor (a new search
// database, or one whose rebuild did not finish) but there are messages,
// the log may no longer hold the events of the older ones, so Start
// rebuilds the index from the messages rather than replaying the log.
type Indexer struct {
	svc   *channels.Service
	store *sqlite.DB // the search database: the cursor, and FTS's tables
	index Index
	log   *slog.Logger

	rebuild bool // Start found no cursor but messages: rebuild first

	cancel context.CancelFunc
	done   sync.WaitGroup

	mu        sync.Mutex
	cursor    int64
	lastErr   string
	lastErrAt int64
	indexed   atomic.Int64 // documents written since start
}

// indexLinger is how long the indexer lets new events gather after being
// woken, keeping search lag well under a second.
const indexLinger = 100 * time.Millisecond

// indexBatch is how many events one pass reads.
const indexBatch = 500

// NewIndexer returns an indexer of index that keeps its cursor in store,
// the search database (see OpenDB); Start runs it.
func NewIndexer(svc *channels.Service, index Index, store *sqlite.DB, logger *slog.Logger) *Indexer {
	return &Indexer{svc: svc, store: store, index: index, log: logger}
}

// rebuildBatch is how many messages a rebuild at start writes per batch.
const rebuildBatch = 1000

// Index is the index the indexer writes.
func (ix *Indexer) Index() Index { return ix.index }

// Start follows the log in the background until Close.
func (ix *Indexer) Start(ctx context.Context) error {
	cursor, found, err := ix.loadCursor(ctx)
	if err != nil {
		return err
	}
	if !found {
		// Replaying the log from its start is enough only while no
		// message exists, since the log forgets old events.
		msgs, err := ix.svc.MessagesForIndexAfter(ctx, 0, 1)
		if err != nil {
			return err
		}
		ix.rebuild = len(msgs) > 0
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
	var retry channels.Backoff
	for ix.rebuild {
		ix.log.Info("search: no index cursor; rebuilding the index from the messages", "backend", ix.index.Name())
		err := ix.Rebuild(ctx, rebuildBatch, nil)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			ix.failed(err)
			if !retry.Wait(ctx) {
				return
			}
			continue
		}
		ix.rebuild = false
		ix.log.Info("search: index rebuilt", "backend", ix.index.Name(), "documents", ix.indexed.Load())
	}
	ix.mu.Lock()
	from := ix.cursor
	ix.mu.Unlock()
	// Lingering lets a few commits' worth of events gather: FTS5 writes a
	// segment per transaction and merges them later, so many small
	// batches cost far more than fewer larger ones.
	ix.svc.Log.Follow(ctx, from, channels.FollowOptions{Batch: indexBatch, NoPayloads: true, Linger: indexLinger, Failed: ix.failed},
		ix.apply)
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
	events, err := ix.svc.Log.Refs(ctx, since, indexBatch)
	if err != nil || len(events) == 0 {
		return 0, err
	}
	if err := ix.apply(ctx, events, events[len(events)-1].Seq); err != nil {
		return 0, err
	}
	return len(events), nil
}

// apply indexes the messages a batch of events is about and moves the
// cursor to upTo.
func (ix *Indexer) apply(ctx context.Context, events []channels.Event, upTo int64) error {
	ids := map[int64]bool{}
	for _, e := range events {
		if e.MessageID == 0 {
			continue
		}
		switch e.Type {
		case channels.EventMessageCreated, channels.EventMessageUpdated, channels.EventMessageDeleted,
			channels.EventReactionAdded, channels.EventReactionRemoved:
			ids[e.MessageID] = true
		}
	}
	if err := ix.reindex(ctx, ids, upTo); err != nil {
		return err
	}
	ix.mu.Lock()
	ix.cursor, ix.lastErr = upTo, ""
	ix.mu.Unlock()
	return nil
}

// reindex upserts the live messages among ids (and the roots of the
// replies among them, whose is:thread may have changed), deletes the rest
// and saves the cursor at seq.
func (ix *Indexer) reindex(ctx context.Context, ids map[int64]bool, seq int64) error {
	if len(ids) == 0 {
		return ix.saveCursor(ctx, seq)
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
	if f := ix.localFTS(); f != nil {
		// One transaction: documents, removals and the cursor.
		err := f.write(ctx, docs, gone, func(tx *sqlite.Tx) error { return ix.setCursor(tx, seq) })
		if err != nil {
			return fmt.Errorf("index %d messages: %w", len(docs), err)
		}
		ix.indexed.Add(int64(len(docs)))
		return nil
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
	// Saved after the backend has the batch: a crash in between repeats
	// the batch, which upserts make harmless.
	return ix.saveCursor(ctx, seq)
}

// localFTS is the index when it is the FTS5 backend in the cursor's
// database, whose writes can carry the cursor.
func (ix *Indexer) localFTS() *FTS {
	if f, ok := ix.index.(*FTS); ok && f.db == ix.store {
		return f
	}
	return nil
}

// loadCursor reads the saved cursor; found is false when there is none.
func (ix *Indexer) loadCursor(ctx context.Context) (seq int64, found bool, err error) {
	err = ix.store.ReadRow(ctx, `SELECT seq FROM search_cursor WHERE backend = ?`, ix.index.Name()).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read search cursor: %w", err)
	}
	return seq, true, nil
}

func (ix *Indexer) setCursor(tx *sqlite.Tx, seq int64) error {
	_, err := tx.Exec(`INSERT INTO search_cursor (backend, seq) VALUES (?, ?)
		ON CONFLICT (backend) DO UPDATE SET seq = excluded.seq`, ix.index.Name(), seq)
	return err
}

func (ix *Indexer) saveCursor(ctx context.Context, seq int64) error {
	err := ix.store.Write(context.WithoutCancel(ctx), func(tx *sqlite.Tx) error { return ix.setCursor(tx, seq) })
	if err != nil {
		return fmt.Errorf("save search cursor: %w", err)
	}
	return nil
}

// dropCursor forgets the cursor, so that a rebuild cut short is started
// again by the next Start.
func (ix *Indexer) dropCursor(ctx context.Context) error {
	err := ix.store.Write(context.WithoutCancel(ctx), func(tx *sqlite.Tx) error {
		_, err := tx.Exec(`DELETE FROM search_cursor WHERE backend = ?`, ix.index.Name())
		return err
	})
	if err != nil {
		return fmt.Errorf("drop search cursor: %w", err)
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
// the rebuild is indexed again by the follower (harmless: upserts). The
// cursor is dropped while it runs, so a rebuild cut short (a crash, parley
// reindex interrupted) is done again when the server next starts.
func (ix *Indexer) Rebuild(ctx context.Context, batch int, progress func(done, total int64)) error {
	head, _, err := ix.svc.Log.Head(ctx)
	if err != nil {
		return err
	}
	total, err := ix.svc.CountMessagesForIndex(ctx)
	if err != nil {
		return err
	}
	if err := ix.dropCursor(ctx); err != nil {
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
		ix.indexed.Add(int64(len(msgs)))
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
