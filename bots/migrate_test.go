package bots

import (
	"context"
	"io/fs"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/sqlite"
)

// firstMigrations is the first n migrations of a component.
func firstMigrations(t *testing.T, all fs.FS, n int) fs.FS {
	t.Helper()
	names, err := fs.Glob(all, "*.sql")
	if err != nil || len(names) < n {
		t.Fatalf("migrations: %v (%d)", err, len(names))
	}
	out := fstest.MapFS{}
	for _, name := range names[:n] {
		body, err := fs.ReadFile(all, name)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = &fstest.MapFile{Data: body}
	}
	return out
}

// TestMigrate_IconsToCore: upgrading moves each bot's default icon from the
// bots table to the core's users row, and the bots table keeps no copy.
func TestMigrate_IconsToCore(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.OpenDB(filepath.Join(t.TempDir(), "parley.db"), "normal")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx, "channels", firstMigrations(t, channels.Migrations(), 7)); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx, "bots", firstMigrations(t, Migrations(), 3)); err != nil {
		t.Fatal(err)
	}
	err = db.Write(ctx, func(tx *sqlite.Tx) error {
		for _, q := range []string{
			`INSERT INTO users (id, username, kind, created_at, updated_at) VALUES (1, 'ana', 'person', 0, 0),
				(2, 'ci', 'bot', 0, 0), (3, 'cd', 'bot', 0, 0)`,
			`INSERT INTO bots (user_id, owner_id, icon_emoji, icon_url, created_at) VALUES (2, 1, 'robot_face', '', 0),
				(3, 1, '', 'https://example.com/cd.png', 0)`,
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
	if err := db.Migrate(ctx, "channels", channels.Migrations()); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx, "bots", Migrations()); err != nil {
		t.Fatal(err)
	}
	want := map[int64][2]string{1: {"", ""}, 2: {"robot_face", ""}, 3: {"", "https://example.com/cd.png"}}
	for id, icon := range want {
		var emoji, url string
		if err := db.Reader.QueryRow(`SELECT icon_emoji, icon_url FROM users WHERE id = ?`, id).Scan(&emoji, &url); err != nil {
			t.Fatal(err)
		}
		if emoji != icon[0] || url != icon[1] {
			t.Errorf("user %d has icon %q, %q; want %q", id, emoji, url, icon)
		}
	}
	var left int
	if err := db.Reader.QueryRow(`SELECT COUNT(*) FROM pragma_table_info('bots') WHERE name LIKE 'icon%'`).Scan(&left); err != nil || left != 0 {
		t.Errorf("the bots table keeps %d icon columns (%v)", left, err)
	}
}
