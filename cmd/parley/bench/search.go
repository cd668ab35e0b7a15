package bench

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parley-chat/parley/search"
)

// errStaleCorpus is a served corpus the server does not take as indexed:
// the cache predates a change in how the index is stored.
var errStaleCorpus = errors.New("the server does not find the corpus indexed")

// checkCorpusServed checks that the server took the corpus as indexed: no
// indexing lag, and a word of every message is found.
func checkCorpusServed(ctx context.Context, hc *http.Client, base string, meta searchCorpusMeta) error {
	// A few events written at start (none today) would be indexed at once;
	// a corpus the server re-indexes is thousands of events behind.
	for deadline := time.Now().Add(5 * time.Second); ; {
		var status struct {
			Search search.Status `json:"search"`
		}
		if err := getJSON(ctx, hc, base+"/api/v1/admin/status", meta.Tokens[0], &status); err != nil {
			return err
		}
		if status.Search.Lag == 0 {
			break
		}
		if status.Search.Lag > 1000 || time.Now().After(deadline) {
			return fmt.Errorf("%w: %d events to index at start", errStaleCorpus, status.Search.Lag)
		}
		time.Sleep(10 * time.Millisecond)
	}
	n, err := searchCount(ctx, hc, base, meta.Tokens[0], searchVocab()[0], "newest")
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%w: nothing found for %q", errStaleCorpus, searchVocab()[0])
	}
	return nil
}

// getJSON GETs u with a bearer token and decodes the answer.
func getJSON(ctx context.Context, hc *http.Client, u, token string, out any) error {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	var body []byte
	err = call(hc, req, func(status int, b []byte) bool { body = b; return status == http.StatusOK })
	if err != nil {
		return err
	}
	return json.Unmarshal(body, out)
}

// searchHits is the part of a search answer the workloads read.
type searchHits struct {
	Items []struct {
		Message struct {
			ID int64 `json:"id"`
		} `json:"message"`
	} `json:"items"`
}

func searchURL(base, q, sort string, limit int) string {
	return fmt.Sprintf("%s/api/v1/search?%s", base, url.Values{"q": {q}, "sort": {sort}, "limit": {fmt.Sprint(limit)}}.Encode())
}

// searchCount runs a query and returns how many results its first page has.
func searchCount(ctx context.Context, hc *http.Client, base, token, q, sort string) (int, error) {
	var hits searchHits
	err := getJSON(ctx, hc, searchURL(base, q, sort, 20), token, &hits)
	return len(hits.Items), err
}

// searchQuery is one query of the mix; found says whether it must find
// something (a check that the index is what the run thinks it is).
type searchQuery struct {
	q     string
	found bool
}

// searchQueryMix is the query mix for the searcher user u: words common,
// middling and rare, two words, a phrase, a prefix, identifiers, an
// exclusion, the operators from:, in:, has:, before: and after:, filters
// alone, and a word found nowhere.
func searchQueryMix(meta searchCorpusMeta, u int) []searchQuery {
	vocab := searchVocab()
	day := func(ms int64) string { return time.UnixMilli(ms).UTC().Format("2006-01-02") }
	mid := meta.First + (meta.Last-meta.First)/2
	joined := meta.Joined[u]
	in := fmt.Sprintf("in:#ch%d", joined[0])
	other := (u % (len(meta.UserIDs) - 1)) + 1 // a user sharing channels, maybe
	big := meta.Messages >= 50_000             // rare words and identifiers are surely found
	qs := []searchQuery{
		{vocab[1], true}, {vocab[40], true}, {vocab[1000], big}, {vocab[15000], false},
		{vocab[1] + " " + vocab[3], true}, {`"` + vocab[0] + " " + vocab[1] + `"`, true}, {vocab[60][:3] + "*", true},
		{"build_id", big}, {"v1.2.3", big}, {"api-gateway", big}, {"ERR_CONN_RESET", big}, {"src/app/main.go", big},
		{vocab[2] + " -" + vocab[0], true},
		{"from:@user" + fmt.Sprint(other) + " " + vocab[5], false}, {"from:me " + vocab[4], false},
		{in + " " + vocab[3], false}, {"has:link " + vocab[2], true}, {"is:thread " + vocab[6], true},
		{"before:" + day(mid) + " " + vocab[7], true}, {"after:" + day(mid) + " " + vocab[8], true},
		{in + " has:link", false}, {"from:me", true},
		{"qqxyzzy", false},
	}
	out := make([]searchQuery, 0, 2*len(qs))
	for _, q := range qs {
		out = append(out, q, searchQuery{q: q.q + "\x00newest", found: q.found})
	}
	return out
}

// searchSearchers is how many users query at once in the query mix.
const searchSearchers = 4

