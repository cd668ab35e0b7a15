package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/parley-chat/parley/channels"
)

// wantHookError fails unless err is the hook answer status code.
func wantHookError(t *testing.T, err error, status int, code string) {
	t.Helper()
	var ie *IncomingError
	if !errors.As(err, &ie) || ie.Status != status || ie.Code != code {
		t.Fatalf("error %v, want %d %s", err, status, code)
	}
}

// props decodes a message's props.
func props(t *testing.T, m *channels.Message) map[string]any {
	t.Helper()
	p := map[string]any{}
	if len(m.Props) > 0 {
		if err := json.Unmarshal(m.Props, &p); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// What a payload must hold and how it is shown: text, attachments or
// blocks are required; the payload's name and icon win over the hook's;
// props are kept but for the reserved ones, and the post is marked as the
// hook's.
func TestIncoming_PostPayload(t *testing.T) {
	ctx := context.Background()
	e := newHookEnv(t, IncomingOptions{})
	root := post(t, e.svc, e.ana, e.general.ID, "a thread")
	tests := []struct {
		name    string
		hook    NewIncoming
		payload IncomingPayload
		status  int    // with code: the refusal
		code    string // "": posted
		check   func(t *testing.T, m *channels.Message) bool
	}{
		{name: "text, shown under the hook's name", payload: IncomingPayload{Text: "Build *42* passed"},
			check: func(t *testing.T, m *channels.Message) bool {
				p := props(t, m)
				return m.Text == "Build *42* passed" && m.Markup == channels.MarkupMrkdwn && m.Username == "CI" &&
					m.UserID == e.ana.ID && p["from_webhook"] == "true" && p["webhook_display_name"] == "CI" && p["webhook_id"] != nil
			}},
		{name: "blocks alone", payload: IncomingPayload{Blocks: json.RawMessage(`[{"type":"section","text":{"type":"mrkdwn","text":"*b*"}}]`)},
			check: func(t *testing.T, m *channels.Message) bool { return m.Text == "" && len(m.Blocks) > 0 }},
		{name: "attachments alone, field values as strings",
			payload: IncomingPayload{Attachments: json.RawMessage(`[{"text":"att","fields":[{"title":"n","value":3}]}]`)},
			check: func(t *testing.T, m *channels.Message) bool {
				return strings.Contains(string(m.Attachments), `"value":"3"`)
			}},
		{name: "nothing to show", payload: IncomingPayload{}, status: 400, code: "no_text"},
		{name: "blank text, empty attachments, null blocks",
			payload: IncomingPayload{Text: " \n", Attachments: json.RawMessage(`[]`), Blocks: json.RawMessage(`null`)}, status: 400, code: "no_text"},
		{name: "a system type", payload: IncomingPayload{Text: "x", Type: "system_join_channel"}, status: 400, code: "invalid_payload"},
		{name: "a custom type", payload: IncomingPayload{Text: "x", Type: "custom_ci"},
			check: func(t *testing.T, m *channels.Message) bool { return props(t, m)["type"] == "custom_ci" }},
		{name: "props less the reserved ones",
			payload: IncomingPayload{Text: "x", Props: map[string]json.RawMessage{"card": []byte(`"more"`),
				"from_webhook": []byte(`"false"`), "override_username": []byte(`"evil"`), "attachments": []byte(`[]`)}},
			check: func(t *testing.T, m *channels.Message) bool {
				p := props(t, m)
				return p["card"] == "more" && p["from_webhook"] == "true" && p["override_username"] == nil && p["attachments"] == nil
			}},
		{name: "the hook's username", hook: NewIncoming{Username: "builds"}, payload: IncomingPayload{Text: "x"},
			check: func(t *testing.T, m *channels.Message) bool { return m.Username == "builds" }},
		{name: "the payload's username", hook: NewIncoming{Username: "builds"}, payload: IncomingPayload{Text: "x", Username: "deploy-bot"},
			check: func(t *testing.T, m *channels.Message) bool { return m.Username == "deploy-bot" }},
		{name: "the hook's icon", hook: NewIncoming{IconEmoji: "ghost"}, payload: IncomingPayload{Text: "x"},
			check: func(t *testing.T, m *channels.Message) bool { return m.IconEmoji == "ghost" && m.IconURL == "" }},
		{name: "the payload's emoji", hook: NewIncoming{IconURL: "https://example.com/hook.png"}, payload: IncomingPayload{Text: "x", IconEmoji: "tada"},
			check: func(t *testing.T, m *channels.Message) bool { return m.IconEmoji == "tada" && m.IconURL == "" }},
		{name: "the payload's icon URL over its emoji", hook: NewIncoming{IconEmoji: "ghost"},
			payload: IncomingPayload{Text: "x", IconEmoji: "tada", IconURL: "https://example.com/p.png"},
			check: func(t *testing.T, m *channels.Message) bool {
				return m.IconURL == "https://example.com/p.png" && m.IconEmoji == ""
			}},
		{name: "thread_ts replies in the thread", payload: IncomingPayload{Text: "x", ThreadTS: incomingString(fmt.Sprintf("1700000000.%06d", root.ID))},
			check: func(t *testing.T, m *channels.Message) bool { return m.ThreadID != nil && *m.ThreadID == root.ID }},
		{name: "root_id replies in the thread", payload: IncomingPayload{Text: "x", RootID: incomingString(fmt.Sprint(root.ID))},
			check: func(t *testing.T, m *channels.Message) bool { return m.ThreadID != nil && *m.ThreadID == root.ID }},
		{name: "a thread_ts that is no ts", payload: IncomingPayload{Text: "x", ThreadTS: "abc"}, status: 400, code: "invalid_thread_ts"},
		{name: "a thread that does not exist", payload: IncomingPayload{Text: "x", ThreadTS: "1700000000.999999"}, status: 400, code: "invalid_thread_ts"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, secret := e.hook(t, tc.hook)
			before := len(history(t, e.svc, e.ana, e.general.ID))
			posted, err := e.in.Post(ctx, secret, tc.payload, "", false)
			if tc.code != "" {
				wantHookError(t, err, tc.status, tc.code)
				if n := len(history(t, e.svc, e.ana, e.general.ID)); n != before {
					t.Fatalf("a refused payload posted (%d messages, %d before)", n, before)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m, err := e.svc.Message(ctx, e.ana, posted.Message.ID)
			if err != nil {
				t.Fatal(err)
			}
			if m.ChannelID != e.general.ID || !tc.check(t, m) {
				t.Fatalf("posted %+v (props %s)", m, m.Props)
			}
		})
	}
}

// A payload's channel is used only when the hook allows it: by name, by
// id or @username (a DM with that person), among the channels the hook's
// creator may post in.
func TestIncoming_ChannelOverride(t *testing.T) {
	ctx := context.Background()
	e := newHookEnv(t, IncomingOptions{})
	bens := newChannel(t, e.svc, e.ben, "bens-secret", true)
	old := newChannel(t, e.svc, e.ana, "old", false)
	if _, err := e.svc.SetArchived(ctx, e.ana, old.ID, true); err != nil {
		t.Fatal(err)
	}
	_, fixed := e.hook(t, NewIncoming{})
	_, free := e.hook(t, NewIncoming{AllowChannelOverride: true})
	random := e.random.ID
	tests := []struct {
		name, secret, channel string
		want                  int64 // the channel posted to; -1: the DM with ben
		status                int
		code                  string
	}{
		{"not allowed: the hook's channel", fixed, "#random", e.general.ID, 0, ""},
		{"#name", free, "#random", random, 0, ""},
		{"name", free, "random", random, 0, ""},
		{"Slack id", free, fmt.Sprintf("C%d", random), random, 0, ""},
		{"id", free, fmt.Sprint(random), random, 0, ""},
		{"@username", free, "@ben", -1, 0, ""},
		{"an unknown channel", free, "#nowhere", 0, 404, "channel_not_found"},
		{"an unknown person", free, "@nobody", 0, 400, "user_not_found"},
		{"a private channel the creator is not in", free, "#bens-secret", 0, 404, "channel_not_found"},
		{"the id of a private channel the creator is not in", free, fmt.Sprint(bens.ID), 0, 404, "channel_not_found"},
		{"an archived channel", free, "#old", 0, 410, "channel_is_archived"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			posted, err := e.in.Post(ctx, tc.secret, IncomingPayload{Text: "to " + tc.channel, Channel: tc.channel}, "", true)
			if tc.code != "" {
				wantHookError(t, err, tc.status, tc.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if want == -1 {
				if want, err = e.svc.DMWith(ctx, e.ana, e.ben.ID); err != nil {
					t.Fatal(err)
				}
			}
			if posted.Message.ChannelID != want || posted.Channel == nil || posted.Channel.ID != want {
				t.Fatalf("posted into %d (%+v), want %d", posted.Message.ChannelID, posted.Channel, want)
			}
		})
	}
}

// A hook posts as its creator while they may: not once they are
// deactivated, nor into an archived channel.
func TestIncoming_PostAsCreator(t *testing.T) {
	ctx := context.Background()
	e := newHookEnv(t, IncomingOptions{})
	_, archivedHook := e.hook(t, NewIncoming{ChannelID: e.random.ID})
	if _, err := e.svc.SetArchived(ctx, e.ana, e.random.ID, true); err != nil {
		t.Fatal(err)
	}
	_, err := e.in.Post(ctx, archivedHook, IncomingPayload{Text: "x"}, "", false)
	wantHookError(t, err, 410, "channel_is_archived")

	_, secret := e.hook(t, NewIncoming{})
	if _, err := e.svc.SetActive(ctx, e.root, e.ana.ID, false); err != nil {
		t.Fatal(err)
	}
	_, err = e.in.Post(ctx, secret, IncomingPayload{Text: "x"}, "", false)
	wantHookError(t, err, 404, "no_service")
}

// The limiter holds each hook's posts apart (keyed by hook): one that ran
// out is refused with a wait, another is not.
func TestIncoming_RateLimit(t *testing.T) {
	ctx := context.Background()
	e := newHookEnv(t, IncomingOptions{Limiter: channels.NewRateLimiter(0.01, 2)})
	_, busy := e.hook(t, NewIncoming{})
	_, calm := e.hook(t, NewIncoming{})
	for i := range 2 {
		if _, err := e.in.Post(ctx, busy, IncomingPayload{Text: fmt.Sprint(i)}, "", false); err != nil {
			t.Fatalf("post %d: %v", i+1, err)
		}
	}
	_, err := e.in.Post(ctx, busy, IncomingPayload{Text: "too many"}, "", false)
	wantHookError(t, err, 429, "rate_limited")
	if ie := (*IncomingError)(nil); errors.As(err, &ie) && ie.RetryAfter < 1 {
		t.Fatalf("retry after %d s", ie.RetryAfter)
	}
	if _, err := e.in.Post(ctx, calm, IncomingPayload{Text: "fine"}, "", false); err != nil {
		t.Fatalf("another hook is limited too: %v", err)
	}
	if n := len(history(t, e.svc, e.ana, e.general.ID)); n != 3 {
		t.Fatalf("%d messages, want 3", n)
	}
}

// An Idempotency-Key makes a retried post return the first message; keys
// are the hook's own.
func TestIncoming_Idempotency(t *testing.T) {
	ctx := context.Background()
	e := newHookEnv(t, IncomingOptions{})
	_, one := e.hook(t, NewIncoming{})
	_, two := e.hook(t, NewIncoming{})
	send := func(secret, key, text string) int64 {
		t.Helper()
		posted, err := e.in.Post(ctx, secret, IncomingPayload{Text: text}, key, false)
		if err != nil {
			t.Fatal(err)
		}
		return posted.Message.ID
	}
	first := send(one, "k1", "once")
	if again := send(one, "k1", "once"); again != first {
		t.Fatalf("a retry with the same key posted %d, not %d", again, first)
	}
	if other := send(two, "k1", "once"); other == first {
		t.Fatal("another hook's key returned the first hook's message")
	}
	if send(one, "k2", "twice") == first || send(one, "", "no key") == send(one, "", "no key") {
		t.Fatal("posts without the same key were merged")
	}
	if n := len(history(t, e.svc, e.ana, e.general.ID)); n != 5 {
		t.Fatalf("%d messages, want 5", n)
	}
}

// POST /hooks/{secret} takes Slack's JSON, a form with payload=JSON and
// Mattermost's form fields, and answers as Slack does.
func TestIncoming_HookFormats(t *testing.T) {
	e := newHookEnv(t, IncomingOptions{Limiter: channels.NewRateLimiter(0.01, 7)})
	_, secret := e.hook(t, NewIncoming{})
	gin.SetMode(gin.TestMode)
	engine := gin.New()
	NewIncomingHandler(e.in, channels.NewHandler(e.svc, testLogger(), channels.HTTPOptions{}), testLogger(),
		IncomingHTTPOptions{}).Routes(engine, engine.Group("/api/v1"))
	mpType, mpBody := multipartOf(t, url.Values{"text": {"mattermost"}, "username": {"mm"},
		"attachments": {`[{"text":"att","fields":[{"title":"n","value":3}]}]`}})
	tests := []struct {
		name, contentType, accept, body string
		status                          int
		answer                          string // the body answered, or a part of it
		text, username                  string // the message posted
	}{
		{"Slack JSON", "application/json", "", `{"text":"slack json"}`, 200, "ok", "slack json", "CI"},
		{"form with payload", "application/x-www-form-urlencoded", "", url.Values{"payload": {`{"text":"form","username":"f"}`}}.Encode(),
			200, "ok", "form", "f"},
		{"Mattermost form fields", mpType, "", mpBody, 200, "ok", "mattermost", "mm"},
		{"JSON answer", "application/json", "application/json", `{"text":"answered"}`, 200,
			fmt.Sprintf(`"channel":"C%d"`, e.general.ID), "answered", "CI"},
		{"raw newlines in JSON", "application/json", "", "{\"text\":\"line one\nline two\"}", 200, "ok", "line one\nline two", "CI"},
		{"no text", "application/json", "", `{"username":"x"}`, 400, "no_text", "", ""},
		{"no text, JSON answer", "application/json", "application/json", `{}`, 400, `{"error":"no_text","ok":false}`, "", ""},
		{"not JSON", "application/json", "", `{"text":`, 400, "invalid_payload", "", ""},
		{"rate limited", "application/json", "", `{"text":"one too many"}`, 429, "rate_limited", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := history(t, e.svc, e.ana, e.general.ID)
			req := httptest.NewRequest(http.MethodPost, "/hooks/"+secret, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.contentType)
			if tc.accept != "" {
				req.Header.Set("Accept", tc.accept)
			}
			w := httptest.NewRecorder()
			engine.ServeHTTP(w, req)
			if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.answer) {
				t.Fatalf("answered %d %q, want %d %q", w.Code, w.Body, tc.status, tc.answer)
			}
			if tc.status == 429 && w.Header().Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
			after := history(t, e.svc, e.ana, e.general.ID)
			if tc.text == "" {
				if len(after) != len(before) {
					t.Fatal("a refused post posted")
				}
				return
			}
			if len(after) != len(before)+1 {
				t.Fatalf("%d messages, then %d", len(before), len(after))
			}
			if m := after[len(after)-1]; m.Text != tc.text || m.Username != tc.username {
				t.Fatalf("posted %q as %q", m.Text, m.Username)
			}
		})
	}
}
