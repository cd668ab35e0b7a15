package channels

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"

	"github.com/gin-gonic/gin"
)

func TestHTTP_ChannelReads(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	tokens := map[string]string{}
	actors := map[string]*Actor{}
	for _, name := range []string{"ann", "bob", "cat", "dan"} {
		_, token, err := s.Signup(ctx, SignupInput{Username: name, Password: "password-" + name})
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.Authenticate(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		tokens[name], actors[name] = token, a
	}
	ann, bob, cat := actors["ann"], actors["bob"], actors["cat"]
	dm, _, err := s.OpenDM(ctx, ann, []int64{bob.ID})
	if err != nil {
		t.Fatal(err)
	}
	group, _, err := s.OpenDM(ctx, ann, []int64{bob.ID, cat.ID})
	if err != nil {
		t.Fatal(err)
	}
	public, err := s.CreateChannel(ctx, ann, NewChannel{Name: "general"})
	if err != nil {
		t.Fatal(err)
	}
	private, err := s.CreateChannel(ctx, ann, NewChannel{Name: "secret", Private: true})
	if err != nil {
		t.Fatal(err)
	}
	post := func(who *Actor, ch int64) int64 {
		m, _, err := s.PostMessage(ctx, who, ch, NewMessage{Text: "hi"})
		if err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	first := post(ann, dm.ID)
	second := post(ann, dm.ID)
	if err := s.MarkRead(ctx, bob, dm.ID, first); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkRead(ctx, ann, dm.ID, second); err != nil {
		t.Fatal(err)
	}
	g := post(cat, group.ID)
	if err := s.MarkRead(ctx, cat, group.ID, g); err != nil {
		t.Fatal(err)
	}

	gin.SetMode(gin.TestMode)
	r := gin.New()
	NewHandler(s, slog.New(slog.NewTextHandler(io.Discard, nil)), HTTPOptions{}).Routes(r.Group("/api/v1"))

	type read struct {
		UserID     int64 `json:"user_id"`
		LastReadID int64 `json:"last_read_id"`
	}
	for _, tc := range []struct {
		name    string
		who     string
		channel string
		status  int
		code    string
		want    []read
	}{
		{"the DM's two positions", "bob", strconv.FormatInt(dm.ID, 10), 200, "",
			[]read{{ann.ID, second}, {bob.ID, first}}},
		{"a group DM, unread members at 0", "ann", strconv.FormatInt(group.ID, 10), 200, "",
			[]read{{ann.ID, 0}, {bob.ID, 0}, {cat.ID, g}}},
		{"a non-member gets the DM's 404", "dan", strconv.FormatInt(dm.ID, 10), 404, "channel_not_found", nil},
		{"a non-member of a group DM too", "dan", strconv.FormatInt(group.ID, 10), 404, "channel_not_found", nil},
		{"a public channel is not a DM", "ann", strconv.FormatInt(public.ID, 10), 400, "not_a_dm", nil},
		{"a private channel's member: not a DM", "ann", strconv.FormatInt(private.ID, 10), 400, "not_a_dm", nil},
		{"a private channel's non-member: 404", "bob", strconv.FormatInt(private.ID, 10), 404, "channel_not_found", nil},
		{"an unknown id", "ann", "999999", 404, "channel_not_found", nil},
		{"a malformed id", "ann", "abc", 404, "channel_not_found", nil},
		{"no credentials", "", strconv.FormatInt(dm.ID, 10), 401, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/api/v1/channels/"+tc.channel+"/reads", nil)
			if tc.who != "" {
				req.Header.Set("Authorization", "Bearer "+tokens[tc.who])
			}
			w := httptest.NewRecorder()
			r.ServeHTTP(w, req)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			var body struct {
				Reads []read `json:"reads"`
				Error struct {
					Code string `json:"code"`
				} `json:"error"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if tc.code != "" && body.Error.Code != tc.code {
				t.Fatalf("code %q, want %q", body.Error.Code, tc.code)
			}
			if tc.status == 200 && !slices.Equal(body.Reads, tc.want) {
				t.Fatalf("reads %v, want %v", body.Reads, tc.want)
			}
		})
	}
}
