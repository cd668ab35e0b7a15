package search

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/sqlite"
)

// With the FTS index in the cursor's database, a batch and the cursor past
// it are written together: the saved cursor is the indexer's.
func TestIndexer_CursorWithIndex(t *testing.T) {
	ctx := context.Background()
	svc, ana, ch, ix, flaky := newIndexerWorld(t)
	bare := NewIndexer(svc, flaky.Index, ix.store, ix.log)
	if bare.localFTS() == nil {
		t.Fatal("FTS in the search database: want one transaction per batch")
	}
	m, _, err := svc.PostMessage(ctx, ana, ch.ID, channels.NewMessage{Text: "together"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bare.Step(ctx); err != nil {
		t.Fatal(err)
	}
	st, _ := bare.Status(ctx)
	saved, found, err := bare.loadCursor(ctx)
	if err != nil || !found || saved != st.Cursor || saved == 0 {
		t.Fatalf("saved cursor %d (found %v, %v), indexer at %d", saved, found, err, st.Cursor)
	}
	res, err := bare.Index().Search(ctx, Query{Terms: []Term{{Text: "together"}}, Filter: Filter{Readable: []int64{ch.ID}}, Limit: 5})
	if err != nil || len(res.Hits) != 1 || res.Hits[0].ID != m.ID {
		t.Fatalf("search after the step: %+v, %v", res, err)
	}
}

// A new search database beside messages whose events the log no longer
// keeps is filled by a rebuild from the messages, not a replay of the log.
func TestIndexer_NoCursorRebuilds(t *testing.T) {
	ctx := context.Background()
	svc, ana, ch, ix, _ := newIndexerWorld(t)
	var ids []int64
	for _, text := range []string{"older words", "newer words"} {
		m, _, err := svc.PostMessage(ctx, ana, ch.ID, channels.NewMessage{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	if n, err := svc.Log.Prune(ctx, time.Now().Add(time.Hour)); err != nil || n == 0 {
		t.Fatalf("prune: %d, %v", n, err)
	}

	sdb := openTestSearchDB(t)
	fts, err := NewFTS(sdb)
	if err != nil {
		t.Fatal(err)
	}
	fresh := NewIndexer(svc, fts, sdb, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := fresh.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	waitUntil(t, "the rebuild to index the message whose event was pruned", func() bool {
		res, err := fts.Search(ctx, Query{Terms: []Term{{Text: "older"}}, Filter: Filter{Readable: []int64{ch.ID}}, Limit: 5})
		return err == nil && len(res.Hits) == 1 && res.Hits[0].ID == ids[0]
	})
	waitUntil(t, "the cursor to be saved at the head", func() bool {
		seq, found, err := fresh.loadCursor(ctx)
		head, _, _ := svc.Log.Head(ctx)
		return err == nil && found && seq == head
	})

	// With a cursor, the next start follows the log: a message posted
	// meanwhile is indexed, and nothing is rebuilt.
	fresh.Close()
	again := NewIndexer(svc, fts, sdb, ix.log)
	if err := again.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if again.rebuild {
		t.Fatal("a search database with a cursor is rebuilt at start")
	}
}

// An interrupted rebuild leaves no cursor, so the next start rebuilds.
func TestIndexer_RebuildDropsCursorFirst(t *testing.T) {
	ctx := context.Background()
	svc, ana, ch, ix, flaky := newIndexerWorld(t)
	if _, _, err := svc.PostMessage(ctx, ana, ch.ID, channels.NewMessage{Text: "kept"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Step(ctx); err != nil {
		t.Fatal(err)
	}
	flaky.setDown(true)
	if err := ix.Rebuild(ctx, 10, nil); err == nil {
		t.Fatal("rebuild with the backend down: want an error")
	}
	if _, found, err := ix.loadCursor(ctx); err != nil || found {
		t.Fatalf("cursor after a failed rebuild: found %v, %v", found, err)
	}
}

// Older versions kept the index in the main database: MainMigrations drops
// it there, and is a no-op on a new database.
func TestMainMigrations_DropOldIndex(t *testing.T) {
	ctx := context.Background()
	old := openTestDB(t) // the old layout: search's tables in the main file
	fresh, err := sqlite.OpenDB(filepath.Join(t.TempDir(), "parley.db"), "normal")
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if err := fresh.Migrate(ctx, "channels", channels.Migrations()); err != nil {
		t.Fatal(err)
	}
	for _, db := range []*sqlite.DB{old, fresh} {
		if err := db.Migrate(ctx, "search-moved", MainMigrations()); err != nil {
			t.Fatal(err)
		}
		var tables, rows int
		if err := db.ReadRow(ctx, `SELECT count(*) FROM sqlite_master WHERE name IN ('search_fts', 'search_text', 'search_docs', 'search_cursor')`).Scan(&tables); err != nil {
			t.Fatal(err)
		}
		if err := db.ReadRow(ctx, `SELECT count(*) FROM schema_migrations WHERE component = 'search'`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if tables != 0 || rows != 0 {
			t.Fatalf("%s: %d search tables and %d migration rows left", db.Path, tables, rows)
		}
	}
}
