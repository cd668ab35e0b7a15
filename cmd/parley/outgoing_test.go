package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/webhooks"
)

// receiver is an outgoing webhook target: it records every request, checks
// its signature with slack-go's SecretsVerifier, and answers with reply.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	secret string
	// secretSet is closed once secret is known.
	secretSet chan struct{}
	got       []received
	reply     func(n int, w http.ResponseWriter) // n counts from 1
}

type received struct {
	header http.Header
	body   []byte
	at     time.Time
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{t: t, secretSet: make(chan struct{})}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var hs struct{ Type, Challenge string }
		if json.Unmarshal(body, &hs) == nil && hs.Type == "url_verification" {
			_, _ = w.Write([]byte(hs.Challenge))
			return
		}
		// A delivery can arrive before createOutgoing has stored the secret
		// the creation returned.
		select {
		case <-rc.secretSet:
		case <-time.After(wsWait):
		}
		rc.mu.Lock()
		secret := rc.secret
		rc.got = append(rc.got, received{header: r.Header.Clone(), body: body, at: time.Now()})
		n, reply := len(rc.got), rc.reply
		rc.mu.Unlock()
		v, err := slack.NewSecretsVerifier(r.Header, secret)
		if err == nil {
			_, _ = v.Write(body)
			err = v.Ensure()
		}
		if err != nil {
			t.Errorf("request %d: signature does not verify: %v", n, err)
		}
		if reply != nil {
			reply(n, w)
		}
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// waitRequests waits until rc has received n requests.
func (rc *receiver) waitRequests(n int) []received {
	rc.t.Helper()
	waitFor(rc.t, fmt.Sprintf("%d requests", n), func() bool { return len(rc.requests()) >= n })
	return rc.requests()
}

func newOutgoingServer(t *testing.T) *testServer {
	return newTestServer(t, func(c *Config) {
		c.WebhookAllowHosts = "127.0.0.1"
		c.WebhookRetryBackoff = 20 * time.Millisecond
	})
}

type createdOutgoing struct {
	webhooks.Subscription
	Secret string `json:"secret"`
}

func (c *client) createOutgoing(rc *receiver, body map[string]any) createdOutgoing {
	c.ts.t.Helper()
	body["url"] = rc.srv.URL
	if body["name"] == nil {
		body["name"] = "hook"
	}
	var out createdOutgoing
	c.mustJSON(http.StatusCreated, "POST", "/api/v1/outgoing-webhooks", body, &out)
	rc.mu.Lock()
	if rc.secret == "" {
		close(rc.secretSet)
	}
	rc.secret = out.Secret
	rc.mu.Unlock()
	return out
}

func (c *client) deliveries(id int64) []webhooks.Delivery {
	c.ts.t.Helper()
	var out struct {
		Items []webhooks.Delivery `json:"items"`
	}
	c.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/outgoing-webhooks/%d/deliveries", id), nil, &out)
	return out.Items
}

func TestOutgoing_EventFormat(t *testing.T) {
	ts := newOutgoingServer(t)
	ana := ts.signup("ana")
	ch := ana.createChannel("general", false)
	other := ana.createChannel("random", false)
	rc := newReceiver(t)
	hook := ana.createOutgoing(rc, map[string]any{"channel_ids": []int64{ch.ID},
		"event_types": []string{"message.created", "reaction.added"}})
	if hook.Secret == "" || hook.Format != "event" || hook.ContentType != "application/json" {
		t.Fatalf("created %+v", hook)
	}
	ana.post(other.ID, "not subscribed", 0)
	m := ana.post(ch.ID, "hello events", 0)
	if res := ana.do("PUT", fmt.Sprintf("/api/v1/messages/%d/reactions/tada", m.ID), nil); res.Status >= 300 {
		t.Fatalf("react: %d %s", res.Status, res.Body)
	}
	got := rc.waitRequests(2)
	type envelope struct {
		Type      string `json:"type"`
		TeamID    string `json:"team_id"`
		EventID   string `json:"event_id"`
		EventTime int64  `json:"event_time"`
		Event     struct {
			Type    string `json:"type"`
			Channel string `json:"channel"`
			User    string `json:"user"`
			Text    string `json:"text"`
			TS      string `json:"ts"`
		} `json:"event"`
	}
	// Deliveries go out concurrently: find each by its type.
	byType := map[string]envelope{}
	headers := map[string]http.Header{}
	for _, r := range got {
		var env envelope
		if err := json.Unmarshal(r.body, &env); err != nil {
			t.Fatal(err)
		}
		byType[env.Event.Type] = env
		headers[env.Event.Type] = r.header
	}
	env, ok := byType["message"]
	if !ok || env.Type != "event_callback" || env.TeamID == "" || env.EventID == "" || env.EventTime == 0 ||
		env.Event.Text != "hello events" || env.Event.Channel != fmt.Sprintf("C%d", ch.ID) ||
		env.Event.User != fmt.Sprintf("U%d", ana.User.ID) || env.Event.TS == "" {
		t.Fatalf("message envelope %+v", byType)
	}
	if h := headers["message"]; h.Get("X-Parley-Delivery") != env.EventID || h.Get("Content-Type") != "application/json" {
		t.Fatalf("headers %v", h)
	}
	if _, ok := byType["reaction.added"]; !ok {
		t.Fatalf("no reaction.added envelope: %+v", byType)
	}
	waitFor(t, "deliveries logged", func() bool {
		ds := ana.deliveries(hook.ID)
		return len(ds) == 2 && ds[0].State == "succeeded" && ds[1].State == "succeeded"
	})
	if len(rc.requests()) != 2 {
		t.Fatalf("%d requests, want 2", len(rc.requests()))
	}
}

func TestOutgoing_SlackFormatTriggerWords(t *testing.T) {
	ts := newOutgoingServer(t)
	ana := ts.signup("ana")
	ch := ana.createChannel("general", false)
	form := newReceiver(t)
	ana.createOutgoing(form, map[string]any{"format": "slack", "trigger_words": []string{"deploy"}})
	jsonRC := newReceiver(t)
	ana.createOutgoing(jsonRC, map[string]any{"format": "slack", "content_type": "application/json",
		"trigger_words": []string{"deploy"}, "trigger_when": "starts_with", "channel_ids": []int64{ch.ID}})

	ana.post(ch.ID, "hello there", 0)
	ana.post(ch.ID, "deployment now", 0) // starts_with only
	m := ana.post(ch.ID, "deploy prod", 0)

	got := form.waitRequests(1)
	if got[0].header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Fatalf("content type %q", got[0].header.Get("Content-Type"))
	}
	f, err := url.ParseQuery(string(got[0].body))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"text": "deploy prod", "trigger_word": "deploy", "channel_name": "general", "user_name": "ana",
		"channel_id": fmt.Sprintf("C%d", ch.ID), "user_id": fmt.Sprintf("U%d", ana.User.ID), "post_id": fmt.Sprint(m.ID), "team_id": "T1"}
	for k, v := range want {
		if f.Get(k) != v {
			t.Errorf("form %s = %q, want %q", k, f.Get(k), v)
		}
	}
	if f.Get("token") == "" || f.Get("timestamp") == "" {
		t.Errorf("form lacks token or timestamp: %v", f)
	}

	got = jsonRC.waitRequests(2)
	var texts []string
	for _, r := range got {
		var p struct {
			Text        string `json:"text"`
			TriggerWord string `json:"trigger_word"`
			Timestamp   int64  `json:"timestamp"`
		}
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatal(err)
		}
		if p.TriggerWord != "deploy" || p.Timestamp < 1e12 {
			t.Errorf("json payload %s", r.body)
		}
		texts = append(texts, p.Text)
	}
	if len(texts) != 2 || texts[0] == texts[1] {
		t.Fatalf("texts %v", texts)
	}
	// Everything has been dispatched by now: "hello there" matched neither.
	if n := len(form.requests()); n != 1 {
		t.Fatalf("form receiver got %d requests", n)
	}
}

