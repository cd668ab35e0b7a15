package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/parley-chat/parley/channels"
)

// loginResult is the body of a sign-up or login response.
type loginResult struct {
	User      channels.User `json:"user"`
	Token     string        `json:"token"`
	CSRFToken string        `json:"csrf_token"`
}

// login opens a new session for username and returns the response too, for
// its cookies.
func (ts *testServer) login(username, password string) (loginResult, *response) {
	ts.t.Helper()
	var out loginResult
	res := ts.anon().mustJSON(http.StatusOK, "POST", "/api/v1/login",
		map[string]any{"username": username, "password": password}, &out)
	return out, res
}

// cookie returns the named cookie a response set, or nil.
func (r *response) cookie(name string) *http.Cookie {
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// as is a client that authenticates with token.
func (ts *testServer) as(token string) *client {
	return &client{ts: ts, Token: token, Header: http.Header{}}
}

func TestAPI_Signup(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	bob := ts.signup("bob")

	t.Run("first user becomes admin", func(t *testing.T) {
		if !ada.User.IsAdmin || bob.User.IsAdmin {
			t.Errorf("is_admin: ada %v, bob %v; want true, false", ada.User.IsAdmin, bob.User.IsAdmin)
		}
		if ada.User.Kind != channels.KindPerson || ada.User.Username != "ada" {
			t.Errorf("user = %+v", ada.User)
		}
		if !strings.HasPrefix(ada.Token, channels.PrefixSession) {
			t.Errorf("session token %q lacks prefix %q", ada.Token, channels.PrefixSession)
		}
	})

	t.Run("the returned token works", func(t *testing.T) {
		var me channels.User
		bob.mustJSON(http.StatusOK, "GET", "/api/v1/users/me", nil, &me)
		if me.ID != bob.User.ID {
			t.Errorf("me = %d, want %d", me.ID, bob.User.ID)
		}
	})

	t.Run("taken username is 409", func(t *testing.T) {
		res := ts.anon().do("POST", "/api/v1/signup", map[string]any{"username": "bob", "password": "password-x"})
		wantError(t, res, http.StatusConflict, "username_taken")
	})

	tests := []struct {
		name string
		body map[string]any
		code string
	}{
		{"uppercase username", map[string]any{"username": "Carol", "password": "password-1"}, "invalid_username"},
		{"username with a space", map[string]any{"username": "car ol", "password": "password-1"}, "invalid_username"},
		{"reserved username", map[string]any{"username": "channel", "password": "password-1"}, "invalid_username"},
		{"empty username", map[string]any{"username": "", "password": "password-1"}, "invalid_username"},
		{"short password", map[string]any{"username": "carol", "password": "short"}, "weak_password"},
		{"password over 72 bytes", map[string]any{"username": "carol", "password": strings.Repeat("p", 73)}, "invalid_password"},
		{"e-mail without @", map[string]any{"username": "carol", "password": "password-1", "email": "carol"}, "invalid_email"},
	}
	for _, tt := range tests {
		t.Run("rejects "+tt.name, func(t *testing.T) {
			wantError(t, ts.anon().do("POST", "/api/v1/signup", tt.body), http.StatusBadRequest, tt.code)
		})
	}
}

func TestAPI_SignupWithInvite(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.OpenSignup = false })
	ada := ts.signup("ada") // the first account needs no invite
	if !ada.User.IsAdmin {
		t.Fatal("first user is not admin")
	}
	body := func(name, code string) map[string]any {
		return map[string]any{"username": name, "password": "password-" + name, "invite_code": code}
	}

	t.Run("sign-up without an invite is closed", func(t *testing.T) {
		wantError(t, ts.anon().do("POST", "/api/v1/signup", body("bob", "")), http.StatusForbidden, "signup_closed")
	})

	var inv channels.Invite
	ada.mustJSON(http.StatusCreated, "POST", "/api/v1/invites", nil, &inv)
	if !strings.HasPrefix(inv.Code, channels.PrefixInvite) {
		t.Fatalf("invite code %q lacks prefix %q", inv.Code, channels.PrefixInvite)
	}

	t.Run("an invite lets one person in", func(t *testing.T) {
		var out loginResult
		ts.anon().mustJSON(http.StatusCreated, "POST", "/api/v1/signup", body("bob", inv.Code), &out)
		if out.User.Username != "bob" || out.User.IsAdmin || out.Token == "" {
			t.Errorf("signup = %+v", out)
		}
	})

	t.Run("an invite works only once", func(t *testing.T) {
		wantError(t, ts.anon().do("POST", "/api/v1/signup", body("carol", inv.Code)), http.StatusForbidden, "invalid_invite")
	})

	t.Run("an unknown invite is refused", func(t *testing.T) {
		wantError(t, ts.anon().do("POST", "/api/v1/signup", body("carol", "pli_nonsense")), http.StatusForbidden, "invalid_invite")
	})

	t.Run("only admins invite", func(t *testing.T) {
		bob, _ := ts.login("bob", "password-bob")
		wantError(t, ts.as(bob.Token).do("POST", "/api/v1/invites", nil), http.StatusForbidden, "admin_only")
	})
}

