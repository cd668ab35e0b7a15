package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/channels"
)

// BenchmarkOutgoingDelivery posts b.N messages (8 concurrent posters, one
// public channel) with one event-format subscription to a healthy local
// receiver, durable commits (sqlite-sync=full), and reports deliveries/s
// (first post to last delivery) and event-to-receiver latency percentiles.
func BenchmarkOutgoingDelivery(b *testing.B) {
	ts := newTestServer(b, func(c *Config) {
		c.SQLiteSync = "full"
		c.WebhookAllowHosts = "127.0.0.1"
	})
	owner := ts.signup("bench")
	ch := owner.createChannel("bench", false)

	var mu sync.Mutex
	var lat []time.Duration
	all := make(chan struct{})
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		now := time.Now()
		var hs struct{ Type, Challenge string }
		if json.Unmarshal(body, &hs) == nil && hs.Type == "url_verification" {
			_, _ = w.Write([]byte(hs.Challenge))
			return
		}
		var env struct {
			Event struct {
				Parley struct {
					CreatedAt int64 `json:"created_at"`
				} `json:"parley"`
			} `json:"event"`
		}
		if json.Unmarshal(body, &env) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		lat = append(lat, now.Sub(time.UnixMilli(env.Event.Parley.CreatedAt)))
		if len(lat) == b.N {
			close(all)
		}
		mu.Unlock()
	}))
	defer rc.Close()
	owner.mustJSON(http.StatusCreated, "POST", "/api/v1/outgoing-webhooks", map[string]any{"url": rc.URL, "name": "bench"}, nil)

	actor := &channels.Actor{User: owner.User}
	const posters = 8
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for g := 0; g < posters; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for m := g; m < b.N; m += posters {
				if _, _, err := ts.app.svc.PostMessage(context.Background(), actor, ch.ID, channels.NewMessage{Text: fmt.Sprintf("m%d", m)}); err != nil {
					b.Error(err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	select {
	case <-all:
	case <-time.After(2 * time.Minute):
		b.Fatalf("only %d of %d deliveries arrived", len(lat), b.N)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	mu.Lock()
	defer mu.Unlock()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
}
