package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/slack-go/slack"

	"github.com/parley-chat/parley/channels"
)

func TestBots_KeyUpsertAndThreadKey(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.signup("root")
	ch := admin.createChannel("builds", false)
	bot, _ := admin.createBot("ci", channels.ScopeChatWrite, channels.ScopeChannelsHistory)
	admin.addMember(ch.ID, bot.User.ID)
	path := fmt.Sprintf("/api/v1/channels/%d/messages", ch.ID)

	var first, again, reply, other channels.Message
	bot.mustJSON(http.StatusCreated, "POST", path, map[string]any{"text": "build #42: running", "key": "build-42"}, &first)
	if first.Key != "build-42" {
		t.Errorf("key = %q", first.Key)
	}
	bot.mustJSON(http.StatusOK, "POST", path, map[string]any{"text": "build #42: passed", "key": "build-42",
		"attachments": []map[string]any{{"color": "good", "text": "all green"}}}, &again)
	if again.ID != first.ID || again.Text != "build #42: passed" || again.EditedAt == nil || len(again.Attachments) == 0 {
		t.Errorf("re-post with the key = %+v, want message %d updated", again, first.ID)
	}
	bot.mustJSON(http.StatusCreated, "POST", path, map[string]any{"text": "step 1 ok", "thread_key": "build-42"}, &reply)
	if reply.ThreadID == nil || *reply.ThreadID != first.ID {
		t.Errorf("thread_key reply thread_id = %v, want %d", reply.ThreadID, first.ID)
	}
	bot.mustJSON(http.StatusCreated, "POST", path, map[string]any{"text": "build #43", "key": "build-43"}, &other)
	if other.ID == first.ID {
		t.Error("another key updated the first message")
	}
	wantError(t, bot.do("POST", path, map[string]any{"text": "x", "thread_key": "nope"}), http.StatusNotFound, "thread_not_found")

	// One message for the key, updated: the channel holds two top-level messages.
	var list struct {
		Items []channels.Message `json:"items"`
	}
	bot.mustJSON(http.StatusOK, "GET", path, nil, &list)
	if len(list.Items) != 2 || list.Items[1].Text != "build #42: passed" || list.Items[1].ReplyCount != 1 {
		t.Errorf("messages = %+v", list.Items)
	}
	// The update is a message.updated event.
	var events struct {
		Items []channels.Event `json:"items"`
	}
	admin.mustJSON(http.StatusOK, "GET", "/api/v1/events?since=0&limit=1000", nil, &events)
	updated := 0
	for _, e := range events.Items {
		if e.Type == "message.updated" {
			updated++
		}
	}
	if updated != 1 {
		t.Errorf("%d message.updated events, want 1", updated)
	}
	// Keys belong to their author: a person's same key is a different message.
	var mine channels.Message
	admin.mustJSON(http.StatusCreated, "POST", path, map[string]any{"text": "mine", "key": "build-42"}, &mine)
	if mine.ID == first.ID {
		t.Error("another author's key updated the bot's message")
	}
	// Deleting a keyed message frees its key.
	bot.mustJSON(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/messages/%d", other.ID), nil, nil)
	var fresh channels.Message
	bot.mustJSON(http.StatusCreated, "POST", path, map[string]any{"text": "build #43 again", "key": "build-43"}, &fresh)
	if fresh.ID == other.ID {
		t.Error("a deleted message's key still points at it")
	}
}

func TestBots_Overrides(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.signup("root")
	ch := admin.createChannel("deploys", false)
	plain, _ := admin.createBot("plain", channels.ScopeChatWrite)
	custom, _ := admin.createBot("custom", channels.ScopeChatWrite, channels.ScopeChatWriteCustomize)
	admin.addMember(ch.ID, plain.User.ID)
	admin.addMember(ch.ID, custom.User.ID)
	path := fmt.Sprintf("/api/v1/channels/%d/messages", ch.ID)

	tests := []struct {
		name   string
		as     *client
		body   map[string]any
		status int
		code   string
	}{
		{"username without customize", plain, map[string]any{"text": "x", "username": "Deployer"}, 403, "missing_scope"},
		{"icon_emoji without customize", plain, map[string]any{"text": "x", "icon_emoji": ":rocket:"}, 403, "missing_scope"},
		{"icon_url without customize", plain, map[string]any{"text": "x", "icon_url": "https://example.com/i.png"}, 403, "missing_scope"},
		{"bad icon url", custom, map[string]any{"text": "x", "icon_url": "file:///etc/passwd"}, 400, "invalid_icon_url"},
		{"bad icon emoji", custom, map[string]any{"text": "x", "icon_emoji": "<b>"}, 400, "invalid_icon_emoji"},
		{"with customize", custom, map[string]any{"text": "x", "username": "Deployer", "icon_emoji": ":rocket:"}, 201, ""},
		{"a person", admin, map[string]any{"text": "x", "username": "Someone", "icon_url": "https://example.com/i.png"}, 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.as.do("POST", path, tt.body)
			if tt.code != "" {
				wantError(t, res, tt.status, tt.code)
				if tt.code == "missing_scope" && errorField(res) != channels.ScopeChatWriteCustomize {
					t.Errorf("names %q", errorField(res))
				}
				return
			}
			if res.Status != tt.status {
				t.Fatalf("status %d: %s", res.Status, res.Body)
			}
		})
	}
	var list struct {
		Items []channels.Message `json:"items"`
	}
	admin.mustJSON(http.StatusOK, "GET", path, nil, &list)
	if len(list.Items) != 2 || list.Items[1].Username != "Deployer" || list.Items[1].IconEmoji != "rocket" {
		t.Errorf("stored overrides = %+v", list.Items)
	}
}