func TestOutgoing_RetryThenSuccess(t *testing.T) {
	ts := newOutgoingServer(t)
	ana := ts.signup("ana")
	ch := ana.createChannel("general", false)
	rc := newReceiver(t)
	rc.reply = func(n int, w http.ResponseWriter) {
		if n <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("try later"))
		}
	}
	hook := ana.createOutgoing(rc, map[string]any{})
	ana.post(ch.ID, "retry me", 0)
	got := rc.waitRequests(3)
	id := got[0].header.Get("X-Parley-Delivery")
	for i, r := range got {
		if r.header.Get("X-Parley-Delivery") != id {
			t.Errorf("attempt %d has delivery id %q, want %q", i+1, r.header.Get("X-Parley-Delivery"), id)
		}
		if r.header.Get("X-Parley-Retry-Num") != fmt.Sprint(i) {
			t.Errorf("attempt %d: X-Parley-Retry-Num %q", i+1, r.header.Get("X-Parley-Retry-Num"))
		}
	}
	if got[1].header.Get("X-Slack-Retry-Num") != "1" || got[1].header.Get("X-Slack-Retry-Reason") != "http_error" ||
		got[0].header.Get("X-Slack-Retry-Num") != "" {
		t.Errorf("retry headers: %v / %v", got[0].header, got[1].header)
	}
	var ds []webhooks.Delivery
	waitFor(t, "delivery succeeded", func() bool {
		ds = ana.deliveries(hook.ID)
		return len(ds) == 1 && ds[0].State == "succeeded"
	})
	d := ds[0]
	if d.AttemptCount != 3 || len(d.Attempts) != 3 || d.Attempts[0].Status != 503 || d.Attempts[0].Response != "try later" ||
		d.Attempts[2].Status != 200 || d.Attempts[0].Error == "" {
		t.Fatalf("delivery log %+v", d)
	}
	if n := len(rc.requests()); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}
}

