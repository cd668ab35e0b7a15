package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/parley-chat/parley/channels"
)

// ownerWorld is an admin, a person who owns a bot with an open socket and a
// slash command, and a channel they share.
type ownerWorld struct {
	ts    *testServer
	root  *client
	ana   *client
	bot   *client
	botID int64
	ch    channels.Channel
	app   *commandApp
}

func newOwnerWorld(t *testing.T, tweak ...func(*Config)) *ownerWorld {
	t.Helper()
	ts := newTestServer(t, append([]func(*Config){func(c *Config) {
		c.UsersCanCreateBots = true
		c.WebhookAllowHosts = "127.0.0.1"
	}}, tweak...)...)
	w := &ownerWorld{ts: ts, root: ts.signup("root"), ana: ts.signup("ana"), app: newCommandApp(t)}
	var bot createdBot
	w.bot, bot = w.ana.createBot("deployer", "chat:write", "channels:history")
	w.botID = bot.Bot.ID
	w.ch = w.ana.createChannel("ops", false)
	w.ana.addMember(w.ch.ID, w.botID)
	w.root.join(w.ch.ID)
	var cmd createdCommand
	w.ana.mustJSON(http.StatusCreated, "POST", "/api/v1/commands", map[string]any{"trigger": "deploy", "url": w.app.srv.URL,
		"bot_id": w.botID}, &cmd)
	w.app.mu.Lock()
	w.app.secret = cmd.Secret
	w.app.mu.Unlock()
	w.app.answer(jsonReply(`{"response_type":"in_channel","text":"shipped"}`))
	return w
}

func (w *ownerWorld) setActive(userID int64, active bool) {
	w.ts.t.Helper()
	verb := map[bool]string{true: "reactivate", false: "deactivate"}[active]
	w.root.mustJSON(http.StatusOK, "POST", fmt.Sprintf("/api/v1/users/%d/%s", userID, verb), nil, nil)
}

// botWorks reports whether the bot's token authenticates and posts.
func (w *ownerWorld) botWorks() bool {
	w.ts.t.Helper()
	if w.bot.do("GET", "/api/v1/users/me", nil).Status != http.StatusOK {
		return false
	}
	return w.bot.do("POST", channelPath(w.ch.ID, "/messages"), map[string]any{"text": "still here"}).Status == http.StatusCreated
}

