package main

import (
	"errors"
	"net/http"
	"testing"

	"github.com/slack-go/slack"

	"github.com/parley-chat/parley/channels"
)

// TestAPI_ChangeEmail changes addresses with PATCH /users/me and checks that
// the Slack API's users.lookupByEmail and users.info follow.
func TestAPI_ChangeEmail(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.signup("root")
	bob := ts.signup("bob")
	carol := ts.signup("carol")
	reader, _ := admin.createBot("directory", "users:read", "users:read.email")
	slackClients := map[string]*slack.Client{"admin": ts.slackAPI(admin.Token), "bot": ts.slackAPI(reader.Token)}

	// lookup answers whose address email is for a Slack client ("" when none).
	lookup := func(api *slack.Client, email string) string {
		t.Helper()
		u, err := api.GetUserByEmail(email)
		var se slack.SlackErrorResponse
		if errors.As(err, &se) && se.Err == "users_not_found" {
			return ""
		}
		must(t, err)
		return u.ID
	}

	// The steps run in order.
	tests := []struct {
		name   string
		who    *client
		email  string
		status int
		code   string
		// found maps an address to whom lookupByEmail finds for it after the step.
		found map[string]*client
	}{
		{name: "bob sets an address", who: bob, email: "bob@example.com", status: http.StatusOK,
			found: map[string]*client{"bob@example.com": bob, "BOB@EXAMPLE.COM": bob}},
		{name: "bob changes it", who: bob, email: "robert@example.com", status: http.StatusOK,
			found: map[string]*client{"robert@example.com": bob, "bob@example.com": nil}},
		{name: "carol cannot take bob's", who: carol, email: "Robert@Example.com", status: http.StatusConflict, code: "email_taken",
			found: map[string]*client{"robert@example.com": bob}},
		{name: "a malformed address is refused", who: carol, email: "carol at example.com", status: http.StatusBadRequest,
			code: "invalid_email", found: map[string]*client{"carol at example.com": nil}},
		{name: "carol takes the freed one", who: carol, email: "bob@example.com", status: http.StatusOK,
			found: map[string]*client{"bob@example.com": carol, "robert@example.com": bob}},
		{name: "bob removes his", who: bob, email: "", status: http.StatusOK,
			found: map[string]*client{"robert@example.com": nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.who.do("PATCH", "/api/v1/users/me", map[string]any{"email": tt.email})
			if tt.code != "" {
				wantError(t, res, tt.status, tt.code)
			} else if res.Status != tt.status {
				t.Fatalf("status %d, want %d; body %s", res.Status, tt.status, res.Body)
			}
			var me channels.User
			tt.who.mustJSON(http.StatusOK, "GET", "/api/v1/users/me", nil, &me)
			if tt.code == "" && me.Email != tt.email {
				t.Errorf("GET /users/me email %q, want %q", me.Email, tt.email)
			}
			for name, api := range slackClients {
				for email, want := range tt.found {
					wantID := ""
					if want != nil {
						wantID = sid("U", want.User.ID)
					}
					if got := lookup(api, email); got != wantID {
						t.Errorf("%s: users.lookupByEmail(%q) = %q, want %q", name, email, got, wantID)
					}
				}
				u, err := api.GetUserInfo(sid("U", tt.who.User.ID))
				must(t, err)
				if u.Profile.Email != me.Email {
					t.Errorf("%s: users.info email %q, want %q", name, u.Profile.Email, me.Email)
				}
			}
		})
	}

	t.Run("sign-up with a taken address is refused", func(t *testing.T) {
		res := ts.anon().do("POST", "/api/v1/signup",
			map[string]any{"username": "dora", "password": "password-dora", "email": "BOB@example.com"})
		wantError(t, res, http.StatusConflict, "email_taken")
	})

	t.Run("a bot has no address", func(t *testing.T) {
		wantError(t, reader.do("PATCH", "/api/v1/users/me", map[string]any{"email": "bot@example.com"}),
			http.StatusBadRequest, "invalid_email")
	})
}