// benchSearch measures the query mix's latency on the corpus, then the
// index lag while posting at a steady rate.
func benchSearch(ctx context.Context, env *benchEnv) (benchResult, error) {
	dir, meta, err := searchCorpus(ctx, env, false)
	if err != nil {
		return benchResult{}, err
	}
	hc := benchHTTP(searchSearchers + 32)
	defer hc.CloseIdleConnections()
	var srv *benchServer
	for attempt := 0; ; attempt++ {
		dataDir, err := corpusCopy(env, dir)
		if err != nil {
			return benchResult{}, err
		}
		srv, err = env.startServer(ctx, dataDir)
		if err != nil {
			return benchResult{}, err
		}
		err = checkCorpusServed(ctx, hc, srv.base, meta)
		if err == nil {
			break
		}
		srv.stop()
		if !errors.Is(err, errStaleCorpus) || attempt > 0 {
			return benchResult{}, err
		}
		fmt.Fprintf(env.log, "  %v: rebuilding it\n", err)
		if dir, meta, err = searchCorpus(ctx, env, true); err != nil {
			return benchResult{}, err
		}
	}
	defer srv.stop()

	mixes := make([][]searchQuery, searchSearchers)
	for g := range mixes {
		mixes[g] = searchQueryMix(meta, g+1)
	}
	runQuery := func(ctx context.Context, g int, q searchQuery) error {
		text, sort, _ := strings.Cut(q.q, "\x00")
		if sort == "" {
			sort = "relevance"
		}
		n, err := searchCount(ctx, hc, srv.base, meta.Tokens[g+1], text, sort)
		if err == nil && q.found && n == 0 {
			err = fmt.Errorf("nothing found for %q (sort %s)", text, sort)
		}
		return err
	}
	// Warm-up: the mix once, each query by one of the searchers, checking
	// what must be found.
	err = benchParallel(len(mixes[0]), searchSearchers, func(i int) error {
		return runQuery(ctx, i%searchSearchers, mixes[i%searchSearchers][i])
	})
	if err != nil {
		return benchResult{}, fmt.Errorf("warm-up: %w", err)
	}

	meter, err := srv.meter()
	if err != nil {
		return benchResult{}, err
	}
	// The mix runs for a fixed time rather than a count: query times differ
	// by orders of magnitude between machines and index backends.
	span := time.Duration(env.size(1, 2, 20)) * time.Second
	st, byQuery := driveFor(ctx, span, searchSearchers, func(ctx context.Context, g, i int) (string, error) {
		q := mixes[g][i%len(mixes[g])]
		return q.q, runQuery(ctx, g, q)
	}, func(elapsed time.Duration) { env.progress(int64(elapsed), int64(2*span)) })
	res := st.result("queries/s")
	if err := meter.finish(&res); err != nil {
		return res, err
	}
	if st.firstErr != nil {
		fmt.Fprintf(env.log, "  first error: %v\n", st.firstErr)
	}
	logSlowestQueries(env.log, byQuery, 5)

	lag, err := measureIndexLag(ctx, env, srv, hc, meta, int64(span))
	if err != nil {
		return res, err
	}
	res.Extra = lag.extra
	res.Errors += lag.errors
	if hwm, err := srv.memKiB("VmHWM"); err == nil {
		res.PeakRSSKiB = hwm
	}
	return res, nil
}

// driveFor runs op on workers goroutines back to back for span, each
// worker numbering its own operations, and times each; byKey holds the
// latencies by the key op returns (the query).
func driveFor(ctx context.Context, span time.Duration, workers int, op func(ctx context.Context, worker, i int) (string, error),
	progress func(elapsed time.Duration)) (st loadStats, byKey map[string][]time.Duration) {
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	byKey = map[string][]time.Duration{}
	start := time.Now()
	end := start.Add(span)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ctx.Err() == nil && time.Now().Before(end); i++ {
				t0 := time.Now()
				key, err := op(ctx, w, i)
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					st.errors++
					if st.firstErr == nil {
						st.firstErr = err
					}
				} else {
					st.lat = append(st.lat, d)
					byKey[key] = append(byKey[key], d)
				}
				mu.Unlock()
				if w == 0 {
					progress(time.Since(start))
				}
			}
		}(w)
	}
	wg.Wait()
	st.elapsed = time.Since(start)
	return st, byKey
}

// logSlowestQueries writes the n queries of the mix with the highest
// median latency: where to look when the p99 is missed.
func logSlowestQueries(w io.Writer, byQuery map[string][]time.Duration, n int) {
	type slow struct {
		q        string
		p50, max float64
	}
	var all []slow
	for q, lat := range byQuery {
		p50, _, maxMs := latencyMillis(lat)
		all = append(all, slow{strings.Replace(q, "\x00", " sort:", 1), p50, maxMs})
	}
	slices.SortFunc(all, func(a, b slow) int { return cmp.Compare(b.p50, a.p50) })
	for _, s := range all[:min(n, len(all))] {
		fmt.Fprintf(w, "  slow query %-40q p50 %6.1f ms, max %6.1f ms\n", s.q, s.p50, s.max)
	}
}
