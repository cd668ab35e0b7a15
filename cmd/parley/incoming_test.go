package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/parley-chat/parley/channels"
)

// hookFixture is a channel with an incoming webhook created by its owner.
type hookFixture struct {
	ts            *testServer
	owner, member *client
	ch            channels.Channel
	hook          createdHook
}

type createdHook struct {
	ID        int64  `json:"id"`
	ChannelID int64  `json:"channel_id"`
	Name      string `json:"name"`
	URL       string `json:"url"`
}

// use makes the server's helpers fail t (a subtest) until it ends.
func (f *hookFixture) use(t *testing.T) {
	prev := f.ts.t
	f.ts.t = t
	t.Cleanup(func() { f.ts.t = prev })
}

// path is the hook URL's path on the test server.
func (h createdHook) path() string {
	u, _ := url.Parse(h.URL)
	return u.Path
}

func newHookFixture(t *testing.T, tweak ...func(*Config)) *hookFixture {
	t.Helper()
	ts := newTestServer(t, tweak...)
	f := &hookFixture{ts: ts, owner: ts.signup("alice"), member: ts.signup("bob")}
	f.ch = f.owner.createChannel("deploys", false)
	f.member.join(f.ch.ID)
	f.hook = f.createHook(map[string]any{"channel_id": f.ch.ID, "name": "CI", "icon_emoji": "robot_face"})
	return f
}

func (f *hookFixture) createHook(body map[string]any) createdHook {
	f.ts.t.Helper()
	var h createdHook
	f.owner.mustJSON(http.StatusCreated, "POST", "/api/v1/incoming-webhooks", body, &h)
	return h
}