// TestDeactivation_DisablesOwnedBots: deactivating a person disables the
// bots they own (token refused, socket closed, slash command refused);
// reactivating restores them; a bot deleted on its own stays deleted.
func TestDeactivation_DisablesOwnedBots(t *testing.T) {
	w := newOwnerWorld(t)
	gone, goneBot := w.ana.createBot("retired", "chat:write")
	w.ana.mustJSON(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/bots/%d", goneBot.Bot.ID), nil, nil)
	if !w.botWorks() {
		t.Fatal("the bot does not work to begin with")
	}
	ws := w.bot.dialWS("", nil)
	ws.hello(w.botID)
	// The bot's outgoing webhook hears "ship" in the channel.
	rc := newReceiver(t)
	hook := w.ana.createOutgoing(rc, map[string]any{"format": "slack", "trigger_words": []string{"ship"},
		"channel_ids": []int64{w.ch.ID}, "bot_id": w.botID})

	w.setActive(w.ana.User.ID, false)
	if code, _ := ws.closeCode(); code != 4003 {
		t.Errorf("the bot's socket closed with %d, want 4003", code)
	}
	wantError(t, w.bot.do("GET", "/api/v1/users/me", nil), http.StatusUnauthorized, "invalid_token")
	if res := w.root.command(w.ch.ID, "/deploy prod"); res.OK || len(w.app.requests()) != 0 {
		t.Errorf("the disabled bot's command ran: %+v", res)
	}
	var bot channels.User
	w.root.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/users/%d", w.botID), nil, &bot)
	if !bot.Deactivated {
		t.Error("the bot does not show as deactivated")
	}
	w.root.post(w.ch.ID, "ship while disabled", 0)

	w.setActive(w.ana.User.ID, true)
	if !w.botWorks() {
		t.Fatal("the bot does not work again after its owner is reactivated")
	}
	// Deliveries are queued in log order: once the later message's is
	// there, the earlier one would be too, had it matched.
	w.root.post(w.ch.ID, "ship when restored", 0)
	rc.waitRequests(1)
	if d := w.root.deliveries(hook.ID); len(d) != 1 {
		t.Errorf("%d deliveries, want only the one after the owner's return", len(d))
	}
	if got := rc.requests(); len(got) != 1 || !strings.Contains(string(got[0].body), "restored") {
		t.Errorf("the receiver got %d requests: %v", len(got), got)
	}
	if res := w.root.command(w.ch.ID, "/deploy prod"); !res.OK || len(w.app.requests()) != 1 {
		t.Errorf("the restored bot's command: %+v", res)
	}
	var retired channels.User
	w.root.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/users/%d", goneBot.Bot.ID), nil, &retired)
	if !retired.Deactivated || gone.do("GET", "/api/v1/users/me", nil).Status != http.StatusUnauthorized {
		t.Error("a bot deleted on its own came back with its owner")
	}
}

// TestDeactivation_KeepBotsFlag: --keep-bots-of-deactivated-owners leaves
// a deactivated person's bots working.
func TestDeactivation_KeepBotsFlag(t *testing.T) {
	w := newOwnerWorld(t, func(c *Config) { c.KeepBotsOfDeactivated = true })
	w.setActive(w.ana.User.ID, false)
	if !w.botWorks() {
		t.Fatal("the bot stopped although the flag keeps it")
	}
}

// TestDeactivation_ResponseURLOfDeletedBot: an outstanding response_url of
// a deleted bot posts nothing.
func TestDeactivation_ResponseURLOfDeletedBot(t *testing.T) {
	w := newOwnerWorld(t)
	w.app.answer(jsonReply(`{"text":"working on it"}`))
	w.ana.command(w.ch.ID, "/deploy prod")
	responseURL := w.app.requests()[0].ResponseURL
	before := len(w.ana.history(w.ch.ID))
	w.ana.mustJSON(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/bots/%d", w.botID), nil, nil)

	res := w.ts.anon().do("POST", responseURL[len(w.ts.URL):], `{"response_type":"in_channel","text":"posted by a ghost"}`)
	if res.Status != http.StatusNotFound || string(res.Body) != "expired_url" {
		t.Fatalf("response_url of a deleted bot: %d %s, want 404 expired_url", res.Status, res.Body)
	}
	if got := len(w.ana.history(w.ch.ID)); got != before {
		t.Fatalf("%d messages posted through a deleted bot's response_url", got-before)
	}
}

// TestProps_ReservedAreServerOnly: people cannot set the props that mark an
// integration's post, and an outgoing webhook does not take a person's
// message for one.
func TestProps_ReservedAreServerOnly(t *testing.T) {
	ts := newOutgoingServer(t)
	ana := ts.signup("ana")
	ch := ana.createChannel("ops", false)
	for _, key := range []string{"from_webhook", "webhook_display_name", "type", "webhook_id", "override_username"} {
		res := ana.do("POST", channelPath(ch.ID, "/messages"), map[string]any{"text": "deploy now", "props": map[string]any{key: "true"}})
		wantError(t, res, http.StatusBadRequest, "reserved_prop")
	}
	// Free-form props are still the client's.
	var m channels.Message
	ana.mustJSON(http.StatusCreated, "POST", channelPath(ch.ID, "/messages"), map[string]any{"text": "card", "props": map[string]any{"card": 7}}, &m)
	if string(m.Props) != `{"card":7}` {
		t.Errorf("props = %s", m.Props)
	}
	// An incoming webhook's marks are the server's, whatever the payload says.
	f := newHookFixture(t)
	res := f.send(f.hook, "application/json", []byte(`{"text":"built","props":{"webhook_display_name":"Root","from_webhook":"false","build":9}}`))
	if res.Status != http.StatusOK {
		t.Fatalf("incoming webhook: %d %s", res.Status, res.Body)
	}
	for _, m := range f.owner.history(f.ch.ID) {
		var props map[string]any
		if m.Text != "built" {
			continue
		}
		if err := json.Unmarshal(m.Props, &props); err != nil || props["webhook_display_name"] != "CI" || props["from_webhook"] != "true" ||
			props["build"] != float64(9) {
			t.Errorf("incoming webhook props = %s", m.Props)
		}
		return
	}
	t.Fatal("the incoming webhook's message is missing")
}
