package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/search"
)

// searchWords is a small vocabulary with a skewed (Zipf-like) pick, so
// posts look like chat: a few words everywhere, most words rare.
var searchWords = strings.Fields(`the deploy build failed passed api gateway service latency error retry
timeout release merge review ticket customer incident alert database cache queue worker node cluster
staging prod rollback hotfix config token login dashboard metric log trace span request response
ERR_CONN_RESET v1.2.3 build_id api-gateway src/app/main.go payments search index shard replica`)

func searchSentence(r *rand.Rand) string {
	z := rand.NewZipf(r, 1.2, 1, uint64(len(searchWords)-1))
	n := 6 + r.IntN(14)
	words := make([]string, n)
	for i := range words {
		words[i] = searchWords[z.Uint64()]
	}
	return strings.Join(words, " ")
}

// seedSearchCorpus fills the index with PARLEY_BENCH_SEARCH_CORPUS
// synthetic documents (200 channels, 50 users, a year of dates) so that
// the lag is measured against a large index; ids are far above the
// messages the benchmark posts.
func seedSearchCorpus(b *testing.B, ts *testServer) {
	n, _ := strconv.Atoi(os.Getenv("PARLEY_BENCH_SEARCH_CORPUS"))
	if n <= 0 {
		return
	}
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Now()
	const batch = 5000
	year := time.Now().AddDate(-1, 0, 0).UnixMilli()
	for done := 0; done < n; done += batch {
		docs := make([]search.Document, 0, batch)
		for i := done; i < min(done+batch, n); i++ {
			docs = append(docs, search.Document{ID: int64(1e12 + i), ChannelID: int64(1e6 + r.IntN(200)), ChannelPublic: r.IntN(4) != 0,
				UserID: int64(1e6 + r.IntN(50)), Text: searchSentence(r), CreatedAt: year + int64(i)*31_536_000_000/int64(n)})
		}
		if err := ts.app.indexer.Index().Upsert(context.Background(), docs); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("seeded %d documents in %s", n, time.Since(start).Round(time.Millisecond))
}

// BenchmarkSearchIndexLag posts at PARLEY_BENCH_POST_RATE-like 1,000
// messages/s (paced, 8 clients, durable commits) for b.N messages and
// reports how long messages wait to be indexed: the log head is sampled
// every 5 ms, and a sample's lag is the time until the indexer's cursor
// reached it. Reported as p50/p99 ms, plus the posting rate achieved.
func BenchmarkSearchIndexLag(b *testing.B) {
	ts := newTestServer(b, func(c *Config) { c.SQLiteSync = "full" })
	owner := ts.signup("bench0")
	ch := owner.createChannel("bench", false)
	seedSearchCorpus(b, ts)
	const clients, rate = 8, 1000
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	defer hc.CloseIdleConnections()

	type sample struct {
		head int64
		at   time.Time
	}
	var (
		mu       sync.Mutex
		samples  []sample
		reached  []sample // cursor positions over time
		stop     = make(chan struct{})
		sampling sync.WaitGroup
	)
	ctx := context.Background()
	sampling.Add(1)
	go func() {
		defer sampling.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			st, err := ts.app.indexer.Status(ctx)
			if err == nil {
				now := time.Now()
				mu.Lock()
				samples = append(samples, sample{st.Head, now})
				reached = append(reached, sample{st.Cursor, now})
				mu.Unlock()
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()

	b.ResetTimer()
	start := time.Now()
	per := b.N / clients
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for g := range clients {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 7))
			interval := time.Second * clients / rate
			next := time.Now()
			for m := 0; m < per; m++ {
				time.Sleep(time.Until(next))
				next = next.Add(interval)
				body := fmt.Sprintf(`{"text":%q}`, searchSentence(r))
				req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/channels/%d/messages", ts.URL, ch.ID), strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+owner.Token)
				res, err := hc.Do(req)
				if err != nil {
					errs <- err
					return
				}
				res.Body.Close()
				if res.StatusCode != http.StatusCreated {
					errs <- fmt.Errorf("post: status %d", res.StatusCode)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	elapsed := time.Since(start)
	ts.waitIndexed() // then stop sampling
	close(stop)
	sampling.Wait()
	// The sampler may have stopped just before the indexer's last step.
	if st, err := ts.app.indexer.Status(ctx); err == nil {
		reached = append(reached, sample{st.Cursor, time.Now()})
	}
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}

	var lags []time.Duration
	j := 0
	for _, s := range samples {
		for j < len(reached) && reached[j].head < s.head {
			j++
		}
		if j == len(reached) {
			b.Fatalf("the indexer never reached seq %d", s.head)
		}
		lag := reached[j].at.Sub(s.at)
		lags = append(lags, max(lag, 0))
	}
	sort.Slice(lags, func(a, c int) bool { return lags[a] < lags[c] })
	pct := func(p float64) float64 {
		return float64(lags[int(p*float64(len(lags)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(per*clients)/elapsed.Seconds(), "posts/s")
	b.ReportMetric(pct(0.50), "lag_p50_ms")
	b.ReportMetric(pct(0.99), "lag_p99_ms")
}
