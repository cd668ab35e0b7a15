package channels

import (
	"context"
	"io/fs"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/parley-chat/parley/channels/sqlite"
)

// migrationsUpTo is the core's migrations numbered up to n.
func migrationsUpTo(t *testing.T, n int) fs.FS {
	t.Helper()
	names, err := fs.Glob(Migrations(), "*.sql")
	if err != nil || len(names) < n {
		t.Fatalf("migrations: %v (%d)", err, len(names))
	}
	out := fstest.MapFS{}
	for _, name := range names[:n] {
		body, err := fs.ReadFile(Migrations(), name)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = &fstest.MapFile{Data: body}
	}
	return out
}

// TestMigrate_JoinedSeqBackfill: upgrading gives existing members the seq of
// their latest join, and 0 (the whole log) to those who never had one.
func TestMigrate_JoinedSeqBackfill(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.OpenDB(filepath.Join(t.TempDir(), "parley.db"), "normal")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx, "channels", migrationsUpTo(t, 5)); err != nil {
		t.Fatal(err)
	}
	err = db.Write(ctx, func(tx *sqlite.Tx) error {
		for _, q := range []string{
			`INSERT INTO users (id, username, created_at, updated_at) VALUES (1, 'ana', 0, 0), (2, 'bob', 0, 0)`,
			`INSERT INTO channels (id, name, kind, creator_id, created_at, updated_at) VALUES (1, 'a', 'public', 1, 0, 0), (2, 'b', 'public', 1, 0, 0)`,
			`INSERT INTO members (channel_id, user_id, joined_at) VALUES (1, 1, 0), (1, 2, 0), (2, 2, 0)`,
			// bob joined channel 1 twice (seq 3, then 6) and channel 2 once (seq 5); ana never
			`INSERT INTO events (seq, type, scope, channel_id, subject_id, payload, created_at) VALUES
				(1, 'channel.created', 'all', 1, NULL, '{}', 0), (2, 'message.created', 'channel', 1, NULL, '{}', 0),
				(3, 'member.joined', 'channel', 1, 2, '{}', 0), (4, 'member.left', 'channel', 1, 2, '{}', 0),
				(5, 'member.joined', 'channel', 2, 2, '{}', 0), (6, 'member.joined', 'channel', 1, 2, '{}', 0)`,
		} {
			if _, err := tx.Exec(q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx, "channels", Migrations()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ channel, user, want int64 }{{1, 1, 0}, {1, 2, 6}, {2, 2, 5}} {
		var got int64
		if err := db.Reader.QueryRow(`SELECT joined_seq FROM members WHERE channel_id = ? AND user_id = ?`, tc.channel, tc.user).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("member %d of channel %d: joined_seq %d, want %d", tc.user, tc.channel, got, tc.want)
		}
	}
}
