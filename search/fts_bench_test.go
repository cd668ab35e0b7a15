package search

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The corpus of BenchmarkFTS: PARLEY_BENCH_FTS_CORPUS messages (default
// 1,000,000) in 200 channels (a quarter public) from 50 users over about
// two years, with Zipf-distributed words and some identifiers. It is built
// once per process, however many times the benchmark runs.
var (
	benchCorpusOnce sync.Once
	benchCorpusDir  string
	benchCorpus     *FTS
	benchBuildTime  time.Duration
	benchCorpusErr  error
)

// TestMain removes the benchmark corpus, which outlives each benchmark run.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchCorpus != nil {
		benchCorpus.db.Close()
	}
	if benchCorpusDir != "" {
		os.RemoveAll(benchCorpusDir)
	}
	os.Exit(code)
}

func benchFTS(b *testing.B) *FTS {
	benchCorpusOnce.Do(func() {
		n := 1_000_000
		if v, err := strconv.Atoi(os.Getenv("PARLEY_BENCH_FTS_CORPUS")); err == nil && v > 0 {
			n = v
		}
		dir, err := os.MkdirTemp("", "parley-fts-bench")
		if err != nil {
			benchCorpusErr = err
			return
		}
		benchCorpusDir = dir
		db, err := OpenDB(context.Background(), filepath.Join(dir, "search.db"))
		if err == nil {
			benchCorpus, err = NewFTS(db)
		}
		if err != nil {
			benchCorpusErr = err
			return
		}
		start := time.Now()
		benchCorpusErr = buildBenchCorpus(benchCorpus, n)
		benchBuildTime = time.Since(start)
	})
	if benchCorpusErr != nil {
		b.Fatal(benchCorpusErr)
	}
	return benchCorpus
}

// buildBenchCorpus writes the benchmark's n generated messages into f.
func buildBenchCorpus(f *FTS, n int) error {
	var err error
	rng := rand.New(rand.NewSource(1))
	zipf := rand.NewZipf(rng, 1.1, 1, 20000)
	word := func() string { return "w" + strconv.FormatUint(zipf.Uint64(), 36) }
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	const batch = 5000
	for i := 0; i < n && err == nil; i += batch {
		docs := make([]Document, 0, batch)
		for j := i; j < min(i+batch, n); j++ {
			ch := int64(rng.Intn(200) + 1)
			words := make([]string, 8+rng.Intn(20))
			for k := range words {
				words[k] = word()
			}
			if rng.Intn(50) == 0 {
				words = append(words, "build_id", fmt.Sprintf("v1.%d.%d", rng.Intn(10), rng.Intn(10)), "api-gateway")
			}
			docs = append(docs, Document{ID: int64(j + 1), ChannelID: ch, ChannelPublic: ch%4 == 0,
				UserID: int64(rng.Intn(50) + 1), Text: strings.Join(words, " "),
				CreatedAt: base + int64(j)*60000, HasLink: rng.Intn(10) == 0, IsThread: rng.Intn(5) == 0})
		}
		err = f.Upsert(context.Background(), docs)
	}
	return err
}

// benchQueries is the query mix: single words (common and rare),
// phrases, prefixes, identifiers, exclusions and operator queries, each
// with relevance and newest sorting.
var benchQueries = []string{"w1", "w5k", "w2 w3", `"w1 w2"`, "w1z*", "build_id", "v1.2.3", "api-gateway",
	"w7 -w1", "has:link w3", "is:thread w4", "from:@u w2", "after:2025-01-01 w9", "in:#c w5", "zzzz"}

// BenchmarkFTS reports the corpus build time and the p50/p99 latency of
// the query mix, every query carrying the permission filter of a member
// of 30 of the 200 channels.
func BenchmarkFTS(b *testing.B) {
	f := benchFTS(b)
	ctx := context.Background()
	rng := rand.New(rand.NewSource(2))
	readable := make([]int64, 0, 30)
	for len(readable) < 30 {
		if id := int64(rng.Intn(200) + 1); !slices.Contains(readable, id) {
			readable = append(readable, id)
		}
	}
	var queries []Query
	for _, q := range benchQueries {
		p, err := Parse(q, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		for _, sort := range []string{SortRelevance, SortNewest} {
			query := Query{Terms: p.Terms, Sort: sort, Limit: 20, Filter: Filter{Readable: readable,
				Before: p.Before, After: p.After, HasLink: p.HasLink, IsThread: p.IsThread}}
			if len(p.InChannels) > 0 {
				query.Filter.ChannelIDs = []int64{readable[0]}
			}
			if len(p.From) > 0 {
				query.Filter.FromUserIDs = []int64{7}
			}
			queries = append(queries, query)
		}
	}
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := time.Now()
		if _, err := f.Search(ctx, queries[i%len(queries)]); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(s))
	}
	b.StopTimer()
	slices.Sort(times)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(times[len(times)/2]), "p50_ms")
	b.ReportMetric(ms(times[len(times)*99/100]), "p99_ms")
	b.ReportMetric(benchBuildTime.Seconds(), "build_s")
}
