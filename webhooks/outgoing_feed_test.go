package webhooks

import (
	"context"
	"testing"
	"time"

	"github.com/parley-chat/parley/channels/sqlite"
)

// The feeder hands a delivery out again once its last attempt is written,
// whichever comes to it first: the worker's word that it finished, or the
// recorder's that the attempt is written. (When the recorder's came first,
// the delivery stayed busy for good, and a redelivery never went out.)
func TestOutgoing_FeedAfterRecordedFirst(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc := newTestService(t)
	ana := signup(t, svc, "ana")
	sender, err := NewSender(SenderOptions{Allow: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	o := NewOutgoing(svc, sender, testLogger(), OutgoingOptions{})
	rc := newReceiver(t, newTestClock(), nil) // answers the URL check; the test sends nothing to it
	s, _, err := o.Create(ctx, ana, SubscriptionInput{Name: ptr("hook"), URL: ptr(rc.srv.URL)})
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	err = o.db.Write(ctx, func(tx *sqlite.Tx) error {
		now := time.Now().UnixMilli()
		res, err := tx.Exec(`INSERT INTO outgoing_deliveries (webhook_id, event_id, event_seq, event_type, body, content_type,
			next_attempt_at, created_at, updated_at) VALUES (?, 'Ev1W1', 1, 'message.created', '{}', 'application/json', ?, ?, ?)`,
			s.ID, now, now, now)
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	jobs, fin, recorded := make(chan *Delivery, 4), make(chan finished, 4), make(chan []int64, 1)
	done := make(chan struct{})
	go func() { defer close(done); o.feed(ctx, jobs, fin, recorded) }()
	defer func() { cancel(); <-done }()
	handedOut := func(what string) {
		t.Helper()
		select {
		case d := <-jobs:
			if d.ID != id {
				t.Fatalf("%s: handed out delivery %d, want %d", what, d.ID, id)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: delivery %d was not handed out", what, id)
		}
	}
	handedOut("the first attempt")
	// Its attempt is written and the recorder says so before the worker's
	// word reaches the feeder; then it is redelivered.
	recorded <- []int64{id}
	fin <- finished{id: id, recording: true}
	err = o.db.Write(ctx, func(tx *sqlite.Tx) error {
		_, err := tx.Exec(`UPDATE outgoing_deliveries SET state = 'succeeded', attempts = 1 WHERE id = ?`, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Redeliver(ctx, ana, s.ID, id); err != nil {
		t.Fatal(err)
	}
	handedOut("the redelivery")
}
