package channels

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/schema.sql")

// TestMigrate_SchemaSnapshot applies every migration to an empty database and
// compares the schema with the checked-in snapshot, so that schema changes
// show up in review. Run with -update after adding a migration.
func TestMigrate_SchemaSnapshot(t *testing.T) {
	s := newTestService(t)
	rows, err := s.db.Reader.Query(`SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var q string
		if err := rows.Scan(&q); err != nil {
			t.Fatal(err)
		}
		b.WriteString(q + ";\n\n")
	}
	got := b.String()
	path := filepath.Join("testdata", "schema.sql")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read snapshot (run go test -run SchemaSnapshot -update): %v", err)
	}
	if got != string(want) {
		t.Errorf("schema differs from %s; if the change is intended, run with -update.\ngot:\n%s", path, got)
	}
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	t.Run("is idempotent", func(t *testing.T) {
		s := newTestService(t)
		if err := s.db.Migrate(ctx, "channels", Migrations()); err != nil {
			t.Fatalf("second run: %v", err)
		}
	})
}
