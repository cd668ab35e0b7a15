package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/parley-chat/parley/bots"
	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/sqlite"
)

// commandApp is a Slack-style slash-command app written with slack-go: it
// checks each request's signature with SecretsVerifier, reads it with
// SlashCommandParse and answers with reply.
type commandApp struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	secret string
	got    []slack.SlashCommand
	reply  func(w http.ResponseWriter, cmd slack.SlashCommand)
}

func newCommandApp(t *testing.T) *commandApp {
	app := &commandApp{t: t}
	app.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		app.mu.Lock()
		secret, reply := app.secret, app.reply
		app.mu.Unlock()
		signed, _ := io.ReadAll(r.Body)
		if r.Method == http.MethodGet {
			signed = []byte(r.URL.RawQuery) // GET commands sign their query string
		}
		v, err := slack.NewSecretsVerifier(r.Header, secret)
		if err == nil {
			_, _ = v.Write(signed)
			err = v.Ensure()
		}
		if err != nil {
			t.Errorf("command request: signature does not verify: %v", err)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var cmd slack.SlashCommand
		if r.Method == http.MethodGet {
			q := r.URL.Query()
			cmd = slack.SlashCommand{Command: q.Get("command"), Text: q.Get("text"), UserID: q.Get("user_id"), ChannelID: q.Get("channel_id")}
		} else {
			r.Body = io.NopCloser(bytes.NewReader(signed))
			if cmd, err = slack.SlashCommandParse(r); err != nil {
				t.Errorf("SlashCommandParse: %v", err)
			}
		}
		app.mu.Lock()
		app.got = append(app.got, cmd)
		app.mu.Unlock()
		if reply != nil {
			reply(w, cmd)
		}
	}))
	t.Cleanup(app.srv.Close)
	return app
}

func (app *commandApp) requests() []slack.SlashCommand {
	app.mu.Lock()
	defer app.mu.Unlock()
	return append([]slack.SlashCommand(nil), app.got...)
}

func (app *commandApp) answer(f func(w http.ResponseWriter, cmd slack.SlashCommand)) {
	app.mu.Lock()
	app.reply = f
	app.mu.Unlock()
}

func jsonReply(body string) func(http.ResponseWriter, slack.SlashCommand) {
	return func(w http.ResponseWriter, _ slack.SlashCommand) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}
}

type createdCommand struct {
	bots.Command
	Secret string `json:"secret"`
}

// commandWorld is a server with an admin, a channel, a bot and its /deploy
// command pointing at a slack-go app.
type commandWorld struct {
	ts    *testServer
	ana   *client
	ch    channels.Channel
	bot   *client
	app   *commandApp
	cmd   createdCommand
	botID int64
}

func newCommandWorld(t *testing.T, tweak ...func(*Config)) *commandWorld {
	t.Helper()
	ts := newTestServer(t, append([]func(*Config){func(c *Config) {
		c.WebhookAllowHosts = "127.0.0.1"
		c.CommandTimeout = 500 * time.Millisecond
	}}, tweak...)...)
	w := &commandWorld{ts: ts, ana: ts.signup("ana"), app: newCommandApp(t)}
	w.ch = w.ana.createChannel("ops", false)
	var bot createdBot
	w.bot, bot = w.ana.createBot("deployer", "chat:write")
	w.botID = bot.Bot.ID
	w.ana.mustJSON(http.StatusCreated, "POST", "/api/v1/commands", map[string]any{"trigger": "deploy", "url": w.app.srv.URL,
		"bot_id": w.botID, "description": "Ship it", "usage_hint": "<env>"}, &w.cmd)
	w.app.mu.Lock()
	w.app.secret = w.cmd.Secret
	w.app.mu.Unlock()
	return w
}

func (w *commandWorld) run(as *client, text string) bots.CommandResult {
	w.ts.t.Helper()
	return as.command(w.ch.ID, text)
}

func (w *commandWorld) history() []channels.Message {
	w.ts.t.Helper()
	return w.ana.history(w.ch.ID)
}

