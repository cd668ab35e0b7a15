package bots

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/channelstest"
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
	w := channelstest.Open(t, []channelstest.Migrations{{Component: "bots", Files: Migrations()}}, tweak...)
	b := New(w.Svc, opts)
	w.Svc.SetHooks(channels.Hooks{OwnedBots: OwnedBots})
	return &testEnv{t: t, dir: w.Dir, db: w.DB, log: w.Log, svc: w.Svc, bots: b}
}

// person signs up a person and returns them as a caller with a session;
// the first person of a workspace is its admin.
func (e *testEnv) person(name string) *channels.Actor {
	e.t.Helper()
	return channelstest.Person(e.t, e.svc, name)
}

// authenticate returns the caller a token belongs to.
func (e *testEnv) authenticate(token string) *channels.Actor {
	e.t.Helper()
	return channelstest.Caller(e.t, e.svc, token)
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
type testClock = channelstest.Clock

func newTestClock(now time.Time) *testClock { return channelstest.NewClock(now) }

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