// send posts body to the hook with a content type (and headers as
// alternating names and values), the way an outside sender does.
func (f *hookFixture) send(hook createdHook, contentType string, body []byte, headers ...string) *response {
	f.ts.t.Helper()
	c := f.ts.anon()
	if contentType != "" {
		c = c.withHeader("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		c = c.withHeader(headers[i], headers[i+1])
	}
	return c.do("POST", hook.path(), body)
}

func (f *hookFixture) sendJSON(body string, headers ...string) *response {
	return f.send(f.hook, "application/json", []byte(body), headers...)
}

// last is the newest message of a channel.
func (f *hookFixture) last(channelID int64) channels.Message {
	f.ts.t.Helper()
	list := f.owner.messages(channelID, "?limit=1")
	if len(list.Items) == 0 {
		f.ts.t.Fatalf("channel %d has no messages", channelID)
	}
	return list.Items[0]
}

func wantHookAnswer(t *testing.T, res *response, status int, body string) {
	t.Helper()
	if res.Status != status || string(res.Body) != body {
		t.Fatalf("answer = %d %q, want %d %q", res.Status, res.Body, status, body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("Content-Type = %q, want text/plain", ct)
	}
}

func props(t *testing.T, m channels.Message) map[string]any {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal(m.Props, &p); err != nil {
		t.Fatalf("props %s: %v", m.Props, err)
	}
	return p
}

func formBody(payload string) []byte {
	return []byte(url.Values{"payload": {payload}}.Encode())
}

func multipartBody(t *testing.T, fields map[string]string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

func TestIncoming_PayloadShapes(t *testing.T) {
	f := newHookFixture(t)
	mpType, mpBody := multipartBody(t, map[string]string{"text": "from a *multipart* form", "username": "mm-bot",
		"attachments": `[{"text":"att","fields":[{"title":"n","value":3}]}]`, "props": `{"card":"details"}`})
	mpType2, mpBody2 := multipartBody(t, map[string]string{"payload": `{"text":"payload in multipart"}`})
	tests := []struct {
		name        string
		contentType string
		body        []byte
		check       func(t *testing.T, m channels.Message)
	}{
		{"JSON text", "application/json", []byte(`{"text":"Build *42* passed"}`), func(t *testing.T, m channels.Message) {
			if m.Text != "Build *42* passed" || m.Markup != channels.MarkupMrkdwn {
				t.Errorf("text %q markup %q", m.Text, m.Markup)
			}
			if m.Username != "CI" || m.IconEmoji != "robot_face" {
				t.Errorf("shown as %q %q, want the hook's name and icon", m.Username, m.IconEmoji)
			}
			p := props(t, m)
			if p["from_webhook"] != "true" || p["webhook_display_name"] != "CI" {
				t.Errorf("props %v", p)
			}
			if m.UserID != f.owner.User.ID {
				t.Errorf("author %d, want the hook's creator %d", m.UserID, f.owner.User.ID)
			}
		}},
		{"no content type is JSON", "", []byte(`{"text":"bare"}`), func(t *testing.T, m channels.Message) {
			if m.Text != "bare" {
				t.Errorf("text %q", m.Text)
			}
		}},
		{"form payload", "application/x-www-form-urlencoded", formBody(`{"text":"from a form","icon_emoji":":ghost:"}`), func(t *testing.T, m channels.Message) {
			if m.Text != "from a form" || m.IconEmoji != "ghost" {
				t.Errorf("text %q icon %q", m.Text, m.IconEmoji)
			}
		}},
		{"multipart fields (Mattermost)", mpType, mpBody, func(t *testing.T, m channels.Message) {
			if m.Text != "from a *multipart* form" || m.Username != "mm-bot" {
				t.Errorf("text %q username %q", m.Text, m.Username)
			}
			if !strings.Contains(string(m.Attachments), `"value":"3"`) {
				t.Errorf("attachments %s: a number value is stringified", m.Attachments)
			}
			if props(t, m)["card"] != "details" {
				t.Errorf("props %s", m.Props)
			}
		}},
		{"a field value under an escaped key is stringified too", "application/json",
			[]byte(`{"attachments":[{"text":"att","fields":[{"title":"n","\u0076alue":3}]}]}`), func(t *testing.T, m channels.Message) {
				if !strings.Contains(string(m.Attachments), `"value":"3"`) {
					t.Errorf("attachments %s: a number value is stringified", m.Attachments)
				}
			}},
		{"multipart payload", mpType2, mpBody2, func(t *testing.T, m channels.Message) {
			if m.Text != "payload in multipart" {
				t.Errorf("text %q", m.Text)
			}
		}},
		{"blocks only", "application/json", []byte(`{"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"*block*"}}]}`), func(t *testing.T, m channels.Message) {
			if !strings.Contains(string(m.Blocks), `"*block*"`) {
				t.Errorf("blocks %s", m.Blocks)
			}
		}},
		{"legacy attachment fields", "application/json", []byte(`{"attachments":[{"fallback":"fb","color":"#36a64f","pretext":"pre",
			"author_name":"octo","author_link":"https://example.com/a","author_icon":"https://example.com/i.png","title":"T",
			"title_link":"https://example.com/t","text":"body","fields":[{"title":"Priority","value":"High","short":false}],
			"image_url":"https://example.com/img.png","thumb_url":"https://example.com/th.png","footer":"foot","footer_icon":"https://example.com/f.png","ts":123456789}]}`),
			func(t *testing.T, m channels.Message) {
				for _, want := range []string{`"color":"#36a64f"`, `"pretext":"pre"`, `"author_name":"octo"`, `"title_link":"https://example.com/t"`,
					`"Priority"`, `"image_url"`, `"thumb_url"`, `"footer":"foot"`, `"ts":123456789`} {
					if !strings.Contains(string(m.Attachments), want) {
						t.Errorf("attachments %s lack %s", m.Attachments, want)
					}
				}
			}},
		{"username and icon_url override", "application/json", []byte(`{"text":"x","username":"deploy-bot","icon_url":"https://example.com/bot.png"}`), func(t *testing.T, m channels.Message) {
			if m.Username != "deploy-bot" || m.IconURL != "https://example.com/bot.png" || m.IconEmoji != "" {
				t.Errorf("shown as %q %q %q", m.Username, m.IconURL, m.IconEmoji)
			}
		}},
		{"Mattermost props and type", "application/json", []byte(`{"text":"x","props":{"card":"more","from_webhook":"false","override_username":"evil"},"type":"custom_ci"}`), func(t *testing.T, m channels.Message) {
			p := props(t, m)
			if p["card"] != "more" || p["from_webhook"] != "true" || p["override_username"] != nil || p["type"] != "custom_ci" {
				t.Errorf("props %v", p)
			}
		}},
		{"raw newlines in strings (Mattermost's retry)", "application/json", []byte("{\"text\":\"line one\nline two\"}"), func(t *testing.T, m channels.Message) {
			if m.Text != "line one\nline two" {
				t.Errorf("text %q", m.Text)
			}
		}},
		{"unknown fields ignored (slack-go)", "application/json", []byte(`{"text":"x","replace_original":false,"delete_original":false,"unfurl_links":true,"mrkdwn":true,"link_names":1}`), func(t *testing.T, m channels.Message) {
			if m.Text != "x" {
				t.Errorf("text %q", m.Text)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.use(t)
			wantHookAnswer(t, f.send(f.hook, tt.contentType, tt.body), http.StatusOK, "ok")
			tt.check(t, f.last(f.ch.ID))
		})
	}
}

func TestIncoming_Errors(t *testing.T) {
	f := newHookFixture(t, func(c *Config) { c.MaxBodyBytes = 64 << 10 })
	archived := f.owner.createChannel("old-news", false)
	archivedHook := f.createHook(map[string]any{"channel_id": archived.ID, "name": "old"})
	f.owner.mustJSON(http.StatusOK, "POST", channelPath(archived.ID, "/archive"), nil, nil)
	deleted := f.createHook(map[string]any{"channel_id": f.ch.ID, "name": "gone"})
	f.owner.mustJSON(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/incoming-webhooks/%d", deleted.ID), nil, nil)
	override := f.createHook(map[string]any{"channel_id": f.ch.ID, "name": "router", "allow_channel_override": true})
	unknown := createdHook{URL: f.ts.URL + "/hooks/plh_doesnotexist"}
	big := `{"text":"` + strings.Repeat("a", 70<<10) + `"}`

	tests := []struct {
		name        string
		hook        createdHook
		contentType string
		body        string
		status      int
		answer      string
	}{
		{"not JSON", f.hook, "application/json", `{"text":`, 400, "invalid_payload"},
		{"empty body", f.hook, "application/json", ``, 400, "invalid_payload"},
		{"form without payload JSON", f.hook, "application/x-www-form-urlencoded", string(formBody(`not json`)), 400, "invalid_payload"},
		{"text of the wrong type", f.hook, "application/json", `{"text":42}`, 400, "invalid_payload"},
		{"no text", f.hook, "application/json", `{"username":"x"}`, 400, "no_text"},
		{"blank text", f.hook, "application/json", `{"text":"   "}`, 400, "no_text"},
		{"system post type", f.hook, "application/json", `{"text":"x","type":"system_join"}`, 400, "invalid_payload"},
		{"bad thread_ts", f.hook, "application/json", `{"text":"x","thread_ts":"abc"}`, 400, "invalid_thread_ts"},
		{"unknown hook", unknown, "application/json", `{"text":"x"}`, 404, "no_service"},
		{"deleted hook", deleted, "application/json", `{"text":"x"}`, 404, "no_service"},
		{"archived channel", archivedHook, "application/json", `{"text":"x"}`, 410, "channel_is_archived"},
		{"unknown channel override", override, "application/json", `{"text":"x","channel":"#nowhere"}`, 404, "channel_not_found"},
		{"archived channel override", override, "application/json", `{"text":"x","channel":"#old-news"}`, 410, "channel_is_archived"},
		{"unknown user override", override, "application/json", `{"text":"x","channel":"@nobody"}`, 400, "user_not_found"},
		{"oversized body", f.hook, "application/json", big, 413, "request_too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.use(t)
			wantHookAnswer(t, f.send(tt.hook, tt.contentType, []byte(tt.body)), tt.status, tt.answer)
		})
	}
	t.Run("errors as JSON when asked", func(t *testing.T) {
		f.use(t)
		res := f.send(unknown, "application/json", []byte(`{"text":"x"}`), "Accept", "application/json")
		if res.Status != 404 || string(res.Body) != `{"error":"no_service","ok":false}` {
			t.Fatalf("answer %d %s", res.Status, res.Body)
		}
	})
}

func TestIncoming_Overrides(t *testing.T) {
	f := newHookFixture(t)
	other := f.owner.createChannel("elsewhere", false)
	locked := f.hook
	open := f.createHook(map[string]any{"channel_id": f.ch.ID, "name": "router", "allow_channel_override": true})
	tests := []struct {
		name    string
		hook    createdHook
		channel string
		want    func() int64
	}{
		{"#name", open, "#elsewhere", func() int64 { return other.ID }},
		{"bare name", open, "elsewhere", func() int64 { return other.ID }},
		{"channel id", open, strconv.FormatInt(other.ID, 10), func() int64 { return other.ID }},
		{"Slack channel id", open, "C" + strconv.FormatInt(other.ID, 10), func() int64 { return other.ID }},
		{"@user opens a DM with the creator", open, "@bob", nil},
		{"ignored without allow_channel_override", locked, "#elsewhere", func() int64 { return f.ch.ID }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.use(t)
			body := fmt.Sprintf(`{"text":"to %s","channel":%q}`, tt.name, tt.channel)
			res := f.send(tt.hook, "application/json", []byte(body), "Accept", "application/json")
			var out struct {
				OK        bool   `json:"ok"`
				Channel   string `json:"channel"`
				ChannelID int64  `json:"channel_id"`
				TS        string `json:"ts"`
				MessageID int64  `json:"message_id"`
			}
			if res.Status != 200 || json.Unmarshal(res.Body, &out) != nil || !out.OK {
				t.Fatalf("answer %d %s", res.Status, res.Body)
			}
			if tt.want == nil {
				if !strings.HasPrefix(out.Channel, "D") {
					t.Fatalf("channel %q, want a DM", out.Channel)
				}
				list := f.member.messages(out.ChannelID, "?limit=1")
				if len(list.Items) != 1 || list.Items[0].Text != "to "+tt.name {
					t.Fatalf("bob's DM: %+v", list.Items)
				}
				return
			}
			if out.ChannelID != tt.want() || out.Channel != "C"+strconv.FormatInt(tt.want(), 10) {
				t.Fatalf("posted to %s (%d), want %d", out.Channel, out.ChannelID, tt.want())
			}
			if m := f.last(tt.want()); m.ID != out.MessageID || out.TS != fmt.Sprintf("%d.%06d", m.CreatedAt/1000, m.ID) {
				t.Fatalf("answer %+v, newest message %d", out, m.ID)
			}
		})
	}
}

func TestIncoming_Threads(t *testing.T) {
	f := newHookFixture(t)
	var first struct {
		TS        string `json:"ts"`
		MessageID int64  `json:"message_id"`
	}
	res := f.sendJSON(`{"text":"deploy started"}`, "Accept", "application/json")
	if err := json.Unmarshal(res.Body, &first); err != nil || res.Status != 200 {
		t.Fatalf("answer %d %s", res.Status, res.Body)
	}
	for name, body := range map[string]string{
		"thread_ts": fmt.Sprintf(`{"text":"step 1","thread_ts":%q}`, first.TS),
		"root_id":   fmt.Sprintf(`{"text":"step 2","root_id":"%d"}`, first.MessageID),
	} {
		t.Run(name, func(t *testing.T) {
			f.use(t)
			wantHookAnswer(t, f.sendJSON(body), 200, "ok")
		})
	}
	replies := f.owner.replies(first.MessageID, "")
	if len(replies.Items) != 2 {
		t.Fatalf("replies: %+v", replies.Items)
	}
	wantHookAnswer(t, f.sendJSON(`{"text":"x","thread_ts":"1700000000.999999"}`), 400, "invalid_thread_ts")
}

func TestIncoming_Idempotency(t *testing.T) {
	f := newHookFixture(t)
	post := func(key string) int64 {
		t.Helper()
		res := f.sendJSON(`{"text":"once"}`, "Accept", "application/json", "Idempotency-Key", key)
		var out struct {
			MessageID int64 `json:"message_id"`
		}
		if res.Status != 200 || json.Unmarshal(res.Body, &out) != nil {
			t.Fatalf("answer %d %s", res.Status, res.Body)
		}
		return out.MessageID
	}
	a, b, c := post("retry-1"), post("retry-1"), post("retry-2")
	if a != b || a == c {
		t.Fatalf("ids %d %d %d: the same key must return the first message, another key a new one", a, b, c)
	}
	if n := len(f.owner.messages(f.ch.ID, "").Items); n != 2 {
		t.Fatalf("%d messages, want 2", n)
	}
}

func TestIncoming_RateLimit(t *testing.T) {
	f := newHookFixture(t, func(c *Config) { c.IncomingWebhookRate, c.IncomingWebhookBurst = 0.01, 3 })
	other := f.createHook(map[string]any{"channel_id": f.ch.ID, "name": "other"})
	for i := 0; i < 3; i++ {
		wantHookAnswer(t, f.sendJSON(`{"text":"burst"}`), 200, "ok")
	}
	res := f.sendJSON(`{"text":"one too many"}`)
	wantHookAnswer(t, res, http.StatusTooManyRequests, "rate_limited")
	if n, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || n < 1 {
		t.Fatalf("Retry-After %q, want whole seconds", res.Header.Get("Retry-After"))
	}
	// Each hook has its own bucket.
	wantHookAnswer(t, f.send(other, "application/json", []byte(`{"text":"other hook"}`)), 200, "ok")

	// slack-go turns the 429 into its RateLimitedError.
	err := slack.PostWebhook(f.hook.URL, &slack.WebhookMessage{Text: "limited"})
	if _, ok := err.(*slack.RateLimitedError); !ok {
		t.Fatalf("slack-go error %T %v, want *slack.RateLimitedError", err, err)
	}
}

// The payload Prometheus Alertmanager's Slack notifier sends, answered the
// way it checks: 200, not JSON, body exactly "ok".
func TestIncoming_Alertmanager(t *testing.T) {
	f := newHookFixture(t)
	f.owner.createChannel("alerts", false)
	hook := f.createHook(map[string]any{"channel_id": f.ch.ID, "name": "alerts", "allow_channel_override": true})
	body := `{
  "channel": "#alerts",
  "username": "Alertmanager",
  "icon_emoji": ":fire:",
  "link_names": true,
  "attachments": [{
    "title": "[FIRING:1] HighLatency (api prod)",
    "title_link": "http://am:9093/#/alerts?receiver=team-alerts",
    "text": "*Alert:* p99 latency over 500ms\n*Severity:* page",
    "fallback": "[FIRING:1] HighLatency | http://am:9093/#/alerts?receiver=team-alerts",
    "callback_id": "",
    "footer": "",
    "color": "danger",
    "fields": [{"title": "severity", "value": "page", "short": true}, {"title": "instance", "value": "api-1:9090", "short": true}],
    "mrkdwn_in": ["fallback", "pretext", "text"]
  }]
}`
	req, err := http.NewRequest("POST", hook.URL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Alertmanager/0.27.0")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	// Alertmanager's rule: 2xx; a non-JSON body must equal "ok" byte for byte.
	if res.StatusCode/100 != 2 || strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || !bytes.Equal(got, []byte("ok")) {
		t.Fatalf("answer %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), got)
	}
	alerts, err := f.ts.app.svc.ChannelByName(req.Context(), &channels.Actor{User: f.owner.User}, "alerts")
	if err != nil {
		t.Fatal(err)
	}
	m := f.last(alerts.ID)
	if m.Username != "Alertmanager" || m.IconEmoji != "fire" || m.Markup != channels.MarkupMrkdwn {
		t.Fatalf("shown as %q %q, markup %q", m.Username, m.IconEmoji, m.Markup)
	}
	var atts []map[string]any
	if err := json.Unmarshal(m.Attachments, &atts); err != nil || len(atts) != 1 {
		t.Fatalf("attachments %s", m.Attachments)
	}
	a := atts[0]
	if a["color"] != "danger" || a["title_link"] != "http://am:9093/#/alerts?receiver=team-alerts" ||
		!strings.HasPrefix(a["fallback"].(string), "[FIRING:1]") || len(a["fields"].([]any)) != 2 || len(a["mrkdwn_in"].([]any)) != 3 {
		t.Fatalf("attachment %v", a)
	}
}

// A CI job's curl and slack-go's PostWebhook work unchanged.
func TestIncoming_Clients(t *testing.T) {
	f := newHookFixture(t)
	t.Run("curl -X POST -H 'Content-type: application/json' --data", func(t *testing.T) {
		req, _ := http.NewRequest("POST", f.hook.URL, strings.NewReader(`{"text":"Hello from CI"}`))
		req.Header.Set("Content-type", "application/json")
		req.Header.Set("User-Agent", "curl/8.5.0")
		req.Header.Set("Accept", "*/*")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || string(got) != "ok" {
			t.Fatalf("answer %d %q", res.StatusCode, got)
		}
		if m := f.last(f.ch.ID); m.Text != "Hello from CI" {
			t.Fatalf("newest %q", m.Text)
		}
	})
	t.Run("slack-go PostWebhook", func(t *testing.T) {
		err := slack.PostWebhook(f.hook.URL, &slack.WebhookMessage{
			Text:     "from slack-go",
			Username: "go-bot",
			Attachments: []slack.Attachment{{Color: "good", Title: "Deployed", TitleLink: "https://example.com/d",
				Fields: []slack.AttachmentField{{Title: "env", Value: "prod", Short: true}}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		m := f.last(f.ch.ID)
		if m.Text != "from slack-go" || m.Username != "go-bot" || !strings.Contains(string(m.Attachments), `"Deployed"`) {
			t.Fatalf("newest %+v", m)
		}
		if err := slack.PostWebhook(f.ts.URL+"/hooks/plh_unknown", &slack.WebhookMessage{Text: "x"}); err == nil {
			t.Fatal("an unknown hook must fail")
		}
	})
}

func TestIncoming_Management(t *testing.T) {
	f := newHookFixture(t)
	if !strings.HasPrefix(f.hook.URL, f.ts.URL+"/hooks/plh_") {
		t.Fatalf("url %q", f.hook.URL)
	}
	t.Run("the secret is stored hashed and not shown again", func(t *testing.T) {
		f.use(t)
		secret := strings.TrimPrefix(f.hook.path(), "/hooks/")
		var n int
		if err := f.ts.app.db.Reader.QueryRow(`SELECT COUNT(*) FROM incoming_webhooks WHERE secret_hash = ?`, secret).Scan(&n); err != nil || n != 0 {
			t.Fatalf("plain secret stored: %d %v", n, err)
		}
		res := f.owner.do("GET", "/api/v1/incoming-webhooks", nil)
		if res.Status != 200 || strings.Contains(string(res.Body), secret) || !strings.Contains(string(res.Body), `"name":"CI"`) {
			t.Fatalf("list %d %s", res.Status, res.Body)
		}
		if res := f.member.do("GET", "/api/v1/incoming-webhooks", nil); strings.Contains(string(res.Body), `"name":"CI"`) {
			t.Fatalf("another user sees the hook: %s", res.Body)
		}
	})
	t.Run("update changes how posts are shown", func(t *testing.T) {
		f.use(t)
		f.owner.mustJSON(200, "PATCH", fmt.Sprintf("/api/v1/incoming-webhooks/%d", f.hook.ID),
			map[string]any{"name": "Deploys", "icon_url": "https://example.com/d.png"}, nil)
		wantHookAnswer(t, f.sendJSON(`{"text":"after rename"}`), 200, "ok")
		if m := f.last(f.ch.ID); m.Username != "Deploys" || m.IconURL != "https://example.com/d.png" || m.IconEmoji != "" {
			t.Fatalf("shown as %q %q %q", m.Username, m.IconURL, m.IconEmoji)
		}
	})
	t.Run("invalid input", func(t *testing.T) {
		f.use(t)
		for _, body := range []map[string]any{
			{"channel_id": f.ch.ID, "name": ""},
			{"channel_id": f.ch.ID, "name": "x", "icon_emoji": "ghost", "icon_url": "https://example.com/x.png"},
			{"channel_id": f.ch.ID, "name": "x", "icon_url": "ftp://example.com/x.png"},
		} {
			if res := f.owner.do("POST", "/api/v1/incoming-webhooks", body); res.Status != 400 {
				t.Errorf("%v: %d %s", body, res.Status, res.Body)
			}
		}
	})
	t.Run("a deactivated creator's hook stops", func(t *testing.T) {
		f.use(t)
		admin := f.owner // the first user is the admin
		carol := f.ts.signup("carol")
		carol.join(f.ch.ID)
		var h createdHook
		carol.mustJSON(201, "POST", "/api/v1/incoming-webhooks", map[string]any{"channel_id": f.ch.ID, "name": "carol's"}, &h)
		admin.mustJSON(200, "POST", fmt.Sprintf("/api/v1/users/%d/deactivate", carol.User.ID), nil, nil)
		wantHookAnswer(t, f.send(h, "application/json", []byte(`{"text":"x"}`)), 404, "no_service")
	})
}
