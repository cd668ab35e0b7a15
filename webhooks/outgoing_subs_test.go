package webhooks

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/sqlite"
)

func newTestOutgoing(t *testing.T) *Outgoing {
	t.Helper()
	dir := t.TempDir()
	db, err := sqlite.OpenDB(filepath.Join(dir, "parley.db"), "normal")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if err := db.Migrate(ctx, "channels", channels.Migrations()); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx, "webhooks", Migrations()); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := channels.New(db, logger, channels.Options{DataDir: dir, BcryptCost: 4})
	if _, err := svc.CreateUser(ctx, "ana", "password-ana", true); err != nil {
		t.Fatal(err)
	}
	return NewOutgoing(svc, nil, logger, OutgoingOptions{})
}

// The dispatcher's copy of the subscriptions is re-read while a change is
// in flight and once after it finished, so it is never older than the
// events read before it.
func TestOutgoing_ActiveSubscriptionsCache(t *testing.T) {
	ctx := context.Background()
	o := newTestOutgoing(t)
	insert := func(name string) func(tx *sqlite.Tx) error {
		return func(tx *sqlite.Tx) error {
			_, err := tx.Exec(`INSERT INTO outgoing_webhooks (creator_id, name, url, secret, token, channel_ids, event_types,
				trigger_words, trigger_when, format, content_type, include_bot_messages, active, created_seq, created_at, updated_at)
				VALUES (1, ?, 'http://example.com', 's', 't', '[]', '[]', '[]', 'first_word', 'event', 'application/json', 0, 1, 0, 1, 1)`, name)
			return err
		}
	}
	count := func(want int) {
		t.Helper()
		subs, err := o.activeSubscriptions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(subs) != want {
			t.Fatalf("active subscriptions = %d, want %d", len(subs), want)
		}
	}
	count(0)

	// A change written around this service is not seen until the copy ages.
	if err := o.db.Write(ctx, insert("behind our back")); err != nil {
		t.Fatal(err)
	}
	count(0)
	o.subsReadAt = o.subsReadAt.Add(-subsMaxAge)
	count(1)

	// While a change is in flight, every call reads the database: the read
	// made before its commit is not kept.
	o.subsStarted.Add(1)
	count(1)
	if err := o.db.Write(ctx, insert("in flight")); err != nil {
		t.Fatal(err)
	}
	count(2)
	o.subsFinished.Add(1)
	count(2)

	// Through writeSubscriptions, the next call sees the change.
	if err := o.writeSubscriptions(ctx, insert("ours")); err != nil {
		t.Fatal(err)
	}
	count(3)
}