func TestOutgoing_PermanentFailure(t *testing.T) {
	ts := newOutgoingServer(t)
	ana := ts.signup("ana")
	ch := ana.createChannel("general", false)
	for _, tc := range []struct {
		name  string
		reply func(int, http.ResponseWriter)
	}{
		{"404", func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusNotFound) }},
		{"500 with X-Slack-No-Retry", func(_ int, w http.ResponseWriter) {
			w.Header().Set("X-Slack-No-Retry", "1")
			w.WriteHeader(http.StatusInternalServerError)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := newReceiver(t)
			rc.reply = tc.reply
			hook := ana.createOutgoing(rc, map[string]any{"channel_ids": []int64{ch.ID}})
			ana.post(ch.ID, "nope", 0)
			var ds []webhooks.Delivery
			waitFor(t, "delivery failed", func() bool {
				ds = ana.deliveries(hook.ID)
				return len(ds) == 1 && ds[0].State == "failed"
			})
			if ds[0].AttemptCount != 1 || len(rc.requests()) != 1 {
				t.Fatalf("attempts %d, requests %d", ds[0].AttemptCount, len(rc.requests()))
			}
			ana.mustJSON(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/outgoing-webhooks/%d", hook.ID), map[string]any{"active": false}, nil)
		})
	}
}

func TestOutgoing_RetryAfter(t *testing.T) {
	ts := newOutgoingServer(t)
	ana := ts.signup("ana")
	ch := ana.createChannel("general", false)
	rc := newReceiver(t)
	rc.reply = func(n int, w http.ResponseWriter) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}
	ana.createOutgoing(rc, map[string]any{})
	ana.post(ch.ID, "slow down", 0)
	got := rc.waitRequests(2)
	if gap := got[1].at.Sub(got[0].at); gap < 900*time.Millisecond {
		t.Fatalf("retried after %v, before Retry-After", gap)
	}
}

func TestOutgoing_LoopSafety(t *testing.T) {
	ts := newOutgoingServer(t)
	ana := ts.signup("ana")
	ch := ana.createChannel("general", false)
	bot, created := ana.createBot("helper", "chat:write")
	ana.addMember(ch.ID, bot.User.ID)

	plain := newReceiver(t)
	plainHook := ana.createOutgoing(plain, map[string]any{})
	withBots := newReceiver(t)
	withBotsHook := ana.createOutgoing(withBots, map[string]any{"include_bot_messages": true})
	own := newReceiver(t)
	ownHook := ana.createOutgoing(own, map[string]any{"include_bot_messages": true, "bot_id": created.Bot.ID})

	bot.post(ch.ID, "beep", 0)
	ana.post(ch.ID, "human", 0)

	withBots.waitRequests(2)
	own.waitRequests(1)
	plain.waitRequests(1)
	waitFor(t, "all deliveries finished", func() bool {
		for _, id := range []int64{plainHook.ID, withBotsHook.ID, ownHook.ID} {
			for _, d := range ana.deliveries(id) {
				if d.State != "succeeded" {
					return false
				}
			}
		}
		return true
	})
	if n := len(ana.deliveries(plainHook.ID)); n != 1 {
		t.Errorf("a bot message triggered a subscription without include_bot_messages (%d deliveries)", n)
	}
	if n := len(ana.deliveries(ownHook.ID)); n != 1 {
		t.Errorf("a subscription triggered on its own bot (%d deliveries)", n)
	}
	if n := len(ana.deliveries(withBotsHook.ID)); n != 2 {
		t.Errorf("include_bot_messages: %d deliveries, want 2", n)
	}
}