func TestCommands_RemoteRequest(t *testing.T) {
	w := newCommandWorld(t)
	w.app.answer(func(http.ResponseWriter, slack.SlashCommand) {})
	res := w.run(w.ana, "/Deploy prod --fast")
	if !res.OK || len(res.Ephemeral) != 0 || len(res.Messages) != 0 {
		t.Fatalf("empty 200 should show nothing: %+v", res)
	}
	got := w.app.requests()
	if len(got) != 1 {
		t.Fatalf("app got %d requests", len(got))
	}
	cmd := got[0]
	want := slack.SlashCommand{Token: w.cmd.Token, TeamID: "T1", TeamDomain: "parley", ChannelID: fmt.Sprintf("C%d", w.ch.ID),
		ChannelName: "ops", UserID: fmt.Sprintf("U%d", w.ana.User.ID), UserName: "ana", Command: "/deploy", Text: "prod --fast",
		APIAppID: fmt.Sprintf("A%d", w.botID)}
	if cmd.Token != want.Token || cmd.TeamID != want.TeamID || cmd.TeamDomain != want.TeamDomain || cmd.ChannelID != want.ChannelID ||
		cmd.ChannelName != want.ChannelName || cmd.UserID != want.UserID || cmd.UserName != want.UserName ||
		cmd.Command != want.Command || cmd.Text != want.Text || cmd.APIAppID != want.APIAppID {
		t.Errorf("request = %+v\nwant %+v", cmd, want)
	}
	if !strings.HasPrefix(cmd.ResponseURL, w.ts.URL+"/hooks/responses/plr_") || cmd.TriggerID == "" {
		t.Errorf("response_url %q, trigger_id %q", cmd.ResponseURL, cmd.TriggerID)
	}
	if h := w.history(); len(h) != 0 {
		t.Errorf("an empty answer posted %d messages", len(h))
	}

	// Listed for autocomplete, with its bot as owner.
	var list channels.List[bots.CommandInfo]
	w.ana.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/commands?channel_id=%d", w.ch.ID), nil, &list)
	found := false
	for _, c := range list.Items {
		if c.Trigger == "deploy" {
			found = c.Owner == "deployer" && !c.BuiltIn && c.UsageHint == "<env>" && c.Description == "Ship it"
		}
	}
	if !found {
		t.Errorf("/deploy not listed as the bot's: %+v", list.Items)
	}
}

func TestCommands_RemoteReplies(t *testing.T) {
	w := newCommandWorld(t)
	for _, tc := range []struct {
		name        string
		reply       func(http.ResponseWriter, slack.SlashCommand)
		ephemeral   string // text of the one ephemeral reply, if any
		posted      int    // messages posted: the command line and the reply
		attachments bool
		blocks      bool
	}{
		{name: "json ephemeral by default", reply: jsonReply(`{"text":"only you see this"}`), ephemeral: "only you see this"},
		{name: "plain text is ephemeral", reply: func(w http.ResponseWriter, _ slack.SlashCommand) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, "plain answer")
		}, ephemeral: "plain answer"},
		{name: "in_channel", reply: jsonReply(`{"response_type":"in_channel","text":"deploying prod"}`), posted: 2},
		{name: "in_channel with blocks and attachments", reply: jsonReply(`{"response_type":"in_channel","text":"done",
			"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"*done*"}}],
			"attachments":[{"color":"good","title":"Build 7","fields":[{"title":"env","value":"prod","short":true}]}]}`),
			posted: 2, attachments: true, blocks: true},
		{name: "ephemeral with blocks", reply: jsonReply(`{"response_type":"ephemeral","text":"see blocks","blocks":[{"type":"divider"}]}`),
			ephemeral: "see blocks", blocks: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(w.history())
			w.app.answer(tc.reply)
			res := w.run(w.ana, "/deploy prod")
			if !res.OK {
				t.Fatalf("result %+v", res)
			}
			if tc.ephemeral != "" {
				if len(res.Ephemeral) != 1 || res.Ephemeral[0].Text != tc.ephemeral || res.Ephemeral[0].UserID != w.botID ||
					res.Ephemeral[0].ID == "" || (tc.blocks && len(res.Ephemeral[0].Blocks) == 0) {
					t.Fatalf("ephemeral %+v", res.Ephemeral)
				}
			}
			if len(res.Messages) != tc.posted {
				t.Fatalf("posted %d messages, want %d: %+v", len(res.Messages), tc.posted, res.Messages)
			}
			h := w.history()
			if len(h)-before != tc.posted {
				t.Fatalf("history grew by %d, want %d", len(h)-before, tc.posted)
			}
			if tc.posted == 2 {
				line, reply := res.Messages[0], res.Messages[1]
				if line.UserID != w.ana.User.ID || line.Text != "/deploy prod" || reply.UserID != w.botID {
					t.Fatalf("in_channel posted %+v then %+v", line, reply)
				}
				if tc.attachments != (len(reply.Attachments) > 0) || tc.blocks != (len(reply.Blocks) > 0) {
					t.Fatalf("reply attachments %s blocks %s", reply.Attachments, reply.Blocks)
				}
			}
		})
	}
}

