package bots

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/sqlite"
)

// testEnv is a workspace on a real, migrated database in a temp folder:
// the core and the bots service over it, wired as cmd/parley wires them
// (the core's OwnedBots hook calls this package).
type testEnv struct {
	t    *testing.T
	dir  string
	db   *sqlite.DB
	log  *slog.Logger
	svc  *channels.Service
	bots *Service
}

// newTestEnv opens the workspace; tweak adjusts the core's options first.
func newTestEnv(t *testing.T, opts Options, tweak ...func(*channels.Options)) *testEnv {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.OpenDB(filepath.Join(dir, "parley.db"), "normal")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx, "channels", channels.Migrations()); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx, "bots", Migrations()); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	copts := channels.Options{DataDir: dir, OpenSignup: true, BcryptCost: bcrypt.MinCost}
	for _, f := range tweak {
		f(&copts)
	}
	svc := channels.New(db, logger, copts)
	b := New(svc, opts)
	svc.SetHooks(channels.Hooks{OwnedBots: OwnedBots})
	return &testEnv{t: t, dir: dir, db: db, log: logger, svc: svc, bots: b}
}

// person signs up a person and returns them as a caller with a session;
// the first person of a workspace is its admin.
func (e *testEnv) person(name string) *channels.Actor {
	e.t.Helper()
	_, session, err := e.svc.Signup(context.Background(), channels.SignupInput{Username: name, Password: "password-" + name})
	if err != nil {
		e.t.Fatal(err)
	}
	return e.authenticate(session)
}

// authenticate returns the caller a token belongs to.
func (e *testEnv) authenticate(token string) *channels.Actor {
	e.t.Helper()
	a, err := e.svc.Authenticate(context.Background(), token)
	if err != nil {
		e.t.Fatalf("authenticate: %v", err)
	}
	return a
}

// bot creates a bot owned by owner whose first token has scopes, and
// returns it with that token's caller.
func (e *testEnv) bot(owner *channels.Actor, name string, scopes ...string) (*Bot, *channels.Actor) {
	e.t.Helper()
	b, _, secret, err := e.bots.Create(context.Background(), owner, NewBot{Username: name, Scopes: scopes})
	if err != nil {
		e.t.Fatalf("create bot %s: %v", name, err)
	}
	return b, e.authenticate(secret)
}

// channel creates a channel with actor as its first member.
func (e *testEnv) channel(actor *channels.Actor, name string, private bool) *channels.Channel {
	e.t.Helper()
	ch, err := e.svc.CreateChannel(context.Background(), actor, channels.NewChannel{Name: name, Private: private})
	if err != nil {
		e.t.Fatalf("create channel %s: %v", name, err)
	}
	return ch
}

// commands builds the slash-command runner over the workspace, without a
// hub (ephemeral replies come back in results only); it is closed when
// the test ends. It is not started.
func (e *testEnv) commands(opts CommandsOptions) *Commands {
	c := NewCommands(e.svc, e.bots, nil, e.log, opts)
	e.t.Cleanup(c.Close)
	return c
}

// wantCode fails unless err is the service error with that code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", code)
	}
	if got := channels.ToHTTP(err).Code; got != code {
		t.Fatalf("error %q (%v), want %s", got, err, code)
	}
}

// testClock is a clock tests move by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock(now time.Time) *testClock { return &testClock{now: now} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// poll waits until cond holds, failing the test after a deadline. It
// yields between checks instead of sleeping for a set time.
func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}