func TestOutgoing_Redeliver(t *testing.T) {
	ts := newOutgoingServer(t)
	ana := ts.signup("ana")
	ch := ana.createChannel("general", false)
	rc := newReceiver(t)
	hook := ana.createOutgoing(rc, map[string]any{})
	ana.post(ch.ID, "again", 0)
	rc.waitRequests(1)
	var ds []webhooks.Delivery
	waitFor(t, "delivered", func() bool { ds = ana.deliveries(hook.ID); return len(ds) == 1 && ds[0].State == "succeeded" })
	// A rotated secret signs the redelivery.
	var rotated createdOutgoing
	ana.mustJSON(http.StatusOK, "POST", fmt.Sprintf("/api/v1/outgoing-webhooks/%d/rotate-secret", hook.ID), nil, &rotated)
	if rotated.Secret == "" || rotated.Secret == hook.Secret {
		t.Fatal("secret not rotated")
	}
	rc.mu.Lock()
	rc.secret = rotated.Secret
	rc.mu.Unlock()
	ana.mustJSON(http.StatusAccepted, "POST", fmt.Sprintf("/api/v1/outgoing-webhooks/%d/deliveries/%d/redeliver", hook.ID, ds[0].ID), nil, nil)
	got := rc.waitRequests(2)
	if got[0].header.Get("X-Parley-Delivery") != got[1].header.Get("X-Parley-Delivery") {
		t.Fatal("a redelivery changed the delivery id")
	}
	waitFor(t, "redelivered", func() bool {
		ds = ana.deliveries(hook.ID)
		return len(ds) == 1 && ds[0].State == "succeeded" && ds[0].AttemptCount == 2
	})
}

func TestOutgoing_ChannelAccess(t *testing.T) {
	ts := newOutgoingServer(t)
	ana := ts.signup("ana")
	ben := ts.signup("ben")
	secret := ana.createChannel("secret", true)
	pub := ana.createChannel("general", false)
	ben.join(pub.ID)
	rc := newReceiver(t)
	wantError(t, ben.do("POST", "/api/v1/outgoing-webhooks", map[string]any{"url": rc.srv.URL, "name": "x",
		"channel_ids": []int64{secret.ID}}), http.StatusNotFound, "channel_not_found")
	wantError(t, ben.do("POST", "/api/v1/outgoing-webhooks", map[string]any{"url": "ftp://x", "name": "x"}),
		http.StatusBadRequest, "invalid_url")
	// Ben's hook with no channels sees public channels only.
	ben.createOutgoing(rc, map[string]any{})
	ana.post(secret.ID, "private words", 0)
	ana.post(pub.ID, "public words", 0)
	got := rc.waitRequests(1)
	var env struct {
		Event struct {
			Text string `json:"text"`
		} `json:"event"`
	}
	_ = json.Unmarshal(got[0].body, &env)
	if env.Event.Text != "public words" || len(rc.requests()) != 1 {
		t.Fatalf("got %s", got[0].body)
	}
}

