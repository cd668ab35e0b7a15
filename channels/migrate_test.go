package channels

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
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
	t.Run("refuses a database newer than the binary", func(t *testing.T) {
		s := newTestService(t)
		one := fstest.MapFS{"0001_a.sql": {Data: []byte("CREATE TABLE a (x INTEGER);")},
			"0002_b.sql": {Data: []byte("CREATE TABLE b (x INTEGER);")}}
		if err := s.db.Migrate(ctx, "extra", one); err != nil {
			t.Fatal(err)
		}
		delete(one, "0002_b.sql")
		err := s.db.Migrate(ctx, "extra", one)
		if err == nil || !strings.Contains(err.Error(), "newer") {
			t.Fatalf("err = %v, want a refusal", err)
		}
	})
	t.Run("rolls back a failing step", func(t *testing.T) {
		s := newTestService(t)
		bad := fstest.MapFS{"0001_ok.sql": {Data: []byte("CREATE TABLE ok1 (x INTEGER);")},
			"0002_bad.sql": {Data: []byte("CREATE TABLE half (x INTEGER); NOT SQL;")}}
		if err := s.db.Migrate(ctx, "bad", bad); err == nil {
			t.Fatal("want an error")
		}
		var n int
		if err := s.db.Reader.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'`).Scan(&n); err != nil || n != 0 {
			t.Errorf("half-applied migration left table behind (n=%d, err=%v)", n, err)
		}
		var v int
		if err := s.db.Reader.QueryRow(`SELECT MAX(version) FROM schema_migrations WHERE component = 'bad'`).Scan(&v); err != nil || v != 1 {
			t.Errorf("version = %d, %v; want 1", v, err)
		}
	})
	t.Run("rejects misnumbered files", func(t *testing.T) {
		s := newTestService(t)
		gap := fstest.MapFS{"0001_a.sql": {Data: []byte("SELECT 1;")}, "0003_c.sql": {Data: []byte("SELECT 1;")}}
		if err := s.db.Migrate(ctx, "gap", gap); err == nil {
			t.Fatal("want an error for a gap in versions")
		}
	})
}
