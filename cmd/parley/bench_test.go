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

// benchClients is how many concurrent clients the posting benchmarks run.
const benchClients = 32

// BenchmarkPostMessages posts b.N messages through the native API from 32
// concurrent clients (32 users, one channel) against a real server on
// loopback with every commit synced to disk (sqlite-sync=full).
func BenchmarkPostMessages(b *testing.B) {
	runPostBenchmark(b, func(ts *testServer, channelID int64, token string, g, m int) (*http.Request, error) {
		body := fmt.Sprintf(`{"text":"bench u%d m%d"}`, g, m)
		req, err := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/channels/%d/messages", ts.URL, channelID), strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		return req, nil
	}, func(status int, _ []byte) bool { return status == http.StatusCreated })
}

// BenchmarkSlackPostMessage is the same workload through the Slack-compatible
// API: chat.postMessage form-encoded with the token in the body, as slack-go
// sends it.
func BenchmarkSlackPostMessage(b *testing.B) {
	runPostBenchmark(b, func(ts *testServer, channelID int64, token string, g, m int) (*http.Request, error) {
		form := url.Values{"token": {token}, "channel": {fmt.Sprintf("C%d", channelID)}, "text": {fmt.Sprintf("bench u%d m%d", g, m)}}
		req, err := http.NewRequest("POST", ts.URL+"/api/slack/chat.postMessage", strings.NewReader(form.Encode()))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req, nil
	}, func(status int, body []byte) bool {
		var out struct {
			OK bool `json:"ok"`
		}
		return status == http.StatusOK && json.Unmarshal(body, &out) == nil && out.OK
	})
}

// newPost builds client g's m-th post; posted reports whether a response
// means the message was stored.
type (
	newPost func(ts *testServer, channelID int64, token string, g, m int) (*http.Request, error)
	posted  func(status int, body []byte) bool
)

// runPostBenchmark runs b.N posts from benchClients concurrent users against
// one durable server, checks that all were stored, and reports posts/s and
// latency percentiles. tweak adjusts the configuration further.
func runPostBenchmark(b *testing.B, build newPost, ok posted, tweak ...func(*Config)) {
	ts := newTestServer(b, append([]func(*Config){func(c *Config) {
		c.SQLiteSync = "full"
		c.RateLimit = 0
	}}, tweak...)...)
	owner := ts.signup("bench0")
	ch := owner.createChannel("bench", false)
	tokens := []string{owner.Token}
	// The other users are made through the service: sign-up is rate limited
	// per IP (20 in a burst), which 32 sign-ups from loopback would trip.
	for i := 1; i < benchClients; i++ {
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
			MaxIdleConns:        2 * benchClients,
			MaxIdleConnsPerHost: 2 * benchClients,
			IdleConnTimeout:     time.Minute,
		},
	}
	defer hc.CloseIdleConnections()

	// Split b.N over the clients; the first b.N%clients post one more.
	counts := make([]int, benchClients)
	for i := range counts {
		counts[i] = b.N / benchClients
		if i < b.N%benchClients {
			counts[i]++
		}
	}
	latencies := make([][]time.Duration, benchClients)
	errs := make(chan error, benchClients)
	var wg sync.WaitGroup

	b.ResetTimer()
	start := time.Now()
	for g := 0; g < benchClients; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			lat := make([]time.Duration, 0, counts[g])
			for m := 0; m < counts[g]; m++ {
				req, err := build(ts, ch.ID, tokens[g], g, m)
				if err != nil {
					errs <- err
					return
				}
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
				if !ok(res.StatusCode, raw) {
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
	if len(all) != b.N {
		b.Fatalf("%d posts answered, want %d", len(all), b.N)
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
