package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/parley-chat/parley/bots"
	"github.com/parley-chat/parley/channels"
)

// createdBot is the answer of POST /api/v1/bots.
type createdBot struct {
	Bot       bots.Bot       `json:"bot"`
	Token     string         `json:"token"`
	TokenInfo channels.Token `json:"token_info"`
}

// createBot makes a bot through the API as c and returns a client with its token.
func (c *client) createBot(name string, scopes ...string) (*client, createdBot) {
	c.ts.t.Helper()
	if scopes == nil {
		scopes = []string{}
	}
	var out createdBot
	c.mustJSON(http.StatusCreated, "POST", "/api/v1/bots", map[string]any{"username": name, "scopes": scopes}, &out)
	var me channels.User
	bot := &client{ts: c.ts, Token: out.Token, Header: http.Header{}}
	bot.mustJSON(http.StatusOK, "GET", "/api/v1/users/me", nil, &me)
	bot.User = me
	return bot, out
}

func TestBots_Create(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.signup("root")
	ana := ts.signup("ana")

	bot, out := admin.createBot("ci", "chat:write", "channels:read", "chat:write")
	if !strings.HasPrefix(out.Token, "plb_") {
		t.Errorf("token %q lacks the plb_ prefix", out.Token)
	}
	if out.Bot.OwnerID != admin.User.ID || out.Bot.Username != "ci" {
		t.Errorf("bot = %+v", out.Bot)
	}
	if got := strings.Join(out.TokenInfo.Scopes, ","); got != "chat:write,channels:read" {
		t.Errorf("scopes = %q, want chat:write,channels:read (deduplicated)", got)
	}
	if bot.User.Kind != "bot" || bot.User.ID != out.Bot.ID {
		t.Errorf("the bot's user = %+v, want kind bot", bot.User)
	}
	// The bot shows as a bot wherever users appear.
	var u channels.User
	ana.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/users/%d", out.Bot.ID), nil, &u)
	if u.Kind != "bot" {
		t.Errorf("kind = %q, want bot", u.Kind)
	}
	// A bot cannot log in.
	wantError(t, ts.anon().do("POST", "/api/v1/login", map[string]any{"username": "ci", "password": ""}),
		http.StatusUnauthorized, "invalid_credentials")

	tests := []struct {
		name   string
		as     *client
		body   map[string]any
		status int
		code   string
	}{
		{"unknown scope", admin, map[string]any{"username": "b1", "scopes": []string{"chat:write", "root:all"}}, 400, "invalid_scope"},
		{"bad username", admin, map[string]any{"username": "Bad Name"}, 400, "invalid_username"},
		{"taken username", admin, map[string]any{"username": "ana"}, 409, "username_taken"},
		{"bad icon url", admin, map[string]any{"username": "b2", "icon_url": "javascript:alert(1)"}, 400, "invalid_icon_url"},
		{"not an admin", ana, map[string]any{"username": "b3"}, 403, "admin_only"},
		{"a bot token", bot, map[string]any{"username": "b4"}, 403, "bots_cannot_create_bots"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, tt.as.do("POST", "/api/v1/bots", tt.body), tt.status, tt.code)
		})
	}
}

func TestBots_UsersCanCreateBots(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.UsersCanCreateBots = true })
	ts.signup("root")
	ana := ts.signup("ana")
	ben := ts.signup("ben")
	_, out := ana.createBot("anabot", "chat:write")
	if out.Bot.OwnerID != ana.User.ID {
		t.Errorf("owner = %d, want ana", out.Bot.OwnerID)
	}
	// Ben neither owns nor administers it.
	wantError(t, ben.do("GET", fmt.Sprintf("/api/v1/bots/%d", out.Bot.ID), nil), http.StatusNotFound, "bot_not_found")
	var list struct {
		Items []bots.Bot `json:"items"`
	}
	ben.mustJSON(http.StatusOK, "GET", "/api/v1/bots", nil, &list)
	if len(list.Items) != 0 {
		t.Errorf("ben sees bots %+v", list.Items)
	}
	ana.mustJSON(http.StatusOK, "GET", "/api/v1/bots", nil, &list)
	if len(list.Items) != 1 {
		t.Errorf("ana sees bots %+v, want hers", list.Items)
	}
}

