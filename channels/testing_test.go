package channels

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/parley-chat/parley/channels/sqlite"
)

// newTestService opens a migrated database in a temp folder; tweak adjusts
// the options first.
func newTestService(t *testing.T, tweak ...func(*Options)) *Service {
	t.Helper()
	dir := t.TempDir()
	db, err := sqlite.OpenDB(filepath.Join(dir, "parley.db"), "normal")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background(), "channels", Migrations()); err != nil {
		t.Fatal(err)
	}
	opts := Options{DataDir: dir, OpenSignup: true, BcryptCost: bcrypt.MinCost}
	for _, f := range tweak {
		f(&opts)
	}
	return New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), opts)
}

// actor signs up a user and returns it as an authenticated caller.
func actor(t *testing.T, s *Service, name string) *Actor {
	t.Helper()
	_, token, err := s.Signup(context.Background(), SignupInput{Username: name, Password: "password-" + name})
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
