package search

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/channelstest"
	"github.com/parley-chat/parley/channels/sqlite"
)

// flakyIndex wraps an index and fails its writes while down, as an
// unreachable Meilisearch would.
type flakyIndex struct {
	Index
	mu   sync.Mutex
	down bool
}

func (f *flakyIndex) setDown(down bool) {
	f.mu.Lock()
	f.down = down
	f.mu.Unlock()
}

func (f *flakyIndex) fail() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return fmt.Errorf("connect: %w", ErrUnavailable)
	}
	return nil
}

func (f *flakyIndex) Upsert(ctx context.Context, docs []Document) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Index.Upsert(ctx, docs)
}

func (f *flakyIndex) Delete(ctx context.Context, ids []int64) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Index.Delete(ctx, ids)
}

// openTestSearchDB opens a search database of its own, as the server does.
func openTestSearchDB(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := OpenDB(context.Background(), filepath.Join(t.TempDir(), "search.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// newIndexerWorld is a core service with one user and channel, and an
// indexer over FTS in a search database of its own, wrapped by flakyIndex.
func newIndexerWorld(t *testing.T) (*channels.Service, *channels.Actor, *channels.Channel, *Indexer, *flakyIndex) {
	t.Helper()
	w := openTestWorkspace(t)
	sdb := openTestSearchDB(t)
	svc, logger := w.Svc, w.Log
	ctx := context.Background()
	ana := channelstest.Person(t, svc, "ana")
	ch, err := svc.CreateChannel(ctx, ana, channels.NewChannel{Name: "general"})
	if err != nil {
		t.Fatal(err)
	}
	fts, err := NewFTS(sdb)
	if err != nil {
		t.Fatal(err)
	}
	flaky := &flakyIndex{Index: fts}
	return svc, ana, ch, NewIndexer(svc, flaky, sdb, logger), flaky
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// While the backend is down, posting goes on and nothing is lost: the
// indexer reports the error, retries, and catches up when it returns.
func TestIndexer_OutageThenCatchUp(t *testing.T) {
	ctx := context.Background()
	svc, ana, ch, ix, flaky := newIndexerWorld(t)
	flaky.setDown(true)
	if err := ix.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer ix.Close()

	var ids []int64
	for i := range 50 {
		m, _, err := svc.PostMessage(ctx, ana, ch.ID, channels.NewMessage{Text: fmt.Sprintf("outage report %d", i)})
		if err != nil {
			t.Fatalf("posting while the index is down: %v", err)
		}
		ids = append(ids, m.ID)
	}
	waitUntil(t, "the failure to show in the status", func() bool {
		st, err := ix.Status(ctx)
		return err == nil && st.LastError != "" && st.LastErrorAt != nil && st.Lag > 0
	})

	flaky.setDown(false)
	waitUntil(t, "the indexer to catch up", func() bool {
		st, err := ix.Status(ctx)
		return err == nil && st.Lag == 0 && st.LastError == ""
	})
	res, err := ix.Index().Search(ctx, Query{Terms: []Term{{Text: "outage"}}, Filter: Filter{Readable: []int64{ch.ID}}, Sort: SortNewest, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != len(ids) {
		t.Fatalf("after the outage %d of %d messages are found", len(res.Hits), len(ids))
	}
}

// The cursor is persisted: a new indexer (a restart) goes on from it, and
// a rebuild indexes everything again from the database.
func TestIndexer_CursorAndRebuild(t *testing.T) {
	ctx := context.Background()
	svc, ana, ch, ix, _ := newIndexerWorld(t)
	post := func(text string) int64 {
		m, _, err := svc.PostMessage(ctx, ana, ch.ID, channels.NewMessage{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	post("first words")
	for {
		n, err := ix.Step(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	st, err := ix.Status(ctx)
	if err != nil || st.Lag != 0 || st.Cursor == 0 {
		t.Fatalf("status %+v, %v", st, err)
	}

	again := NewIndexer(svc, ix.Index(), ix.store, ix.log)
	if err := again.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if st2, _ := again.Status(ctx); st2.Cursor != st.Cursor {
		t.Fatalf("a restarted indexer starts at %d, want %d", st2.Cursor, st.Cursor)
	}

	second := post("second words")
	waitUntil(t, "the restarted indexer to index the new message", func() bool {
		res, err := again.Index().Search(ctx, Query{Terms: []Term{{Text: "second"}}, Filter: Filter{Readable: []int64{ch.ID}}, Limit: 5})
		return err == nil && len(res.Hits) == 1 && res.Hits[0].ID == second
	})

	var calls int
	if err := again.Rebuild(ctx, 1, func(done, total int64) {
		calls++
		if done > total {
			t.Errorf("progress %d of %d", done, total)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("progress called %d times for 2 messages in batches of 1", calls)
	}
	res, err := again.Index().Search(ctx, Query{Terms: []Term{{Text: "words"}}, Filter: Filter{Readable: []int64{ch.ID}}, Limit: 5})
	if err != nil || len(res.Hits) != 2 {
		t.Fatalf("after the rebuild: %+v, %v", res, err)
	}
}

func TestIndexer_StepFailureKeepsCursor(t *testing.T) {
	ctx := context.Background()
	svc, ana, ch, ix, flaky := newIndexerWorld(t)
	if _, _, err := svc.PostMessage(ctx, ana, ch.ID, channels.NewMessage{Text: "kept"}); err != nil {
		t.Fatal(err)
	}
	flaky.setDown(true)
	if _, err := ix.Step(ctx); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("step while down: %v", err)
	}
	if st, _ := ix.Status(ctx); st.Cursor != 0 {
		t.Fatalf("cursor moved past a failed batch: %+v", st)
	}
	// Nor was it saved: a restarted indexer reads it from the database.
	again := NewIndexer(svc, flaky, ix.store, ix.log)
	if err := again.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if st, _ := again.Status(ctx); st.Cursor != 0 {
		t.Fatalf("a failed batch's cursor was saved: %+v", st)
	}
}
