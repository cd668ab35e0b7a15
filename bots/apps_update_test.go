package bots

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/slack-go/slack"

	"github.com/parley-chat/parley/webhooks"
)

// boltLikeReceiver answers url_verification the way a Bolt app does: only
// when the request verifies against the app's signing secret (401 else).
func boltLikeReceiver(t *testing.T, secret *atomic.Value) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var verified atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		v, err := slack.NewSecretsVerifier(r.Header, secret.Load().(string))
		if err == nil {
			_, _ = v.Write(body)
			err = v.Ensure()
		}
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		verified.Add(1)
		var in struct{ Type, Challenge string }
		_ = json.Unmarshal(body, &in)
		_ = json.NewEncoder(w).Encode(map[string]string{"challenge": in.Challenge})
	}))
	t.Cleanup(srv.Close)
	return srv, &verified
}

// TestApps_Update pins an app's settings: an events URL is verified with
// the app's own signing secret (so a Bolt app that already checks
// signatures accepts it), a URL that fails the handshake or the address
// guard is refused and changes nothing, and bot events are Slack's names.
func TestApps_Update(t *testing.T) {
	ctx := context.Background()
	sender, err := webhooks.NewSender(webhooks.SenderOptions{Allow: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	e := newTestEnv(t, Options{Sender: sender})
	root := e.person("root")
	app, _, err := e.bots.CreateApp(ctx, root, NewApp{Name: "Bolt", NewBot: NewBot{Username: "bolt"}})
	if err != nil {
		t.Fatal(err)
	}
	var secret atomic.Value
	secret.Store(app.SigningSecret)
	bolt, verified := boltLikeReceiver(t, &secret)
	wrong := &atomic.Value{}
	wrong.Store("not-the-secret")
	stranger, _ := boltLikeReceiver(t, wrong)

	str := func(s string) *string { return &s }
	events := []string{"reaction_added", "app_mention", "app_mention", "message.im"}
	on := true
	got, err := e.bots.UpdateApp(ctx, root, app.ID, AppPatch{EventsURL: str(bolt.URL + "/slack/events"), BotEvents: &events,
		InteractivityURL: str(bolt.URL + "/slack/actions"), SocketMode: &on})
	if err != nil {
		t.Fatal(err)
	}
	if got.EventsURL != bolt.URL+"/slack/events" || !slices.Equal(got.BotEvents, []string{"app_mention", "message.im", "reaction_added"}) ||
		!got.SocketMode || verified.Load() != 1 {
		t.Fatalf("updated %+v after %d verified requests", got, verified.Load())
	}
	for _, tt := range []struct {
		name string
		p    AppPatch
		code string
	}{
		{"a URL that does not verify the secret", AppPatch{EventsURL: str(stranger.URL)}, "url_verification_failed"},
		{"an address the guard refuses", AppPatch{EventsURL: str("http://127.0.0.2:9/x")}, "url_verification_failed"},
		{"an interactivity address the guard refuses", AppPatch{InteractivityURL: str("http://[::1]:9/x")}, "url_not_allowed"},
		{"not http", AppPatch{EventsURL: str("ftp://example.com/x")}, "invalid_url"},
		{"an unknown event", AppPatch{BotEvents: &[]string{"message.created"}}, "invalid_event"},
		{"no name", AppPatch{Name: str(" ")}, "invalid_name"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.bots.UpdateApp(ctx, root, app.ID, tt.p)
			wantCode(t, err, tt.code)
			stored, _ := e.bots.App(ctx, root, app.ID)
			if stored.EventsURL != got.EventsURL || stored.InteractivityURL != got.InteractivityURL || len(stored.BotEvents) != 3 {
				t.Errorf("a refused change changed the app: %+v", stored)
			}
		})
	}
	// An empty URL removes it without a request.
	before := verified.Load()
	if got, err = e.bots.UpdateApp(ctx, root, app.ID, AppPatch{EventsURL: str("")}); err != nil || got.EventsURL != "" || verified.Load() != before {
		t.Fatalf("removing the URL: %+v, %v", got, err)
	}
	other := e.person("other")
	_, err = e.bots.UpdateApp(ctx, other, app.ID, AppPatch{Name: str("mine")})
	wantCode(t, err, "app_not_found")
	_, botToken := e.bot(root, "plain")
	_, err = e.bots.UpdateApp(ctx, botToken, app.ID, AppPatch{Name: str("x")})
	wantCode(t, err, "bots_cannot_manage_bots")
}