func TestAPI_Login(t *testing.T) {
	ts := newTestServer(t)
	ts.signup("ada")
	sess, res := ts.login("ada", "password-ada")

	t.Run("returns a token and sets an HttpOnly SameSite=Lax cookie", func(t *testing.T) {
		if !strings.HasPrefix(sess.Token, channels.PrefixSession) || sess.User.Username != "ada" || sess.CSRFToken == "" {
			t.Fatalf("login = %+v", sess)
		}
		ck := res.cookie(channels.SessionCookie)
		if ck == nil {
			t.Fatalf("no %s cookie in %v", channels.SessionCookie, res.Header["Set-Cookie"])
		}
		if ck.Value != sess.Token || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.MaxAge <= 0 {
			t.Errorf("session cookie = %+v", ck)
		}
		if csrf := res.cookie(channels.CSRFCookie); csrf == nil || csrf.Value != sess.CSRFToken {
			t.Errorf("csrf cookie = %+v, want value %q", csrf, sess.CSRFToken)
		}
	})

	// A browser: the session cookie and nothing else.
	browser := ts.anon()
	browser.Header.Set("Cookie", channels.SessionCookie+"="+sess.Token)

	t.Run("cookie authenticates reads", func(t *testing.T) {
		var me channels.User
		browser.mustJSON(http.StatusOK, "GET", "/api/v1/users/me", nil, &me)
		if me.Username != "ada" {
			t.Errorf("me = %+v", me)
		}
	})

	t.Run("cookie write without CSRF token is 403", func(t *testing.T) {
		res := browser.do("POST", "/api/v1/channels", map[string]any{"name": "general"})
		wantError(t, res, http.StatusForbidden, "csrf_failed")
	})

	t.Run("cookie write with a wrong CSRF token is 403", func(t *testing.T) {
		res := browser.withHeader(channels.CSRFHeader, strings.Repeat("0", 32)).do("POST", "/api/v1/channels", map[string]any{"name": "general"})
		wantError(t, res, http.StatusForbidden, "csrf_failed")
	})

	t.Run("cookie write with the CSRF token succeeds", func(t *testing.T) {
		var ch channels.Channel
		browser.withHeader(channels.CSRFHeader, sess.CSRFToken).
			mustJSON(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": "general"}, &ch)
		if ch.Name != "general" {
			t.Errorf("channel = %+v", ch)
		}
	})

	t.Run("bearer writes need no CSRF token", func(t *testing.T) {
		ts.as(sess.Token).mustJSON(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": "random"}, nil)
	})

	tests := []struct {
		name     string
		username string
		password string
	}{
		{"wrong password", "ada", "password-bob"},
		{"unknown user", "nobody", "password-ada"},
		{"empty password", "ada", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is 401", func(t *testing.T) {
			res := ts.anon().do("POST", "/api/v1/login", map[string]any{"username": tt.username, "password": tt.password})
			wantError(t, res, http.StatusUnauthorized, "invalid_credentials")
			if res.cookie(channels.SessionCookie) != nil {
				t.Errorf("failed login set a session cookie")
			}
		})
	}

	t.Run("no credentials is 401", func(t *testing.T) {
		wantError(t, ts.anon().do("GET", "/api/v1/users/me", nil), http.StatusUnauthorized, "not_authenticated")
	})

	t.Run("a made-up token is 401", func(t *testing.T) {
		wantError(t, ts.as("pls_madeup").do("GET", "/api/v1/users/me", nil), http.StatusUnauthorized, "invalid_token")
	})
}

func TestAPI_Logout(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	sess, _ := ts.login("ada", "password-ada")
	c := ts.as(sess.Token)

	res := c.do("POST", "/api/v1/logout", nil)
	if res.Status != http.StatusNoContent {
		t.Fatalf("logout: %d %s", res.Status, res.Body)
	}
	t.Run("clears the cookie", func(t *testing.T) {
		if ck := res.cookie(channels.SessionCookie); ck == nil || ck.MaxAge >= 0 || ck.Value != "" {
			t.Errorf("session cookie after logout = %+v, want it expired", ck)
		}
	})
	t.Run("revokes the token", func(t *testing.T) {
		wantError(t, c.do("GET", "/api/v1/users/me", nil), http.StatusUnauthorized, "invalid_token")
		wantError(t, c.do("POST", "/api/v1/logout", nil), http.StatusUnauthorized, "invalid_token")
	})
	t.Run("leaves other sessions alone", func(t *testing.T) {
		ada.mustJSON(http.StatusOK, "GET", "/api/v1/users/me", nil, nil)
	})
}

func TestAPI_Profile(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	bob := ts.signup("bob")

	t.Run("GET /users/me returns the caller", func(t *testing.T) {
		var me channels.User
		ada.mustJSON(http.StatusOK, "GET", "/api/v1/users/me", nil, &me)
		if me.ID != ada.User.ID || me.Username != "ada" || !me.IsAdmin {
			t.Errorf("me = %+v", me)
		}
	})

	t.Run("PATCH sets display name and status", func(t *testing.T) {
		var u channels.User
		ada.mustJSON(http.StatusOK, "PATCH", "/api/v1/users/me", map[string]any{
			"display_name": "Ada Lovelace", "status_text": "computing", "status_emoji": ":palm_tree:",
		}, &u)
		if u.DisplayName != "Ada Lovelace" || u.StatusText != "computing" || u.StatusEmoji != "palm_tree" {
			t.Errorf("patched = %+v", u)
		}
		var me channels.User
		ada.mustJSON(http.StatusOK, "GET", "/api/v1/users/me", nil, &me)
		if me.DisplayName != "Ada Lovelace" || me.StatusText != "computing" || me.StatusEmoji != "palm_tree" {
			t.Errorf("after patch, me = %+v", me)
		}
		var seen channels.User
		bob.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/users/%d", ada.User.ID), nil, &seen)
		if seen.DisplayName != "Ada Lovelace" || seen.StatusEmoji != "palm_tree" {
			t.Errorf("others see %+v", seen)
		}
	})

	t.Run("PATCH leaves absent fields alone and clears with empty strings", func(t *testing.T) {
		var u channels.User
		ada.mustJSON(http.StatusOK, "PATCH", "/api/v1/users/me", map[string]any{"status_emoji": ""}, &u)
		if u.DisplayName != "Ada Lovelace" || u.StatusText != "computing" || u.StatusEmoji != "" {
			t.Errorf("patched = %+v", u)
		}
	})

	tests := []struct {
		name  string
		patch map[string]any
		code  string
	}{
		{"bad status emoji", map[string]any{"status_emoji": "palm tree"}, "invalid_emoji"},
		{"uppercase status emoji", map[string]any{"status_emoji": ":Palm_Tree:"}, "invalid_emoji"},
		{"display name over 80 characters", map[string]any{"display_name": strings.Repeat("é", 81)}, "invalid_display_name"},
		{"status text over 100 characters", map[string]any{"status_text": strings.Repeat("x", 101)}, "invalid_status_text"},
	}
	for _, tt := range tests {
		t.Run("rejects "+tt.name, func(t *testing.T) {
			wantError(t, ada.do("PATCH", "/api/v1/users/me", tt.patch), http.StatusBadRequest, tt.code)
		})
	}
}

func TestAPI_Users(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	var carol loginResult
	ts.anon().mustJSON(http.StatusCreated, "POST", "/api/v1/signup",
		map[string]any{"username": "carol", "password": "password-carol", "email": "carol@example.com"}, &carol)
	for _, name := range []string{"dan", "eve", "fay"} {
		ts.signup(name)
	}
	bob := ts.signup("bob")

	t.Run("pages through everyone with limit and cursor", func(t *testing.T) {
		var names []string
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("pagination does not end")
			}
			var page channels.List[channels.User]
			ada.mustJSON(http.StatusOK, "GET", "/api/v1/users?limit=2&cursor="+cursor, nil, &page)
			if len(page.Items) > 2 {
				t.Fatalf("page of %d users, limit 2", len(page.Items))
			}
			for _, u := range page.Items {
				names = append(names, u.Username)
			}
			if page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
		}
		if got := strings.Join(names, ","); got != "ada,carol,dan,eve,fay,bob" {
			t.Errorf("users = %s", got)
		}
	})

	t.Run("the last full page has no cursor", func(t *testing.T) {
		var page channels.List[channels.User]
		ada.mustJSON(http.StatusOK, "GET", "/api/v1/users?limit=6", nil, &page)
		if len(page.Items) != 6 || page.NextCursor != "" {
			t.Errorf("got %d users, cursor %q; want 6 and none", len(page.Items), page.NextCursor)
		}
	})

	t.Run("GET /users/{id} returns one user", func(t *testing.T) {
		var u channels.User
		bob.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/users/%d", carol.User.ID), nil, &u)
		if u.ID != carol.User.ID || u.Username != "carol" {
			t.Errorf("user = %+v", u)
		}
	})

	t.Run("e-mail is shown to the user and admins only", func(t *testing.T) {
		path := fmt.Sprintf("/api/v1/users/%d", carol.User.ID)
		for _, tt := range []struct {
			who  *client
			want string
		}{{ada, "carol@example.com"}, {ts.as(carol.Token), "carol@example.com"}, {bob, ""}} {
			var u channels.User
			tt.who.mustJSON(http.StatusOK, "GET", path, nil, &u)
			if u.Email != tt.want {
				t.Errorf("%s sees email %q, want %q", tt.who.User.Username, u.Email, tt.want)
			}
		}
		var page channels.List[channels.User]
		bob.mustJSON(http.StatusOK, "GET", "/api/v1/users", nil, &page)
		for _, u := range page.Items {
			if u.Email != "" {
				t.Errorf("bob sees %s's email in the list", u.Username)
			}
		}
	})

	t.Run("unknown user is 404", func(t *testing.T) {
		wantError(t, bob.do("GET", "/api/v1/users/999999", nil), http.StatusNotFound, "user_not_found")
	})
}

