package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-chat/parley/webhooks"
)

// TestOutgoing_SurvivesSIGKILL: the receiver is down (503) while the real
// binary is killed with SIGKILL and restarted; the queued delivery goes out
// after the restart, and succeeds exactly once.
func TestOutgoing_SurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping in -short mode: it builds the binary and kills it")
	}
	var up atomic.Bool
	var mu sync.Mutex
	var failed, succeeded int
	var ids []string
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var hs struct{ Type, Challenge string }
		if json.Unmarshal(body, &hs) == nil && hs.Type == "url_verification" {
			_, _ = w.Write([]byte(hs.Challenge))
			return
		}
		mu.Lock()
		defer mu.Unlock()
		ids = append(ids, r.Header.Get("X-Parley-Delivery"))
		if !up.Load() {
			failed++
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		succeeded++
	}))
	defer rc.Close()
	counts := func() (int, int) {
		mu.Lock()
		defer mu.Unlock()
		return failed, succeeded
	}

	bin := durBuildBinary(t)
	dataDir := t.TempDir()
	flags := []string{"--webhook-allow-hosts", "127.0.0.1", "--webhook-retry-backoff", "200ms"}
	client := &http.Client{Timeout: 10 * time.Second}
	p := durStart(t, bin, dataDir, flags...)
	session, ch := durSignupWithChannel(t, client, p.base, "ops")
	var hook webhooks.Subscription
	if st, err := durCall(client, "POST", p.base+"/api/v1/outgoing-webhooks", session.Token,
		map[string]any{"url": rc.URL, "name": "ops"}, &hook); err != nil || st != http.StatusCreated {
		t.Fatalf("create outgoing webhook: status %d, err %v", st, err)
	}
	if st, err := durCall(client, "POST", fmt.Sprintf("%s/api/v1/channels/%d/messages", p.base, ch.ID), session.Token,
		map[string]any{"text": "survive this"}, nil); err != nil || st != http.StatusCreated {
		t.Fatalf("post: status %d, err %v", st, err)
	}
	waitFor(t, "a failed attempt", func() bool { f, _ := counts(); return f >= 1 })
	p.kill()

	up.Store(true)
	p = durStart(t, bin, dataDir, flags...)
	var deliveries struct {
		Items []webhooks.Delivery `json:"items"`
	}
	waitFor(t, "the delivery to succeed after the restart", func() bool {
		st, err := durCall(client, "GET", fmt.Sprintf("%s/api/v1/outgoing-webhooks/%d/deliveries", p.base, hook.ID), session.Token, nil, &deliveries)
		return err == nil && st == http.StatusOK && len(deliveries.Items) == 1 && deliveries.Items[0].State == webhooks.StateSucceeded
	})
	if _, s := counts(); s != 1 {
		t.Fatalf("%d successful requests, want 1", s)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("delivery ids changed across attempts: %v", ids)
		}
	}
}