func TestCommands_RemoteFailures(t *testing.T) {
	w := newCommandWorld(t, func(c *Config) { c.CommandTimeout = 200 * time.Millisecond })
	// The slow app answers only after the test: Parley gives up first.
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	for _, tc := range []struct {
		name  string
		url   string
		reply func(http.ResponseWriter, slack.SlashCommand)
		code  string
	}{
		{name: "timeout", reply: func(w http.ResponseWriter, _ slack.SlashCommand) { <-release }, code: "operation_timeout"},
		{name: "500", reply: func(w http.ResponseWriter, _ slack.SlashCommand) { http.Error(w, "boom", 500) }, code: "http_server_error"},
		{name: "404", reply: func(w http.ResponseWriter, _ slack.SlashCommand) { http.NotFound(w, nil) }, code: "http_client_error"},
		{name: "connection refused", url: deadURL, code: "dispatch_failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := w.app.srv.URL
			if tc.url != "" {
				target = tc.url
			}
			w.ana.mustJSON(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/commands/%d", w.cmd.ID), map[string]any{"url": target}, nil)
			w.app.answer(tc.reply)
			before := len(w.history())
			res := w.run(w.ana, "/deploy prod")
			if res.OK || res.Error != tc.code || len(res.Ephemeral) != 1 || !strings.Contains(res.Ephemeral[0].Text, tc.code) {
				t.Fatalf("result %+v, want error %s with an explanation", res, tc.code)
			}
			if len(res.Messages) != 0 || len(w.history()) != before {
				t.Fatal("a failed command posted something")
			}
		})
	}

	// Without the allowlist, the SSRF guard refuses the loopback app.
	guarded := newCommandWorld(t, func(c *Config) { c.WebhookAllowHosts = "" })
	res := guarded.run(guarded.ana, "/deploy prod")
	if res.OK || res.Error != "dispatch_failed" || len(guarded.app.requests()) != 0 {
		t.Fatalf("guarded call: %+v", res)
	}
}