func TestBots_PostRateLimit(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.BotPostRate, c.BotPostBurst = 1, 3 })
	admin := ts.signup("root")
	a := admin.createChannel("a", false)
	b := admin.createChannel("b", false)
	bot, _ := admin.createBot("chatty", channels.ScopeChatWrite)
	admin.addMember(a.ID, bot.User.ID)
	admin.addMember(b.ID, bot.User.ID)
	post := func(ch int64) *response {
		return bot.do("POST", fmt.Sprintf("/api/v1/channels/%d/messages", ch), map[string]any{"text": "tick"})
	}
	for i := 0; i < 3; i++ {
		if res := post(a.ID); res.Status != http.StatusCreated {
			t.Fatalf("post %d of the burst: %d %s", i, res.Status, res.Body)
		}
	}
	res := post(a.ID)
	wantError(t, res, http.StatusTooManyRequests, "rate_limited")
	if n, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || n < 1 {
		t.Errorf("Retry-After = %q, want whole seconds", res.Header.Get("Retry-After"))
	}
	// Per channel: another channel still takes posts; people are not held.
	if res := post(b.ID); res.Status != http.StatusCreated {
		t.Errorf("other channel: %d %s", res.Status, res.Body)
	}
	for i := 0; i < 5; i++ {
		admin.post(a.ID, "person", 0)
	}
}

// TestBots_KeyUpsertOutsideChannel: a bot that posted with chat:write.public
// into a public channel it has not joined updates that message in place with
// the same key; without chat:write.public it may not, and a private channel
// stays out of reach.
func TestBots_KeyUpsertOutsideChannel(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.signup("root")
	ch := admin.createChannel("builds", false)
	bot, _ := admin.createBot("ci", channels.ScopeChatWritePublic)
	path := fmt.Sprintf("/api/v1/channels/%d/messages", ch.ID)

	var first, again channels.Message
	bot.mustJSON(http.StatusCreated, "POST", path, map[string]any{"text": "build #7: running", "key": "build-7"}, &first)
	bot.mustJSON(http.StatusOK, "POST", path, map[string]any{"text": "build #7: passed", "key": "build-7"}, &again)
	if again.ID != first.ID || again.Text != "build #7: passed" || again.EditedAt == nil {
		t.Errorf("re-post = %+v, want message %d updated", again, first.ID)
	}
	if got := admin.getMessage(first.ID); got.Text != "build #7: passed" {
		t.Errorf("stored text %q", got.Text)
	}
	// Plain edits still need chat:write and membership.
	wantError(t, bot.do("PATCH", fmt.Sprintf("/api/v1/messages/%d", first.ID), map[string]any{"text": "x"}),
		http.StatusForbidden, "missing_scope")

	// Another token of the bot without chat:write.public cannot re-post there.
	var tok struct {
		Token string `json:"token"`
	}
	admin.mustJSON(http.StatusCreated, "POST", fmt.Sprintf("/api/v1/bots/%d/tokens", bot.User.ID),
		map[string]any{"name": "narrow", "scopes": []string{channels.ScopeChatWrite}}, &tok)
	narrow := &client{ts: ts, Token: tok.Token, Header: http.Header{}}
	res := narrow.do("POST", path, map[string]any{"text": "build #7: hijacked", "key": "build-7"})
	wantError(t, res, http.StatusForbidden, "missing_scope")
	if errorField(res) != channels.ScopeChatWritePublic {
		t.Errorf("missing_scope names %q", errorField(res))
	}
	if got := admin.getMessage(first.ID); got.Text != "build #7: passed" {
		t.Errorf("text after a refused re-post: %q", got.Text)
	}
}

