package webhooks

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/slackwire"
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

// A new message reaches an events-format subscription as Slack's message
// event: its event_ts is its ts, and a reply carries its root's ts as
// thread_ts.
func TestOutgoing_MessageEventShape(t *testing.T) {
	ctx := context.Background()
	e := newOutEnv(t, OutgoingOptions{})
	rc := newReceiver(t, e.clock, nil)
	e.subscribe(t, rc, SubscriptionInput{Format: ptr(FormatEvent), ChannelIDs: &[]int64{e.general.ID}})
	root := post(t, e.svc, e.ana, e.general.ID, "the root")
	reply, _, err := e.svc.PostMessage(ctx, e.ana, e.general.ID, channels.NewMessage{Text: "a reply", ThreadID: root.ID})
	if err != nil {
		t.Fatal(err)
	}
	got := rc.waitRequests(2)
	type messageEvent struct {
		Type        string `json:"type"`
		TS          string `json:"ts"`
		EventTS     string `json:"event_ts"`
		ThreadTS    string `json:"thread_ts"`
		ChannelType string `json:"channel_type"`
	}
	var events [2]struct {
		Event messageEvent `json:"event"`
	}
	for i := range events {
		if err := json.Unmarshal(got[i].body, &events[i]); err != nil {
			t.Fatal(err)
		}
	}
	rootTS, replyTS := slackwire.MessageTS(root), slackwire.MessageTS(reply)
	if r := events[0].Event; r.Type != "message" || r.TS != rootTS || r.EventTS != rootTS || r.ThreadTS != "" || r.ChannelType != "channel" {
		t.Errorf("the root's event %+v, want ts %s", r, rootTS)
	}
	if r := events[1].Event; r.TS != replyTS || r.EventTS != replyTS || r.ThreadTS != rootTS {
		t.Errorf("the reply's event %+v, want ts %s under %s", r, replyTS, rootTS)
	}
}