func TestOutgoing_SlackReply(t *testing.T) {
	ts := newOutgoingServer(t)
	ana := ts.signup("ana")
	_, created := ana.createBot("pong", "chat:write")
	tests := []struct {
		name  string
		bot   bool   // the subscription has a bot_id
		reply string // the receiver's answer
		// The reply's author and the name it is shown under.
		wantBot      bool
		wantUsername string
	}{
		{name: "the subscription's bot, under the reply's name", bot: true,
			reply: `{"text":"pong","response_type":"comment","username":"Ponger"}`, wantBot: true, wantUsername: "Ponger"},
		{name: "the creator, under the subscription's name",
			reply: `{"text":"pong","response_type":"comment"}`, wantUsername: "CI"},
		{name: "the creator, under the reply's name",
			reply: `{"text":"pong","response_type":"comment","username":"Ponger","icon_emoji":":robot_face:"}`, wantUsername: "Ponger"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := ana.createChannel(fmt.Sprintf("general-%d", i), false)
			rc := newReceiver(t)
			rc.reply = func(_ int, w http.ResponseWriter) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tt.reply))
			}
			hook := map[string]any{"name": "CI", "format": "slack", "trigger_words": []string{"ping"},
				"channel_ids": []int64{ch.ID}}
			wantAuthor := ana.User.ID
			if tt.bot {
				hook["bot_id"] = created.Bot.ID
			}
			if tt.wantBot {
				wantAuthor = created.Bot.ID
			}
			ana.createOutgoing(rc, hook)
			m := ana.post(ch.ID, "ping", 0)
			var replies struct {
				Items []channels.Message `json:"items"`
			}
			waitFor(t, "the reply in the thread", func() bool {
				ana.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/messages/%d/replies", m.ID), nil, &replies)
				return len(replies.Items) == 1
			})
			r := replies.Items[0]
			var props map[string]any
			_ = json.Unmarshal(r.Props, &props)
			if r.Text != "pong" || r.UserID != wantAuthor || r.Username != tt.wantUsername ||
				props["from_webhook"] != "true" || props["webhook_display_name"] != "CI" {
				t.Fatalf("reply by %d as %q, props %s; want by %d as %q from webhook CI",
					r.UserID, r.Username, r.Props, wantAuthor, tt.wantUsername)
			}
			// Slack clients show the same name.
			msgs, _, _, err := ts.slackAPI(ana.Token).GetConversationReplies(&slack.GetConversationRepliesParameters{
				ChannelID: sid("C", ch.ID), Timestamp: fmt.Sprintf("%d.%06d", m.CreatedAt/1000, m.ID)})
			must(t, err)
			if len(msgs) != 2 || msgs[1].Username != tt.wantUsername || msgs[1].User != sid("U", wantAuthor) {
				t.Fatalf("conversations.replies %+v", msgs)
			}
			// The reply is from a webhook: it triggers no second request.
			ana.post(ch.ID, "ping again", 0)
			got := rc.waitRequests(2)
			if n := len(got); n != 2 || !strings.Contains(string(got[1].body), "again") {
				t.Fatalf("%d requests, want 2, the second for \"ping again\" (not the reply): %s", n, got[len(got)-1].body)
			}
		})
	}
}

func TestOutgoing_AutoDisable(t *testing.T) {
	ts := newTestServer(t, func(c *Config) {
		c.WebhookAllowHosts = "127.0.0.1"
		c.WebhookRetryBackoff = 20 * time.Millisecond
		c.WebhookRetryFor = 300 * time.Millisecond
	})
	ana := ts.signup("ana")
	ch := ana.createChannel("general", false)
	rc := newReceiver(t)
	rc.reply = func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) }
	hook := ana.createOutgoing(rc, map[string]any{})
	ana.post(ch.ID, "into the void", 0)
	var got webhooks.Subscription
	waitFor(t, "the subscription to be disabled", func() bool {
		ana.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/outgoing-webhooks/%d", hook.ID), nil, &got)
		return !got.Active
	})
	ds := ana.deliveries(hook.ID)
	if len(ds) != 1 || ds[0].State != "failed" || ds[0].AttemptCount < 2 {
		t.Fatalf("deliveries %+v", ds)
	}

	// Its owner hears about it in a DM from the system bot, once.
	var notice []channels.Message
	waitFor(t, "a notice to the owner", func() bool {
		notice = systemNotices(t, ana)
		return len(notice) > 0
	})
	// A second notice would be a bug: wait until nothing that could send
	// one is left (no delivery pending, none with a worker).
	waitFor(t, "the deliveries to settle", func() bool {
		st, err := ts.app.outgoing.Stats(context.Background())
		return err == nil && st.Pending == 0 && st.InFlight == 0
	})
	notice = systemNotices(t, ana)
	if len(notice) != 1 || !strings.Contains(notice[0].Text, "*hook*") || !strings.Contains(notice[0].Text, "502") {
		t.Fatalf("notices to the owner: %+v", notice)
	}
	metrics := ts.scrapeMetrics()
	for _, want := range []string{`parley_webhook_delivery_attempts_seconds_count{result="retrying"}`,
		`parley_webhook_delivery_attempts_seconds_count{result="failed"} 1`, "parley_webhook_deliveries_pending 0"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// Turned back on, it delivers again.
	rc.mu.Lock()
	rc.reply = nil
	rc.mu.Unlock()
	ana.mustJSON(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/outgoing-webhooks/%d", hook.ID), map[string]any{"active": true}, nil)
	ana.post(ch.ID, "back", 0)
	waitFor(t, "a delivery after re-enabling", func() bool {
		for _, d := range ana.deliveries(hook.ID) {
			if d.State == "succeeded" {
				return true
			}
		}
		return false
	})
}

// systemNotices returns the messages the system bot sent c in their DM.
func systemNotices(t *testing.T, c *client) []channels.Message {
	t.Helper()
	botID, ok := findSystemBot(c)
	if !ok {
		return nil // it has not spoken yet
	}
	var list channels.List[channels.Channel]
	c.mustJSON(http.StatusOK, "GET", "/api/v1/channels", nil, &list)
	for _, ch := range list.Items {
		if ch.Kind == channels.ChannelDM && slices.Contains(ch.UserIDs, botID) {
			return c.history(ch.ID)
		}
	}
	return nil
}

func TestOutgoing_URLVerification(t *testing.T) {
	ts := newOutgoingServer(t)
	ana := ts.signup("ana")
	var challenges int
	var mu sync.Mutex
	answer := "nope"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		// Signed like every request (the secret is not known to the test yet).
		if _, err := slack.NewSecretsVerifier(r.Header, "unknown-yet"); err != nil {
			t.Errorf("handshake without signature headers: %v", err)
		}
		var hs struct{ Type, Challenge, Token string }
		if json.Unmarshal(body, &hs) != nil || hs.Type != "url_verification" || hs.Challenge == "" || hs.Token == "" {
			t.Errorf("handshake body %s", body)
		}
		mu.Lock()
		challenges++
		a := answer
		mu.Unlock()
		if a == "json" {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]string{"challenge": hs.Challenge})
			return
		}
		_, _ = w.Write([]byte(a))
	}))
	defer srv.Close()
	wantError(t, ana.do("POST", "/api/v1/outgoing-webhooks", map[string]any{"url": srv.URL, "name": "x"}),
		http.StatusBadRequest, "url_verification_failed")
	mu.Lock()
	answer = "json"
	mu.Unlock()
	var hook createdOutgoing
	ana.mustJSON(http.StatusCreated, "POST", "/api/v1/outgoing-webhooks", map[string]any{"url": srv.URL, "name": "x"}, &hook)
	// The slack format has no handshake; a URL change of the event format has.
	mu.Lock()
	answer = "nope"
	mu.Unlock()
	wantError(t, ana.do("PATCH", fmt.Sprintf("/api/v1/outgoing-webhooks/%d", hook.ID), map[string]any{"url": srv.URL + "/other"}),
		http.StatusBadRequest, "url_verification_failed")
	ana.mustJSON(http.StatusCreated, "POST", "/api/v1/outgoing-webhooks", map[string]any{"url": srv.URL, "name": "y", "format": "slack"}, nil)
	mu.Lock()
	defer mu.Unlock()
	if challenges != 3 {
		t.Fatalf("%d handshakes, want 3", challenges)
	}
}

