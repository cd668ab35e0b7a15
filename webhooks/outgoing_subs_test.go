package webhooks

import (
	"context"
	"testing"

	"github.com/parley-chat/parley/channels/sqlite"
)

// newTestOutgoing is the outgoing service, not started, on a database
// whose first user (id 1) is ana.
func newTestOutgoing(t *testing.T) *Outgoing {
	t.Helper()
	svc := newTestService(t)
	signup(t, svc, "ana")
	return NewOutgoing(svc, nil, testLogger(), OutgoingOptions{})
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
