package main

import (
	"testing"

	"github.com/slack-go/slack"

	"github.com/parley-chat/parley/channels"
)

// TestSlackAPI_Overrides: chat.postMessage's username and icon go into the
// message's author overrides (not its props) for a bot with
// chat:write.customize, are returned in Slack's message objects and the
// native API, and are ignored without the scope.
func TestSlackAPI_Overrides(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.signup("root")
	ch := admin.createChannel("deploys", false)
	custom, _ := admin.createBot("custom", channels.ScopeChatWrite, channels.ScopeChatWriteCustomize, channels.ScopeChannelsHistory)
	plain, _ := admin.createBot("plain", channels.ScopeChatWrite)
	admin.addMember(ch.ID, custom.User.ID)
	admin.addMember(ch.ID, plain.User.ID)
	chID := sid("C", ch.ID)

	_, ts1, err := ts.slackAPI(custom.Token).PostMessage(chID, slack.MsgOptionText("deploying", false),
		slack.MsgOptionUsername("Deployer"), slack.MsgOptionIconEmoji(":rocket:"))
	must(t, err)
	m := nativeMessage(admin, ts1)
	if m.Username != "Deployer" || m.IconEmoji != "rocket" || len(m.Props) != 0 {
		t.Errorf("native message: username %q icon_emoji %q props %s", m.Username, m.IconEmoji, m.Props)
	}
	_, ts2, err := ts.slackAPI(custom.Token).PostMessage(chID, slack.MsgOptionText("shipped", false),
		slack.MsgOptionIconURL("https://example.com/ship.png"))
	must(t, err)
	if m := nativeMessage(admin, ts2); m.IconURL != "https://example.com/ship.png" || m.Username != "" {
		t.Errorf("native message: icon_url %q username %q", m.IconURL, m.Username)
	}
	_, ts3, err := ts.slackAPI(plain.Token).PostMessage(chID, slack.MsgOptionText("plain", false),
		slack.MsgOptionUsername("Spoof"), slack.MsgOptionIconEmoji(":ghost:"))
	must(t, err) // ignored without chat:write.customize, as Slack does
	if m := nativeMessage(admin, ts3); m.Username != "" || m.IconEmoji != "" {
		t.Errorf("overrides without the scope were kept: %+v", m)
	}
	// A bad icon is refused.
	_, _, err = ts.slackAPI(custom.Token).PostMessage(chID, slack.MsgOptionText("x", false), slack.MsgOptionIconURL("file:///etc/passwd"))
	slackErr(t, err, "invalid_arguments")

	hist, err := ts.slackAPI(admin.Token).GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: chID})
	must(t, err)
	got := map[string]slack.Message{}
	for _, msg := range hist.Messages {
		got[msg.Timestamp] = msg
	}
	if msg := got[ts1]; msg.Username != "Deployer" || msg.Icons == nil || msg.Icons.IconEmoji != ":rocket:" || msg.BotID == "" {
		t.Errorf("history message 1 = username %q icons %+v bot_id %q", msg.Username, msg.Icons, msg.BotID)
	}
	if msg := got[ts2]; msg.Username != "custom" || msg.Icons == nil || msg.Icons.IconURL != "https://example.com/ship.png" {
		t.Errorf("history message 2 = username %q icons %+v", msg.Username, msg.Icons)
	}
	if msg := got[ts3]; msg.Username != "plain" || msg.Icons != nil {
		t.Errorf("history message 3 = username %q icons %+v", msg.Username, msg.Icons)
	}
	// chat.update keeps the overrides.
	_, _, _, err = ts.slackAPI(custom.Token).UpdateMessage(chID, ts1, slack.MsgOptionText("deployed", false))
	must(t, err)
	if m := nativeMessage(admin, ts1); m.Text != "deployed" || m.Username != "Deployer" || m.IconEmoji != "rocket" {
		t.Errorf("after chat.update: %+v", m)
	}
}

// TestSlackAPI_PostByCachedID: chat.postMessage names a channel it has seen
// from a cache of kinds without loading it again; the post itself still
// checks access, so a private channel stays channel_not_found to others.
func TestSlackAPI_PostByCachedID(t *testing.T) {
	ts := newTestServer(t)
	alice, bob := ts.signup("alice"), ts.signup("bob")
	priv := alice.createChannel("secret", true)
	dm := alice.openDM(bob.User.ID)
	api, bobAPI := ts.slackAPI(alice.Token), ts.slackAPI(bob.Token)
	for range 2 {
		got, _, err := api.PostMessage(sid("C", priv.ID), slack.MsgOptionText("hi", false))
		must(t, err)
		if got != sid("C", priv.ID) {
			t.Errorf("channel %q", got)
		}
		got, _, err = api.PostMessage(sid("D", dm.ID), slack.MsgOptionText("hi", false))
		must(t, err)
		if got != sid("D", dm.ID) {
			t.Errorf("DM channel %q", got)
		}
	}
	// Cached by alice's posts, still invisible to bob.
	_, _, err := bobAPI.PostMessage(sid("C", priv.ID), slack.MsgOptionText("let me in", false))
	slackErr(t, err, "channel_not_found")
	_, _, err = bobAPI.PostMessage(sid("G", priv.ID), slack.MsgOptionText("let me in", false))
	slackErr(t, err, "channel_not_found")
}
