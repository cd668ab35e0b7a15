package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkSlackPostMessage is BenchmarkPostMessages through the
// Slack-compatible API: b.N chat.postMessage calls, form-encoded with the
// token in the body as slack-go sends them, from 32 concurrent clients (32
// users, one channel) against a real server on loopback with every commit
// synced to disk (sqlite-sync=full). It reports throughput and latency
// percentiles.
func BenchmarkSlackPostMessage(b *testing.B) {
	const clients = 32
	ts := newTestServer(b, func(c *Config) {
		c.SQLiteSync = "full"
		c.RateLimit = 0
	})
	owner := ts.signup("bench0")
	ch := owner.createChannel("bench", false)
	tokens := []string{owner.Token}
	// Made through the service: sign-up is rate limited per IP.
	for i := 1; i < clients; i++ {
		name := fmt.Sprintf("bench%d", i)
		if _, err := ts.app.svc.CreateUser(context.Background(), name, "password-"+name, false); err != nil {
			b.Fatal(err)
		}
		_, token, err := ts.app.svc.CreateTokenFor(context.Background(), name, "bench")
		if err != nil {
			b.Fatal(err)
		}
		(&client{ts: ts, Token: token, Header: http.Header{}}).join(ch.ID)
		tokens = append(tokens, token)
	}
	hc := &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        2 * clients,
			MaxIdleConnsPerHost: 2 * clients,
			IdleConnTimeout:     time.Minute,
		},
	}
	defer hc.CloseIdleConnections()
	postURL := ts.URL + "/api/slack/chat.postMessage"
	channel := fmt.Sprintf("C%d", ch.ID)

	counts := make([]int, clients)
	for i := range counts {
		counts[i] = b.N / clients
		if i < b.N%clients {
			counts[i]++
		}
	}
	latencies := make([][]time.Duration, clients)
	errs := make(chan error, clients)
	var wg sync.WaitGroup

	b.ResetTimer()
	start := time.Now()
	for g := 0; g < clients; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			lat := make([]time.Duration, 0, counts[g])
			for m := 0; m < counts[g]; m++ {
				form := url.Values{"token": {tokens[g]}, "channel": {channel}, "text": {fmt.Sprintf("bench u%d m%d", g, m)}}
				req, err := http.NewRequest("POST", postURL, strings.NewReader(form.Encode()))
				if err != nil {
					errs <- err
					return
				}
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				t0 := time.Now()
				res, err := hc.Do(req)
				if err != nil {
					errs <- fmt.Errorf("client %d post %d: %w", g, m, err)
					return
				}
				raw, err := io.ReadAll(res.Body)
				res.Body.Close()
				lat = append(lat, time.Since(t0))
				if err != nil {
					errs <- fmt.Errorf("client %d post %d: read body: %w", g, m, err)
					return
				}
				var out struct {
					OK    bool   `json:"ok"`
					Error string `json:"error"`
				}
				if res.StatusCode != http.StatusOK || json.Unmarshal(raw, &out) != nil || !out.OK {
					errs <- fmt.Errorf("client %d post %d: status %d: %s", g, m, res.StatusCode, raw)
					return
				}
			}
			latencies[g] = lat
		}(g)
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Error(err)
	}
	if b.Failed() {
		b.FailNow()
	}

	var stored int
	if err := ts.app.db.Reader.QueryRow(`SELECT COUNT(*) FROM messages WHERE channel_id = ?`, ch.ID).Scan(&stored); err != nil {
		b.Fatal(err)
	}
	if stored != b.N {
		b.Fatalf("%d messages stored, want %d", stored, b.N)
	}
	var all []time.Duration
	for _, l := range latencies {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	pct := func(p float64) float64 {
		i := int(p*float64(len(all))+0.5) - 1
		i = max(0, min(i, len(all)-1))
		return float64(all[i]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "posts/s")
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
}
