package sqlite

import (
	"path/filepath"
	"testing"
)

// openTestDB opens a database file in a temp folder, closed at the end.
func openTestDB(t *testing.T) *DB {
	t.Helper()
	db, err := OpenDB(filepath.Join(t.TempDir(), "test.db"), "normal")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
