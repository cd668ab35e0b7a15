package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-chat/parley/bots"
	"github.com/parley-chat/parley/channels"
	"github.com/slack-go/slack"
)

// TestAPI_Apps drives the apps API end to end: an app is created with its
// bot and signing secret before any URL exists, its owner and admins see
// the secret, rotation keeps the old one for the grace period, and
// app-level tokens are shown once, listed without secrets and revoked.
func TestAPI_Apps(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.WebhookAllowHosts = "127.0.0.1" }) // the app's URL is on loopback
	admin := ts.signup("admin")
	ana := ts.signup("ana")

	var created struct {
		App      bots.App `json:"app"`
		BotToken string   `json:"bot_token"`
	}
	admin.mustJSON(http.StatusCreated, "POST", "/api/v1/apps",
		map[string]any{"name": "Deployer", "username": "deployer", "scopes": []string{"chat:write", "commands"}}, &created)
	app := created.App
	if app.SlackID != fmt.Sprintf("A%d", app.ID) || app.Bot == nil || app.Bot.Username != "deployer" ||
		!regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(app.SigningSecret) || app.EventsURL != "" || app.SocketMode {
		t.Fatalf("created app %+v", app)
	}
	bot := &client{ts: ts, Token: created.BotToken, Header: http.Header{}}
	var me channels.User
	bot.mustJSON(http.StatusOK, "GET", "/api/v1/users/me", nil, &me)
	if me.ID != app.Bot.ID || me.Kind != channels.KindBot {
		t.Fatalf("the bot token is %+v", me)
	}

	var list channels.List[bots.App]
	admin.mustJSON(http.StatusOK, "GET", "/api/v1/apps", nil, &list)
	if len(list.Items) != 1 || list.Items[0].SigningSecret != app.SigningSecret {
		t.Fatalf("apps %+v", list.Items)
	}
	ana.mustJSON(http.StatusOK, "GET", "/api/v1/apps", nil, &list)
	if len(list.Items) != 0 {
		t.Fatalf("ana sees apps %+v", list.Items)
	}
	wantError(t, ana.do("GET", fmt.Sprintf("/api/v1/apps/%d", app.ID), nil), http.StatusNotFound, "app_not_found")

	var rotated bots.App
	admin.mustJSON(http.StatusOK, "POST", fmt.Sprintf("/api/v1/apps/%d/rotate-secret", app.ID), map[string]any{"grace_seconds": 60}, &rotated)
	if rotated.SigningSecret == app.SigningSecret || len(rotated.SigningSecret) != 32 {
		t.Fatalf("rotated %+v", rotated)
	}
	actor, err := ts.app.svc.Authenticate(t.Context(), admin.Token)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := ts.app.bots.App(t.Context(), actor, app.ID)
	if err != nil || len(stored.SigningSecrets(time.Now())) != 2 || stored.SigningSecrets(time.Now())[1] != app.SigningSecret {
		t.Fatalf("during the grace period: %+v, %v", stored, err)
	}
	wantError(t, admin.do("POST", fmt.Sprintf("/api/v1/apps/%d/rotate-secret", app.ID), map[string]any{"grace_seconds": -1}),
		http.StatusBadRequest, "invalid_grace_seconds")

	// Setting the events URL verifies it the way Bolt checks requests:
	// signed with the app's (current) signing secret.
	var verified atomic.Int32
	bolt := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		v, err := slack.NewSecretsVerifier(r.Header, rotated.SigningSecret)
		if err == nil {
			_, _ = v.Write(body)
			err = v.Ensure()
		}
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		verified.Add(1)
		var in struct{ Challenge string }
		_ = json.Unmarshal(body, &in)
		fmt.Fprint(w, in.Challenge)
	}))
	defer bolt.Close()
	var updated bots.App
	admin.mustJSON(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/apps/%d", app.ID),
		map[string]any{"events_url": bolt.URL + "/slack/events", "bot_events": []string{"app_mention", "message.im"}}, &updated)
	if updated.EventsURL != bolt.URL+"/slack/events" || len(updated.BotEvents) != 2 || verified.Load() != 1 {
		t.Fatalf("updated %+v, %d verified", updated, verified.Load())
	}
	wantError(t, admin.do("PATCH", fmt.Sprintf("/api/v1/apps/%d", app.ID), map[string]any{"bot_events": []string{"nope"}}),
		http.StatusBadRequest, "invalid_event")
	wantError(t, ana.do("PATCH", fmt.Sprintf("/api/v1/apps/%d", app.ID), map[string]any{"name": "mine"}), http.StatusNotFound, "app_not_found")

	var tok struct {
		Token string        `json:"token"`
		Info  bots.AppToken `json:"token_info"`
	}
	admin.mustJSON(http.StatusCreated, "POST", fmt.Sprintf("/api/v1/apps/%d/tokens", app.ID), map[string]any{"name": "socket"}, &tok)
	if !strings.HasPrefix(tok.Token, "xapp-1-"+app.SlackID+"-") || tok.Info.Scopes != "connections:write" || tok.Info.Name != "socket" {
		t.Fatalf("app token %+v", tok)
	}
	if got, err := ts.app.bots.AppByToken(t.Context(), tok.Token); err != nil || got.ID != app.ID {
		t.Fatalf("the token names %+v, %v", got, err)
	}
	var toks channels.List[bots.AppToken]
	admin.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/apps/%d/tokens", app.ID), nil, &toks)
	if len(toks.Items) != 1 || toks.Items[0].ID != tok.Info.ID || strings.Contains(toks.Items[0].Hint, tok.Token[12:]) {
		t.Fatalf("tokens %+v", toks.Items)
	}
	admin.mustJSON(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/apps/%d/tokens/%d", app.ID, tok.Info.ID), nil, nil)
	wantError(t, admin.do("DELETE", fmt.Sprintf("/api/v1/apps/%d/tokens/%d", app.ID, tok.Info.ID), nil), http.StatusNotFound, "token_not_found")
	if _, err := ts.app.bots.AppByToken(t.Context(), tok.Token); err == nil {
		t.Fatal("a revoked app token still names its app")
	}
}