func TestAPI_PersonalTokens(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	bob := ts.signup("bob")

	var tok struct {
		channels.Token
		Secret string `json:"token"`
	}
	ada.mustJSON(http.StatusCreated, "POST", "/api/v1/tokens", map[string]any{"name": "ci"}, &tok)

	t.Run("create shows the secret once, with its prefix", func(t *testing.T) {
		if !strings.HasPrefix(tok.Secret, channels.PrefixPersonal) || len(tok.Secret) < 30 {
			t.Errorf("secret %q", tok.Secret)
		}
		if tok.Name != "ci" || tok.Kind != channels.TokenPersonal || tok.UserID != ada.User.ID || tok.ID == 0 {
			t.Errorf("token = %+v", tok.Token)
		}
		if strings.Contains(tok.Hint, tok.Secret) {
			t.Errorf("hint %q holds the whole secret", tok.Hint)
		}
	})

	t.Run("the token authenticates", func(t *testing.T) {
		var me channels.User
		ts.as(tok.Secret).mustJSON(http.StatusOK, "GET", "/api/v1/users/me", nil, &me)
		if me.ID != ada.User.ID {
			t.Errorf("token acts as %d, want %d", me.ID, ada.User.ID)
		}
	})

	t.Run("list shows personal tokens without secrets", func(t *testing.T) {
		var list channels.List[map[string]any]
		res := ada.mustJSON(http.StatusOK, "GET", "/api/v1/tokens", nil, &list)
		if len(list.Items) != 1 || list.Items[0]["name"] != "ci" {
			t.Fatalf("tokens = %+v", list.Items)
		}
		if _, ok := list.Items[0]["token"]; ok {
			t.Errorf("list carries a token field")
		}
		if strings.Contains(string(res.Body), tok.Secret) {
			t.Errorf("list carries the secret")
		}
		var other channels.List[channels.Token]
		bob.mustJSON(http.StatusOK, "GET", "/api/v1/tokens", nil, &other)
		if len(other.Items) != 0 {
			t.Errorf("bob sees tokens %+v", other.Items)
		}
	})

	t.Run("another user cannot delete it", func(t *testing.T) {
		wantError(t, bob.do("DELETE", fmt.Sprintf("/api/v1/tokens/%d", tok.ID), nil), http.StatusNotFound, "token_not_found")
	})

	t.Run("delete revokes it", func(t *testing.T) {
		if res := ada.do("DELETE", fmt.Sprintf("/api/v1/tokens/%d", tok.ID), nil); res.Status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", res.Status, res.Body)
		}
		wantError(t, ts.as(tok.Secret).do("GET", "/api/v1/users/me", nil), http.StatusUnauthorized, "invalid_token")
		wantError(t, ada.do("DELETE", fmt.Sprintf("/api/v1/tokens/%d", tok.ID), nil), http.StatusNotFound, "token_not_found")
		var list channels.List[channels.Token]
		ada.mustJSON(http.StatusOK, "GET", "/api/v1/tokens", nil, &list)
		if len(list.Items) != 0 {
			t.Errorf("tokens after delete = %+v", list.Items)
		}
	})

	t.Run("needs a name", func(t *testing.T) {
		wantError(t, ada.do("POST", "/api/v1/tokens", map[string]any{"name": "  "}), http.StatusBadRequest, "invalid_name")
	})
}

