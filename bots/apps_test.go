package bots

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/channels"
)

// TestApps_Create pins who may create an app and what one holds from the
// start: a bot of its own with its scopes and first token, and a signing
// secret in Slack's form, before any URL is set.
func TestApps_Create(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{})
	root, ana := e.person("root"), e.person("ana")
	_, botToken := e.bot(root, "ci", channels.ScopeChatWrite)

	app, token, err := e.bots.CreateApp(ctx, root, NewApp{Name: "Deployer", NewBot: NewBot{Username: "deployer",
		Scopes: []string{channels.ScopeChatWrite, channels.ScopeCommands}}})
	if err != nil {
		t.Fatal(err)
	}
	if app.SlackID != AppSlackID(app.ID) || app.Name != "Deployer" || app.Bot.Username != "deployer" || app.Bot.OwnerID != root.ID ||
		!regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(app.SigningSecret) || app.EventsURL != "" || app.SocketMode {
		t.Fatalf("created %+v", app)
	}
	caller := e.authenticate(token)
	if caller.ID != app.Bot.ID || !slices.Equal(caller.Scopes, []string{channels.ScopeChatWrite, channels.ScopeCommands}) {
		t.Fatalf("the bot token is %+v", caller)
	}
	for _, tt := range []struct {
		name  string
		actor *channels.Actor
		in    NewApp
		code  string
	}{
		{"a person when users may not create bots", ana, NewApp{Name: "x", NewBot: NewBot{Username: "x1"}}, "admin_only"},
		{"a bot token", botToken, NewApp{Name: "x", NewBot: NewBot{Username: "x2"}}, "bots_cannot_create_bots"},
		{"no name", root, NewApp{Name: " ", NewBot: NewBot{Username: "x3"}}, "invalid_name"},
		{"a taken bot name", root, NewApp{Name: "x", NewBot: NewBot{Username: "deployer"}}, "username_taken"},
		{"an unknown scope", root, NewApp{Name: "x", NewBot: NewBot{Username: "x4", Scopes: []string{"admin"}}}, "invalid_scope"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := e.bots.CreateApp(ctx, tt.actor, tt.in)
			wantCode(t, err, tt.code)
		})
	}
	// A refused app leaves no bot behind.
	if bots, err := e.bots.List(ctx, root); err != nil || len(bots) != 2 {
		t.Errorf("bots after refused apps: %d, %v", len(bots), err)
	}
}

// TestApps_ManageAndSecrets pins who sees an app (its bot's owner and
// admins), the rotation grace period, and app-level tokens.
func TestApps_ManageAndSecrets(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{UsersCanCreateBots: true})
	root, ana, ben := e.person("root"), e.person("ana"), e.person("ben")
	app, _, err := e.bots.CreateApp(ctx, ana, NewApp{Name: "Mine", NewBot: NewBot{Username: "mine"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []*channels.Actor{ana, root} {
		if got, err := e.bots.App(ctx, who, app.ID); err != nil || got.SigningSecret != app.SigningSecret {
			t.Errorf("%s: %+v, %v", who.Username, got, err)
		}
	}
	_, err = e.bots.App(ctx, ben, app.ID)
	wantCode(t, err, "app_not_found")

	first := app.SigningSecret
	rotated, err := e.bots.RotateSigningSecret(ctx, ana, app.ID, time.Hour)
	if err != nil || rotated.SigningSecret == first {
		t.Fatalf("rotated %+v, %v", rotated, err)
	}
	stored, err := e.bots.App(ctx, ana, app.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := stored.SigningSecrets(time.Now()); !slices.Equal(got, []string{rotated.SigningSecret, first}) {
		t.Errorf("during the grace period the secrets are %v", got)
	}
	if got := stored.SigningSecrets(time.Now().Add(2 * time.Hour)); !slices.Equal(got, []string{rotated.SigningSecret}) {
		t.Errorf("after the grace period the secrets are %v", got)
	}
	_, err = e.bots.RotateSigningSecret(ctx, ben, app.ID, time.Hour)
	wantCode(t, err, "app_not_found")

	tok, secret, err := e.bots.IssueAppToken(ctx, ana, app.ID, "socket")
	if err != nil || !strings.HasPrefix(secret, "xapp-1-"+app.SlackID+"-") || tok.Scopes != "connections:write" ||
		strings.Contains(tok.Hint, secret[12:30]) {
		t.Fatalf("app token %+v %q, %v", tok, secret, err)
	}
	if got, err := e.bots.AppByToken(ctx, secret); err != nil || got.ID != app.ID {
		t.Fatalf("AppByToken = %+v, %v", got, err)
	}
	var stored2 []byte
	if err := e.db.Reader.QueryRow(`SELECT hash FROM app_tokens WHERE id = ?`, tok.ID).Scan(&stored2); err != nil ||
		strings.Contains(string(stored2), secret) {
		t.Errorf("the token is stored as %q (%v)", stored2, err)
	}
	for _, bad := range []string{secret + "x", "xapp-1-A1-nope", strings.TrimPrefix(secret, "xapp-"), ""} {
		_, err := e.bots.AppByToken(ctx, bad)
		wantCode(t, err, "app_not_found")
	}
	_, _, err = e.bots.IssueAppToken(ctx, ben, app.ID, "theirs")
	wantCode(t, err, "app_not_found")
	// A deleted bot takes its app's tokens with it.
	if err := e.bots.Delete(ctx, ana, app.Bot.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.bots.AppByToken(ctx, secret)
	wantCode(t, err, "app_not_found")
}

// TestApps_CreateFor: the CLI's path makes an app for a person, with a first
// app-level token; a bot cannot own one.
func TestApps_CreateFor(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{})
	root := e.person("root")
	bot, _ := e.bot(root, "ci")
	app, botToken, appToken, err := e.bots.CreateAppFor(ctx, "root", NewApp{Name: "CLI", NewBot: NewBot{Username: "cli"}})
	if err != nil || app.Bot.OwnerID != root.ID || !strings.HasPrefix(botToken, channels.PrefixBot) {
		t.Fatalf("CreateAppFor = %+v, %q, %v", app, botToken, err)
	}
	if got, err := e.bots.AppByToken(ctx, appToken); err != nil || got.ID != app.ID {
		t.Fatalf("its app token names %+v, %v", got, err)
	}
	_, _, _, err = e.bots.CreateAppFor(ctx, bot.Username, NewApp{Name: "x", NewBot: NewBot{Username: "x"}})
	wantCode(t, err, "invalid_owner")
	_, _, _, err = e.bots.CreateAppFor(ctx, "nobody", NewApp{Name: "x", NewBot: NewBot{Username: "y"}})
	wantCode(t, err, "user_not_found")
}
