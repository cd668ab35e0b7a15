package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/parley-chat/parley/channels"
)

// scopeWorld is what the scope tests act on: channels the bot under test
// is in (public, private, a DM with the admin), a public channel it is not
// in, a message and a shared file.
type scopeWorld struct {
	admin            *client
	pub, other, priv channels.Channel
	msg              channels.Message
	file             channels.File
	seq              int
}

// botIn creates a bot with scopes and puts it in pub, priv and a DM with the admin.
func (w *scopeWorld) botIn(scopes []string) (*client, int64) {
	w.seq++
	bot, _ := w.admin.createBot(fmt.Sprintf("bot%03d", w.seq), scopes...)
	w.admin.addMember(w.pub.ID, bot.User.ID)
	w.admin.addMember(w.priv.ID, bot.User.ID)
	var dm channels.Channel
	w.admin.mustJSON(http.StatusCreated, "POST", "/api/v1/dms", map[string]any{"user_ids": []int64{bot.User.ID}}, &dm)
	return bot, dm.ID
}

func errorField(res *response) string {
	var env struct {
		Error struct {
			Field string `json:"field"`
		} `json:"error"`
	}
	_ = json.Unmarshal(res.Body, &env)
	return env.Error.Field
}

func TestBots_Scopes(t *testing.T) {
	ts := newTestServer(t)
	w := &scopeWorld{admin: ts.signup("root")}
	w.pub = w.admin.createChannel("general", false)
	w.other = w.admin.createChannel("random", false)
	w.priv = w.admin.createChannel("ops", true)
	w.msg = w.admin.post(w.pub.ID, "hello", 0)
	w.file = w.admin.uploadFile("notes.txt", []byte("some notes"))
	w.admin.mustJSON(http.StatusCreated, "POST", fmt.Sprintf("/api/v1/channels/%d/messages", w.pub.ID),
		map[string]any{"text": "file", "file_ids": []int64{w.file.ID}}, nil)

	n := 0
	tests := []struct {
		scope  string
		method string
		path   func(dm int64) string
		body   func() any
		status int
	}{
		{channels.ScopeChatWrite, "POST", func(int64) string { return fmt.Sprintf("/api/v1/channels/%d/messages", w.pub.ID) },
			func() any { return map[string]any{"text": "hi"} }, 201},
		{channels.ScopeChatWritePublic, "POST", func(int64) string { return fmt.Sprintf("/api/v1/channels/%d/messages", w.other.ID) },
			func() any { return map[string]any{"text": "hi from outside"} }, 201},
		{channels.ScopeChannelsRead, "GET", func(int64) string { return fmt.Sprintf("/api/v1/channels/%d", w.pub.ID) }, nil, 200},
		{channels.ScopeChannelsRead, "GET", func(int64) string { return "/api/v1/channels?browse=true" }, nil, 200},
		{channels.ScopeGroupsRead, "GET", func(int64) string { return fmt.Sprintf("/api/v1/channels/%d/members", w.priv.ID) }, nil, 200},
		{channels.ScopeChannelsHistory, "GET", func(int64) string { return fmt.Sprintf("/api/v1/channels/%d/messages", w.pub.ID) }, nil, 200},
		{channels.ScopeChannelsHistory, "GET", func(int64) string { return fmt.Sprintf("/api/v1/messages/%d", w.msg.ID) }, nil, 200},
		{channels.ScopeGroupsHistory, "GET", func(int64) string { return fmt.Sprintf("/api/v1/channels/%d/messages", w.priv.ID) }, nil, 200},
		{channels.ScopeIMHistory, "GET", func(dm int64) string { return fmt.Sprintf("/api/v1/channels/%d/messages", dm) }, nil, 200},
		{channels.ScopeIMWrite, "POST", func(int64) string { return "/api/v1/dms" },
			func() any { return map[string]any{"user_ids": []int64{w.admin.User.ID}} }, 200},
		{channels.ScopeChannelsJoin, "POST", func(int64) string { return fmt.Sprintf("/api/v1/channels/%d/join", w.other.ID) }, nil, 200},
		{channels.ScopeChannelsManage, "POST", func(int64) string { return "/api/v1/channels" },
			func() any { n++; return map[string]any{"name": fmt.Sprintf("made-%d", n)} }, 201},
		{channels.ScopeChannelsManage, "PATCH", func(int64) string { return fmt.Sprintf("/api/v1/channels/%d", w.pub.ID) },
			func() any { return map[string]any{"topic": "builds"} }, 200},
		{channels.ScopeReactionsWrite, "PUT", func(int64) string { return fmt.Sprintf("/api/v1/messages/%d/reactions/tada", w.msg.ID) }, nil, 204},
		{channels.ScopeUsersRead, "GET", func(int64) string { return "/api/v1/users" }, nil, 200},
		{channels.ScopeUsersRead, "GET", func(int64) string { return fmt.Sprintf("/api/v1/users/%d", w.admin.User.ID) }, nil, 200},
		{channels.ScopeFilesRead, "GET", func(int64) string { return fmt.Sprintf("/api/v1/files/%d", w.file.ID) }, nil, 200},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path(0)+" needs "+tt.scope, func(t *testing.T) {
			ts.t = t
			defer func() { ts.t = t }()
			var body any
			with, dm := w.botIn([]string{tt.scope})
			if tt.body != nil {
				body = tt.body()
			}
			if res := with.do(tt.method, tt.path(dm), body); res.Status != tt.status {
				t.Errorf("granted: %d, want %d; body: %s", res.Status, tt.status, res.Body)
			}
			others := slices.DeleteFunc(slices.Clone(channels.AllScopes), func(s string) bool { return s == tt.scope })
			without, dm := w.botIn(others)
			if tt.body != nil {
				body = tt.body()
			}
			res := without.do(tt.method, tt.path(dm), body)
			wantError(t, res, http.StatusForbidden, "missing_scope")
			if errorField(res) != tt.scope {
				t.Errorf("missing_scope names %q, want %q", errorField(res), tt.scope)
			}
		})
	}

	t.Run("the event feed needs a history scope", func(t *testing.T) {
		for _, sc := range []string{channels.ScopeChannelsHistory, channels.ScopeGroupsHistory, channels.ScopeIMHistory} {
			with, _ := w.botIn([]string{sc})
			if res := with.do("GET", "/api/v1/events?since=0", nil); res.Status != http.StatusOK {
				t.Errorf("with %s: %d %s", sc, res.Status, res.Body)
			}
		}
		others := slices.DeleteFunc(slices.Clone(channels.AllScopes), func(s string) bool { return strings.HasSuffix(s, ":history") })
		without, _ := w.botIn(others)
		res := without.do("GET", "/api/v1/events?since=0", nil)
		wantError(t, res, http.StatusForbidden, "missing_scope")
		if errorField(res) != channels.ScopeChannelsHistory {
			t.Errorf("missing_scope names %q", errorField(res))
		}
	})

	t.Run("files:write", func(t *testing.T) {
		with, _ := w.botIn([]string{channels.ScopeFilesWrite})
		if res := with.upload("a.txt", []byte("a")); res.Status != http.StatusCreated {
			t.Errorf("granted: %d %s", res.Status, res.Body)
		}
		without, _ := w.botIn([]string{channels.ScopeUsersRead})
		wantError(t, without.upload("a.txt", []byte("a")), http.StatusForbidden, "missing_scope")
	})

	t.Run("users:read.email", func(t *testing.T) {
		w.admin.mustJSON(http.StatusOK, "PATCH", "/api/v1/users/me", map[string]any{"display_name": "Root"}, nil)
		ts.anon().mustJSON(http.StatusCreated, "POST", "/api/v1/signup",
			map[string]any{"username": "ana", "password": "password-ana", "email": "ana@example.com"}, nil)
		for _, tc := range []struct {
			scopes []string
			email  bool
		}{{[]string{channels.ScopeUsersRead}, false}, {[]string{channels.ScopeUsersRead, channels.ScopeUsersReadEmail}, true}} {
			bot, _ := w.botIn(tc.scopes)
			var list struct {
				Items []channels.User `json:"items"`
			}
			bot.mustJSON(http.StatusOK, "GET", "/api/v1/users", nil, &list)
			seen := false
			for _, u := range list.Items {
				if u.Email != "" {
					seen = true
				}
			}
			if seen != tc.email {
				t.Errorf("scopes %v: emails shown = %v, want %v", tc.scopes, seen, tc.email)
			}
		}
	})

	t.Run("my channel list keeps to the read scopes", func(t *testing.T) {
		bot, _ := w.botIn([]string{channels.ScopeGroupsRead})
		var list struct {
			Items []channels.Channel `json:"items"`
		}
		bot.mustJSON(http.StatusOK, "GET", "/api/v1/channels", nil, &list)
		if len(list.Items) != 1 || list.Items[0].ID != w.priv.ID {
			t.Errorf("channels = %+v, want only the private one", list.Items)
		}
		none, _ := w.botIn([]string{channels.ScopeChatWrite})
		wantError(t, none.do("GET", "/api/v1/channels", nil), http.StatusForbidden, "missing_scope")
	})

	t.Run("people are not limited", func(t *testing.T) {
		w.admin.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/channels/%d/messages", w.pub.ID), nil, nil)
	})
}