// TestBots_DefaultIcon: a bot's own icon shows on its messages that have no
// icon override — in the native API, the event feed and Slack's message
// objects — and follows changes of the bot's icon.
func TestBots_DefaultIcon(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.signup("root")
	ch := admin.createChannel("builds", false)
	var out createdBot
	admin.mustJSON(http.StatusCreated, "POST", "/api/v1/bots", map[string]any{"username": "ci", "icon_emoji": ":robot_face:",
		"scopes": []string{channels.ScopeChatWrite, channels.ScopeChatWriteCustomize}}, &out)
	bot := &client{ts: ts, Token: out.Token, Header: http.Header{}}
	admin.addMember(ch.ID, out.Bot.ID)
	path := fmt.Sprintf("/api/v1/channels/%d/messages", ch.ID)

	var plain, custom, keyed channels.Message
	bot.mustJSON(http.StatusCreated, "POST", path, map[string]any{"text": "plain"}, &plain)
	if plain.IconEmoji != "robot_face" || plain.IconURL != "" {
		t.Errorf("posted: icon_emoji %q icon_url %q, want the bot's robot_face", plain.IconEmoji, plain.IconURL)
	}
	bot.mustJSON(http.StatusCreated, "POST", path, map[string]any{"text": "custom", "icon_url": "https://example.com/x.png"}, &custom)
	if custom.IconEmoji != "" || custom.IconURL != "https://example.com/x.png" {
		t.Errorf("override: icon_emoji %q icon_url %q", custom.IconEmoji, custom.IconURL)
	}
	bot.mustJSON(http.StatusCreated, "POST", path, map[string]any{"text": "v1", "key": "k"}, &keyed)
	bot.mustJSON(http.StatusOK, "POST", path, map[string]any{"text": "v2", "key": "k"}, &keyed)
	if keyed.IconEmoji != "robot_face" {
		t.Errorf("keyed re-post: icon_emoji %q", keyed.IconEmoji)
	}
	if got := admin.getMessage(plain.ID); got.IconEmoji != "robot_face" {
		t.Errorf("read back: icon_emoji %q", got.IconEmoji)
	}
	if !hasEvent(admin.allEvents(), channels.EventMessageCreated, ch.ID, func(d json.RawMessage) bool {
		var m channels.Message
		return json.Unmarshal(d, &m) == nil && m.ID == plain.ID && m.IconEmoji == "robot_face"
	}) {
		t.Error("the message.created event lacks the bot's icon")
	}
	// An edit does not store the default: the message follows the bot's icon.
	bot.mustJSON(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/messages/%d", plain.ID), map[string]any{"text": "edited"}, nil)
	admin.mustJSON(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/bots/%d", out.Bot.ID), map[string]any{"icon_emoji": "tada"}, nil)
	if got := admin.getMessage(plain.ID); got.IconEmoji != "tada" || got.Text != "edited" {
		t.Errorf("after the bot's icon changed: icon_emoji %q text %q", got.IconEmoji, got.Text)
	}
	if got := admin.getMessage(custom.ID); got.IconEmoji != "" || got.IconURL != "https://example.com/x.png" {
		t.Errorf("override after the bot's icon changed: %q %q", got.IconEmoji, got.IconURL)
	}
	// People have no default icon.
	if m := admin.post(ch.ID, "person", 0); m.IconEmoji != "" || m.IconURL != "" {
		t.Errorf("a person's message has icon %q %q", m.IconEmoji, m.IconURL)
	}

	hist, err := ts.slackAPI(admin.Token).GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: sid("C", ch.ID)})
	must(t, err)
	found := false
	for _, msg := range hist.Messages {
		if msg.Text == "edited" {
			found = true
			if msg.Icons == nil || msg.Icons.IconEmoji != ":tada:" {
				t.Errorf("Slack message icons = %+v", msg.Icons)
			}
		}
	}
	if !found {
		t.Error("the edited message is not in conversations.history")
	}
}