// A subscription made while messages keep arriving receives every message
// posted after it was created: the dispatcher's copy of the subscriptions
// is never older than the events it matches.
func TestOutgoing_CreatedDuringTraffic(t *testing.T) {
	ts := newOutgoingServer(t)
	ana := ts.signup("ana")
	ch := ana.createChannel("general", false)
	rc := newReceiver(t)

	type sent struct {
		text  string
		start time.Time
	}
	var (
		mu    sync.Mutex
		posts []sent
		stop  = make(chan struct{})
		done  = make(chan struct{})
	)
	go func() {
		defer close(done)
		for i := 0; i < 2000; i++ { // bounded: stops well before this when told
			select {
			case <-stop:
				return
			default:
			}
			text := fmt.Sprintf("traffic %d", i)
			start := time.Now()
			ana.post(ch.ID, text, 0)
			mu.Lock()
			posts = append(posts, sent{text, start})
			mu.Unlock()
		}
	}()
	// The subscription is made while posts are flowing: some before it,
	// some after.
	posted := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(posts)
	}
	waitFor(t, "posts before the subscription", func() bool { return posted() >= 10 })
	ana.createOutgoing(rc, map[string]any{"channel_ids": []int64{ch.ID}, "event_types": []string{"message.created"}})
	created := time.Now()
	before := posted()
	waitFor(t, "posts after the subscription", func() bool { return posted() >= before+20 })
	close(stop)
	<-done

	mu.Lock()
	var want []string
	for _, p := range posts {
		if p.start.After(created) {
			want = append(want, p.text)
		}
	}
	mu.Unlock()
	if len(want) == 0 {
		t.Fatal("no message was posted after the subscription was created")
	}
	waitFor(t, "every message posted after creation", func() bool {
		got := map[string]bool{}
		for _, r := range rc.requests() {
			var env struct {
				Event struct{ Text string } `json:"event"`
			}
			if json.Unmarshal(r.body, &env) == nil {
				got[env.Event.Text] = true
			}
		}
		for _, w := range want {
			if !got[w] {
				return false
			}
		}
		return true
	})
}
