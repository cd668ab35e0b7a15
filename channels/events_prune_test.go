package channels

import (
	"context"
	"testing"
	"time"

	"github.com/parley-chat/parley/channels/sqlite"
)

// Prune works from the oldest events in batches and keeps the newest event
// whatever its age.
func TestLogPrune(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name        string
		events      int // one a second from base
		cutoff      time.Duration
		wantDeleted int64
		wantLeft    int64
	}{
		{"nothing old", 10, 0, 0, 10},
		{"inside one batch", 100, 40 * time.Second, 40, 60},
		{"across batches", 2*pruneBatch + 500, (2*pruneBatch + 100) * time.Second, 2*pruneBatch + 100, 400},
		{"all but the head", 2*pruneBatch + 7, 1000 * time.Hour, 2*pruneBatch + 6, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestService(t)
			ctx := context.Background()
			err := s.db.Write(ctx, func(tx *sqlite.Tx) error {
				for i := 0; i < tc.events; i++ {
					if _, err := tx.Exec(insertEvent, "test.event", ScopeAll, nil, nil, nil, nil, []byte(`{}`),
						base.Add(time.Duration(i)*time.Second).UnixMilli()); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			head, _, err := s.Log.Head(ctx)
			if err != nil {
				t.Fatal(err)
			}
			deleted, err := s.Log.Prune(ctx, base.Add(tc.cutoff))
			if err != nil {
				t.Fatal(err)
			}
			if deleted != tc.wantDeleted {
				t.Errorf("deleted %d, want %d", deleted, tc.wantDeleted)
			}
			var left int64
			if err := s.db.ReadRow(ctx, `SELECT COUNT(*) FROM events`).Scan(&left); err != nil {
				t.Fatal(err)
			}
			if left != tc.wantLeft {
				t.Errorf("%d events left, want %d", left, tc.wantLeft)
			}
			if after, _, err := s.Log.Head(ctx); err != nil || after != head {
				t.Errorf("head %d after pruning, want %d (%v)", after, head, err)
			}
		})
	}
}
