package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/sqlite"
)

// TestSlackAPI_TSPastAMillion: message ids past 999,999 keep Slack's ts
// form (six fraction digits) through slack-go, every method finds the
// message by it, a ts whose second is not the message's finds nothing,
// and a seven-digit ts written before the change still works.
func TestSlackAPI_TSPastAMillion(t *testing.T) {
	ts := newTestServer(t)
	alice := ts.signup("alice")
	api := ts.slackAPI(alice.Token)
	ch, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "big"})
	must(t, err)
	other := alice.createChannel("other", false)
	// A message elsewhere with a large id: the next ones come after it.
	err = ts.app.db.Write(context.Background(), func(tx *sqlite.Tx) error {
		_, err := tx.Exec(`INSERT INTO messages (id, channel_id, user_id, text, markup, created_at) VALUES (1234566, ?, ?, 'x', 'markdown', 0)`,
			other.ID, alice.User.ID)
		return err
	})
	must(t, err)

	_, root, err := api.PostMessage(ch.ID, slack.MsgOptionText("root past a million", false))
	must(t, err)
	chID, _ := strconv.ParseInt(ch.ID[1:], 10, 64)
	m := nativeMessageByText(t, alice, chID, "root past a million")
	secs, frac, _ := strings.Cut(root, ".")
	if m.ID != 1234567 || frac != "234567" || secs != strconv.FormatInt(m.CreatedAt/1000, 10) {
		t.Fatalf("message %d posted at %d has ts %q", m.ID, m.CreatedAt, root)
	}

	_, reply, err := api.PostMessage(ch.ID, slack.MsgOptionText("a reply", false), slack.MsgOptionTS(root))
	must(t, err)
	msgs, _, _, err := api.GetConversationReplies(&slack.GetConversationRepliesParameters{ChannelID: ch.ID, Timestamp: root})
	must(t, err)
	if len(msgs) != 2 || msgs[0].Timestamp != root || msgs[1].Timestamp != reply || msgs[1].ThreadTimestamp != root {
		t.Fatalf("replies %+v", msgs)
	}
	must(t, api.AddReaction("tada", slack.NewRefToMessage(ch.ID, root)))
	if _, _, _, err := api.UpdateMessage(ch.ID, root, slack.MsgOptionText("root, edited", false)); err != nil {
		t.Fatal(err)
	}
	hist, err := api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: ch.ID, Latest: root, Inclusive: true, Limit: 1})
	must(t, err)
	if len(hist.Messages) != 1 || hist.Messages[0].Timestamp != root || hist.Messages[0].Text != "root, edited" {
		t.Fatalf("history up to the root %+v", hist.Messages)
	}

	// The same fraction in another second names nothing.
	n, _ := strconv.ParseInt(secs, 10, 64)
	wrong := fmt.Sprintf("%d.%s", n-1, frac)
	_, _, _, err = api.UpdateMessage(ch.ID, wrong, slack.MsgOptionText("no", false))
	slackErr(t, err, "message_not_found")
	_, _, err = api.PostMessage(ch.ID, slack.MsgOptionText("no", false), slack.MsgOptionTS(wrong))
	slackErr(t, err, "thread_not_found")
	// A ts written before: seconds, then the whole id.
	legacy := fmt.Sprintf("%s.%d", secs, m.ID)
	if _, _, _, err := api.UpdateMessage(ch.ID, legacy, slack.MsgOptionText("root, edited again", false)); err != nil {
		t.Fatalf("a seven-digit ts: %v", err)
	}
}

// nativeMessageByText finds a channel's newest message with text through
// the native API.
func nativeMessageByText(t *testing.T, c *client, channelID int64, text string) channels.Message {
	t.Helper()
	for _, m := range c.history(channelID) {
		if m.Text == text {
			return m
		}
	}
	t.Fatalf("no message %q", text)
	return channels.Message{}
}
