package webhooks

import (
	"context"
	"strings"
	"testing"
	"time"
)

// The dispatcher matches each event against the users as they were at that
// event, in log order: a subscription's creator deactivated and back again
// within one batch of the log does not have it fire for what was posted
// while they were away.
func TestOutgoing_MatchesInLogOrder(t *testing.T) {
	ctx := context.Background()
	e := newOutEnv(t, OutgoingOptions{})
	rc := newReceiver(t, e.clock, nil)
	e.subscribe(t, rc, SubscriptionInput{TriggerWords: &[]string{"ship"}, ChannelIDs: &[]int64{e.general.ID}})
	if _, err := e.svc.Join(ctx, e.root, e.general.ID); err != nil {
		t.Fatal(err)
	}
	e.out.Close() // what follows reaches the next dispatcher as one batch

	if _, err := e.svc.SetActive(ctx, e.root, e.ana.ID, false); err != nil {
		t.Fatal(err)
	}
	post(t, e.svc, e.root, e.general.ID, "ship while away")
	if _, err := e.svc.SetActive(ctx, e.root, e.ana.ID, true); err != nil {
		t.Fatal(err)
	}
	post(t, e.svc, e.root, e.general.ID, "ship when back")

	out, _ := startOutgoing(t, e.svc, OutgoingOptions{}, 5*time.Second)
	rc.waitRequests(1)
	settled(t, out)
	got := rc.requests()
	if len(got) != 1 || !strings.Contains(string(got[0].body), "back") {
		var bodies []string
		for _, r := range got {
			bodies = append(bodies, string(r.body))
		}
		t.Fatalf("the receiver got %d requests, want only the one after the creator's return: %q", len(got), bodies)
	}
}
