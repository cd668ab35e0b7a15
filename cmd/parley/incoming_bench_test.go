package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// BenchmarkIncomingWebhook posts b.N messages through incoming webhooks
// from 32 concurrent senders (one hook each, all into one channel) with a
// Slack JSON payload carrying an attachment, against a real server on
// loopback with every commit synced to disk. The per-hook limit is off.
func BenchmarkIncomingWebhook(b *testing.B) {
	var mu sync.Mutex
	hooks := map[string]string{} // sender's token → hook path
	hookFor := func(ts *testServer, channelID int64, token string) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		if p, ok := hooks[token]; ok {
			return p, nil
		}
		c := &client{ts: ts, Token: token, Header: http.Header{}}
		var h createdHook
		c.mustJSON(http.StatusCreated, "POST", "/api/v1/incoming-webhooks",
			map[string]any{"channel_id": channelID, "name": "bench", "icon_emoji": "robot_face"}, &h)
		hooks[token] = h.path()
		return h.path(), nil
	}
	runPostBenchmark(b, func(ts *testServer, channelID int64, token string, g, m int) (*http.Request, error) {
		path, err := hookFor(ts, channelID, token)
		if err != nil {
			return nil, err
		}
		body := fmt.Sprintf(`{"text":"Build *%d* of sender %d passed","username":"ci","attachments":[{"color":"good",`+
			`"title":"Deploy %d","title_link":"https://ci.example.com/builds/%d","text":"all green","fallback":"Deploy %d passed",`+
			`"fields":[{"title":"env","value":"prod","short":true}],"mrkdwn_in":["text"]}]}`, m, g, m, m, m)
		req, err := http.NewRequest("POST", ts.URL+path, strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		return req, nil
	}, func(status int, body []byte) bool {
		return status == http.StatusOK && string(body) == "ok"
	}, func(c *Config) { c.IncomingWebhookRate = 0 })
}