// A bot with every scope that is not in a private channel sees nothing of
// it: every path answers 404, never 403 missing_scope or not_in_channel.
func TestBots_PrivateChannelInvisible(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.signup("root")
	priv := admin.createChannel("secret-plans", true)
	root := admin.post(priv.ID, "secret text", 0)
	bot, _ := admin.createBot("snoop", channels.AllScopes...)
	for _, c := range []struct{ method, path string }{
		{"GET", fmt.Sprintf("/api/v1/channels/%d", priv.ID)},
		{"GET", fmt.Sprintf("/api/v1/channels/%d/messages", priv.ID)},
		{"GET", fmt.Sprintf("/api/v1/channels/%d/members", priv.ID)},
		{"POST", fmt.Sprintf("/api/v1/channels/%d/messages", priv.ID)},
		{"POST", fmt.Sprintf("/api/v1/channels/%d/join", priv.ID)},
		{"PATCH", fmt.Sprintf("/api/v1/channels/%d", priv.ID)},
		{"GET", fmt.Sprintf("/api/v1/messages/%d", root.ID)},
		{"GET", fmt.Sprintf("/api/v1/messages/%d/replies", root.ID)},
		{"PUT", fmt.Sprintf("/api/v1/messages/%d/reactions/eyes", root.ID)},
	} {
		res := bot.do(c.method, c.path, map[string]any{"text": "x", "topic": "x"})
		if res.Status != http.StatusNotFound {
			t.Errorf("%s %s = %d, want 404; body: %s", c.method, c.path, res.Status, res.Body)
		}
	}
	var mine struct {
		Items []channels.Channel `json:"items"`
	}
	bot.mustJSON(http.StatusOK, "GET", "/api/v1/channels", nil, &mine)
	if len(mine.Items) != 0 {
		t.Errorf("channels = %+v", mine.Items)
	}
	res := bot.do("GET", "/api/v1/events?since=0&limit=1000", nil)
	if res.Status != http.StatusOK || bytes.Contains(res.Body, []byte("secret")) {
		t.Errorf("events leak the private channel: %s", res.Body)
	}
}
