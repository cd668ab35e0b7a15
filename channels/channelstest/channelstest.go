// Package channelstest opens a real workspace core for the tests of the
// packages built on it (bots, webhooks, search): a migrated SQLite
// database in the test's temporary folder, people signed up as callers,
// and a clock that moves only when told to. Only tests import it.
package channelstest

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/sqlite"
)

// Migrations are a package's own migrations, applied after the core's as
// cmd/parley applies them.
type Migrations struct {
	Component string
	Files     fs.FS
}

// Workspace is the core on a fresh database in a temporary folder.
type Workspace struct {
	Dir string // the data folder
	DB  *sqlite.DB
	Log *slog.Logger // discards
	Svc *channels.Service
}

// Open migrates a database in t's temporary folder (the core, then more in
// order) and returns the core service on it, with open sign-up and the
// cheapest password hashing; tweak adjusts the core's options first.
func Open(t testing.TB, more []Migrations, tweak ...func(*channels.Options)) *Workspace {
	t.Helper()
	dir := t.TempDir()
	db, err := sqlite.OpenDB(filepath.Join(dir, "parley.db"), "normal")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	for _, m := range append([]Migrations{{"channels", channels.Migrations()}}, more...) {
		if err := db.Migrate(ctx, m.Component, m.Files); err != nil {
			t.Fatal(err)
		}
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	opts := channels.Options{DataDir: dir, OpenSignup: true, BcryptCost: bcrypt.MinCost}
	for _, f := range tweak {
		f(&opts)
	}
	return &Workspace{Dir: dir, DB: db, Log: logger, Svc: channels.New(db, logger, opts)}
}

// Person signs a person up and returns them as a caller with a session;
// the first person of a workspace is its admin.
func Person(t testing.TB, svc *channels.Service, name string) *channels.Actor {
	t.Helper()
	_, session, err := svc.Signup(context.Background(), channels.SignupInput{Username: name, Password: "password-" + name})
	if err != nil {
		t.Fatal(err)
	}
	return Caller(t, svc, session)
}

// Caller returns the caller a token or session belongs to.
func Caller(t testing.TB, svc *channels.Service, token string) *channels.Actor {
	t.Helper()
	a, err := svc.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Clock is a clock that moves only when told to, for services that take
// one (a Now func() time.Time option).
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock reading start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
