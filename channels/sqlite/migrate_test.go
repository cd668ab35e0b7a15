package sqlite

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"
)

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	t.Run("refuses a database newer than the binary", func(t *testing.T) {
		db := openTestDB(t)
		one := fstest.MapFS{"0001_a.sql": {Data: []byte("CREATE TABLE a (x INTEGER);")},
			"0002_b.sql": {Data: []byte("CREATE TABLE b (x INTEGER);")}}
		if err := db.Migrate(ctx, "extra", one); err != nil {
			t.Fatal(err)
		}
		delete(one, "0002_b.sql")
		err := db.Migrate(ctx, "extra", one)
		if err == nil || !strings.Contains(err.Error(), "newer") {
			t.Fatalf("err = %v, want a refusal", err)
		}
	})
	t.Run("rolls back a failing step", func(t *testing.T) {
		db := openTestDB(t)
		bad := fstest.MapFS{"0001_ok.sql": {Data: []byte("CREATE TABLE ok1 (x INTEGER);")},
			"0002_bad.sql": {Data: []byte("CREATE TABLE half (x INTEGER); NOT SQL;")}}
		if err := db.Migrate(ctx, "bad", bad); err == nil {
			t.Fatal("want an error")
		}
		var n int
		if err := db.Reader.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'`).Scan(&n); err != nil || n != 0 {
			t.Errorf("half-applied migration left table behind (n=%d, err=%v)", n, err)
		}
		var v int
		if err := db.Reader.QueryRow(`SELECT MAX(version) FROM schema_migrations WHERE component = 'bad'`).Scan(&v); err != nil || v != 1 {
			t.Errorf("version = %d, %v; want 1", v, err)
		}
	})
	t.Run("rejects misnumbered files", func(t *testing.T) {
		db := openTestDB(t)
		gap := fstest.MapFS{"0001_a.sql": {Data: []byte("SELECT 1;")}, "0003_c.sql": {Data: []byte("SELECT 1;")}}
		if err := db.Migrate(ctx, "gap", gap); err == nil {
			t.Fatal("want an error for a gap in versions")
		}
	})
}