func TestAPI_Deactivate(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	var pat struct {
		Secret string `json:"token"`
	}
	bob.mustJSON(http.StatusCreated, "POST", "/api/v1/tokens", map[string]any{"name": "laptop"}, &pat)
	second, _ := ts.login("bob", "password-bob")
	bobTokens := map[string]string{"sign-up session": bob.Token, "login session": second.Token, "personal token": pat.Secret}
	deactivate := fmt.Sprintf("/api/v1/users/%d/deactivate", bob.User.ID)
	reactivate := fmt.Sprintf("/api/v1/users/%d/reactivate", bob.User.ID)

	t.Run("non-admin cannot deactivate", func(t *testing.T) {
		wantError(t, bob.do("POST", fmt.Sprintf("/api/v1/users/%d/deactivate", ada.User.ID), nil), http.StatusForbidden, "admin_only")
		wantError(t, bob.do("POST", reactivate, nil), http.StatusForbidden, "admin_only")
	})

	t.Run("admin cannot deactivate themselves", func(t *testing.T) {
		wantError(t, ada.do("POST", fmt.Sprintf("/api/v1/users/%d/deactivate", ada.User.ID), nil), http.StatusBadRequest, "cannot_deactivate_self")
	})

	var u channels.User
	ada.mustJSON(http.StatusOK, "POST", deactivate, nil, &u)
	if !u.Deactivated {
		t.Fatalf("deactivated user = %+v", u)
	}

	t.Run("revokes every token at once", func(t *testing.T) {
		for name, tok := range bobTokens {
			if res := ts.as(tok).do("GET", "/api/v1/users/me", nil); res.Status != http.StatusUnauthorized {
				t.Errorf("%s after deactivation: status %d, want 401", name, res.Status)
			}
		}
	})

	t.Run("login is refused", func(t *testing.T) {
		res := ts.anon().do("POST", "/api/v1/login", map[string]any{"username": "bob", "password": "password-bob"})
		wantError(t, res, http.StatusForbidden, "account_deactivated")
	})

	t.Run("others see the user as deactivated", func(t *testing.T) {
		var seen channels.User
		ada.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/users/%d", bob.User.ID), nil, &seen)
		if !seen.Deactivated {
			t.Errorf("user = %+v", seen)
		}
	})

	t.Run("reactivation lets the user log in again but old tokens stay dead", func(t *testing.T) {
		var u channels.User
		ada.mustJSON(http.StatusOK, "POST", reactivate, nil, &u)
		if u.Deactivated {
			t.Fatalf("reactivated user = %+v", u)
		}
		for name, tok := range bobTokens {
			if res := ts.as(tok).do("GET", "/api/v1/users/me", nil); res.Status != http.StatusUnauthorized {
				t.Errorf("%s after reactivation: status %d, want 401", name, res.Status)
			}
		}
		again, _ := ts.login("bob", "password-bob")
		ts.as(again.Token).mustJSON(http.StatusOK, "GET", "/api/v1/users/me", nil, nil)
	})

	t.Run("unknown user is 404", func(t *testing.T) {
		wantError(t, ada.do("POST", "/api/v1/users/999999/deactivate", nil), http.StatusNotFound, "user_not_found")
	})
}