func TestCommands_GETMethod(t *testing.T) {
	w := newCommandWorld(t)
	w.ana.mustJSON(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/commands/%d", w.cmd.ID), map[string]any{"method": "GET"}, nil)
	w.app.answer(jsonReply(`{"text":"got it"}`))
	res := w.run(w.ana, "/deploy staging")
	got := w.app.requests()
	if !res.OK || len(got) != 1 || got[0].Text != "staging" || got[0].Command != "/deploy" {
		t.Fatalf("result %+v, requests %+v", res, got)
	}
}

func TestCommands_ResponseURL(t *testing.T) {
	w := newCommandWorld(t)
	w.app.answer(jsonReply(`{"text":"working on it"}`))
	w.run(w.ana, "/deploy prod")
	responseURL := w.app.requests()[0].ResponseURL
	path := strings.TrimPrefix(responseURL, w.ts.URL)
	anon := w.ts.anon()
	send := func(body string) *response {
		t.Helper()
		return anon.do("POST", path, body)
	}
	ok := func(body string) {
		t.Helper()
		if res := send(body); res.Status != http.StatusOK || string(res.Body) != "ok" {
			t.Fatalf("POST response_url %s: %d %s", body, res.Status, res.Body)
		}
	}

	// 1: a delayed in_channel reply is posted as the bot.
	ok(`{"response_type":"in_channel","text":"deployed v1"}`)
	h := w.history()
	if len(h) != 1 || h[0].Text != "deployed v1" || h[0].UserID != w.botID {
		t.Fatalf("history after the first response: %+v", h)
	}
	first := h[0].ID
	// 2: replace_original edits that message.
	ok(`{"response_type":"in_channel","replace_original":true,"text":"deployed v2"}`)
	h = w.history()
	if len(h) != 1 || h[0].ID != first || h[0].Text != "deployed v2" || h[0].EditedAt == nil {
		t.Fatalf("history after replace_original: %+v", h)
	}
	// 3: delete_original removes it.
	ok(`{"delete_original":true}`)
	for _, m := range w.history() {
		if m.ID == first && !m.Deleted {
			t.Fatalf("message %d still there after delete_original", first)
		}
	}
	// 4, 5: an ephemeral reply and plain text are accepted.
	ok(`{"text":"just for you"}`)
	ok(`still working`)
	// 6: used up.
	if res := send(`{"text":"sixth"}`); res.Status != http.StatusNotFound || string(res.Body) != "used_url" {
		t.Fatalf("sixth use: %d %s", res.Status, res.Body)
	}

	// Another run's URL expires after 30 minutes.
	w.run(w.ana, "/deploy prod")
	second := strings.TrimPrefix(w.app.requests()[1].ResponseURL, w.ts.URL)
	err := w.ts.app.svc.DB().Write(t.Context(), func(tx *sqlite.Tx) error {
		_, err := tx.Exec(`UPDATE command_responses SET expires_at = ?`, time.Now().Add(-time.Second).UnixMilli())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if res := anon.do("POST", second, `{"text":"late"}`); res.Status != http.StatusNotFound || string(res.Body) != "expired_url" {
		t.Fatalf("expired: %d %s", res.Status, res.Body)
	}
	// Pruned later, an expired URL is simply unknown.
	if err := w.ts.app.commands.PruneResponses(t.Context(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if res := anon.do("POST", second, `{"text":"late"}`); res.Status != http.StatusNotFound || string(res.Body) != "no_service" {
		t.Fatalf("pruned: %d %s", res.Status, res.Body)
	}
	if res := anon.do("POST", "/hooks/responses/plr_unknown", `{"text":"x"}`); res.Status != http.StatusNotFound || string(res.Body) != "no_service" {
		t.Fatalf("unknown: %d %s", res.Status, res.Body)
	}
	if res := anon.do("POST", "/hooks/responses/plr_unknown", `{"text":`); res.Status != http.StatusBadRequest || string(res.Body) != "invalid_payload" {
		t.Fatalf("malformed: %d %s", res.Status, res.Body)
	}
}

func TestCommands_Registry(t *testing.T) {
	w := newCommandWorld(t)
	bea := w.ts.signup("bea")
	base := map[string]any{"url": w.app.srv.URL, "bot_id": w.botID}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range base {
			m[kk] = vv
		}
		m[k] = v
		return m
	}
	wantError(t, w.ana.do("POST", "/api/v1/commands", with("trigger", "topic")), http.StatusConflict, "trigger_reserved")
	wantError(t, w.ana.do("POST", "/api/v1/commands", with("trigger", "remind")), http.StatusConflict, "trigger_reserved")
	wantError(t, w.ana.do("POST", "/api/v1/commands", with("trigger", "deploy")), http.StatusConflict, "trigger_taken")
	wantError(t, w.ana.do("POST", "/api/v1/commands", with("trigger", "Has Space")), http.StatusBadRequest, "invalid_trigger")
	wantError(t, w.ana.do("POST", "/api/v1/commands", with("trigger", strings.Repeat("a", 33))), http.StatusBadRequest, "invalid_trigger")
	wantError(t, w.ana.do("POST", "/api/v1/commands", map[string]any{"trigger": "x", "url": "ftp://example.com", "bot_id": w.botID}),
		http.StatusBadRequest, "invalid_url")
	// Someone who does not manage the bot cannot give it a command.
	wantError(t, bea.do("POST", "/api/v1/commands", with("trigger", "mine")), http.StatusBadRequest, "bot_not_found")
	// A bot token cannot manage commands.
	wantError(t, w.bot.do("POST", "/api/v1/commands", with("trigger", "mine")), http.StatusForbidden, "bots_cannot_manage_bots")

	// Rotation: the app verifies with the new secret from then on.
	var rotated createdCommand
	w.ana.mustJSON(http.StatusOK, "POST", fmt.Sprintf("/api/v1/commands/%d/rotate-secret", w.cmd.ID), nil, &rotated)
	if rotated.Secret == "" || rotated.Secret == w.cmd.Secret {
		t.Fatalf("rotated secret %q", rotated.Secret)
	}
	w.app.mu.Lock()
	w.app.secret = rotated.Secret
	w.app.mu.Unlock()
	w.app.answer(jsonReply(`{"text":"fine"}`))
	if res := w.run(w.ana, "/deploy"); !res.OK {
		t.Fatalf("after rotation: %+v", res)
	}

	// Deleted, it is unknown again and its response URLs stop working.
	responseURL := strings.TrimPrefix(w.app.requests()[0].ResponseURL, w.ts.URL)
	w.ana.mustJSON(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/commands/%d", w.cmd.ID), nil, nil)
	if res := w.run(w.ana, "/deploy"); res.OK || res.Error != "unknown_command" {
		t.Fatalf("after delete: %+v", res)
	}
	if res := w.ts.anon().do("POST", responseURL, `{"text":"x"}`); res.Status != http.StatusNotFound {
		t.Fatalf("response url of a deleted command: %d %s", res.Status, res.Body)
	}
}

// A reply the bot cannot post (a private channel it is not in) is shown to
// the invoker instead of being lost; the channel learns nothing.
func TestCommands_InChannelWherePrivate(t *testing.T) {
	w := newCommandWorld(t)
	secret := w.ana.createChannel("secret", true)
	w.app.answer(jsonReply(`{"response_type":"in_channel","text":"status: green"}`))
	var res bots.CommandResult
	w.ana.mustJSON(http.StatusOK, "POST", fmt.Sprintf("/api/v1/channels/%d/commands", secret.ID), map[string]any{"text": "/deploy"}, &res)
	if len(res.Ephemeral) != 1 || !strings.Contains(res.Ephemeral[0].Text, "status: green") {
		t.Fatalf("result %+v", res)
	}
	var page channels.List[channels.Message]
	w.ana.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/channels/%d/messages", secret.ID), nil, &page)
	for _, m := range page.Items {
		if m.UserID == w.botID {
			t.Fatalf("bot posted into a private channel it is not in: %+v", m)
		}
	}
}