func TestBots_TokensAndRevocation(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.signup("root")
	bot, out := admin.createBot("ci", "channels:read")
	base := fmt.Sprintf("/api/v1/bots/%d", out.Bot.ID)

	var second struct {
		ID     int64    `json:"id"`
		Token  string   `json:"token"`
		Scopes []string `json:"scopes"`
	}
	admin.mustJSON(http.StatusCreated, "POST", base+"/tokens", map[string]any{"name": "deploy", "scopes": []string{"chat:write"}}, &second)
	wantError(t, admin.do("POST", base+"/tokens", map[string]any{"name": "x", "scopes": []string{"nope"}}), 400, "invalid_scope")
	var list struct {
		Items []channels.Token `json:"items"`
	}
	admin.mustJSON(http.StatusOK, "GET", base+"/tokens", nil, &list)
	if len(list.Items) != 2 || list.Items[1].Name != "deploy" || strings.Join(list.Items[1].Scopes, ",") != "chat:write" {
		t.Fatalf("tokens = %+v", list.Items)
	}
	for _, tok := range list.Items {
		if strings.Contains(tok.Hint, second.Token) || tok.Hint == "" {
			t.Errorf("token hint %q", tok.Hint)
		}
	}
	deploy := &client{ts: ts, Token: second.Token, Header: http.Header{}}
	deploy.mustJSON(http.StatusOK, "GET", "/api/v1/users/me", nil, nil)

	// Revoking one token: 401 at once for it, the other keeps working.
	admin.mustJSON(http.StatusNoContent, "DELETE", fmt.Sprintf("%s/tokens/%d", base, second.ID), nil, nil)
	wantError(t, deploy.do("GET", "/api/v1/users/me", nil), http.StatusUnauthorized, "invalid_token")
	bot.mustJSON(http.StatusOK, "GET", "/api/v1/users/me", nil, nil)
	wantError(t, admin.do("DELETE", fmt.Sprintf("%s/tokens/%d", base, second.ID), nil), http.StatusNotFound, "token_not_found")

	// Editing, then deleting the bot: it is deactivated and its tokens die.
	var b bots.Bot
	admin.mustJSON(http.StatusOK, "PATCH", base, map[string]any{"display_name": "CI", "icon_emoji": ":robot_face:"}, &b)
	if b.DisplayName != "CI" || b.IconEmoji != "robot_face" {
		t.Errorf("patched bot = %+v", b)
	}
	admin.mustJSON(http.StatusNoContent, "DELETE", base, nil, nil)
	wantError(t, bot.do("GET", "/api/v1/users/me", nil), http.StatusUnauthorized, "invalid_token")
	admin.mustJSON(http.StatusOK, "GET", base, nil, &b)
	if !b.Deactivated {
		t.Errorf("deleted bot = %+v, want deactivated", b)
	}
}

func TestCLI_BotCreate(t *testing.T) {
	cliClearEnv(t)
	dir := t.TempDir()
	if res := cliExec(t, "password-root\n", "user", "create", "--data-dir", dir, "--username", "root", "--admin"); res.err != nil {
		t.Fatalf("user create: %v %s", res.err, res.stderr)
	}
	res := cliExec(t, "", "bot", "create", "--data-dir", dir, "--username", "ci", "--scopes", "chat:write, channels:read", "--display-name", "CI")
	if res.err != nil {
		t.Fatalf("bot create: %v %s", res.err, res.stderr)
	}
	token := strings.TrimSpace(res.stdout)
	if !strings.HasPrefix(token, "plb_") {
		t.Fatalf("printed %q, want a plb_ token", res.stdout)
	}
	if res := cliExec(t, "", "bot", "create", "--data-dir", dir, "--username", "ci2", "--scopes", "chat:write,bogus"); res.err == nil ||
		!strings.Contains(res.err.Error(), "bogus") {
		t.Errorf("unknown scope: err = %v, want it named", res.err)
	}
	if res := cliExec(t, "", "bot", "create", "--data-dir", dir, "--scopes", "chat:write"); res.err == nil {
		t.Errorf("missing --username accepted")
	}

	ts := newTestServer(t, func(c *Config) { c.DataDir = dir })
	bot := &client{ts: ts, Token: token, Header: http.Header{}}
	var me channels.User
	bot.mustJSON(http.StatusOK, "GET", "/api/v1/users/me", nil, &me)
	if me.Username != "ci" || me.Kind != "bot" || me.DisplayName != "CI" {
		t.Errorf("bot = %+v", me)
	}
}
