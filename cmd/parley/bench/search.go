package bench

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parley-chat/parley/bots"
	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/search"
	"github.com/parley-chat/parley/webhooks"
)

// The search and start workloads run against a generated workspace: 200
// channels (a quarter public), 50 users each in 30 of them, and a corpus
// of messages with Zipf-distributed words, some identifiers, links and
// thread replies, over the year before it was built. The data folder is
// built once per size and schema, kept in the bench cache, and copied for
// every run.

// searchCorpusSpec is what a corpus is generated from; it is part of the
// cache key.
type searchCorpusSpec struct {
	Messages int
	Channels int
	Users    int
	// Joined is how many channels each user but the admin is a member of.
	Joined int
}

// searchCorpusVersion changes whenever the generator does, so that cached
// corpora are rebuilt.
const searchCorpusVersion = 2

// searchCorpusMaxAge bounds how old a cached corpus may be: its events were
// written when it was built, and the server prunes events older than the
// event retention (30 days by default) when it starts.
const searchCorpusMaxAge = 7 * 24 * time.Hour

// searchCorpusMeta describes a built corpus; it is stored next to it.
type searchCorpusMeta struct {
	Key      string  `json:"key"`
	Messages int     `json:"messages"`
	Head     int64   `json:"head"`
	BuiltAt  int64   `json:"built_at"` // unix ms
	First    int64   `json:"first"`    // created_at of the oldest message
	Last     int64   `json:"last"`     // and the newest
	UserIDs  []int64 `json:"user_ids"`
	Tokens   []string
	// Channels[i] is the channel named ch<i>; Joined[u] the indexes of the
	// channels user u is a member of (the admin, user 0, is in all).
	Channels []int64 `json:"channels"`
	Joined   [][]int `json:"joined"`
}

func (e *benchEnv) searchSpec() searchCorpusSpec {
	return searchCorpusSpec{Messages: e.size(2_000, 100_000, 1_000_000), Channels: 200, Users: 50, Joined: 30}
}

// searchVocab is the corpus's vocabulary, most frequent first: chat words,
// then 20,000 made-up words of two to four syllables.
var searchVocab = sync.OnceValue(func() []string {
	words := strings.Fields(`the deploy build failed passed api gateway service latency error retry
timeout release merge review ticket customer incident alert database cache queue worker node cluster
staging prod rollback hotfix config token login dashboard metric log trace span request response
payments search index shard replica`)
	seen := map[string]bool{}
	for _, w := range words {
		seen[w] = true
	}
	syl := strings.Fields("ka lo mi ne ru sa ti vo ze ba do fu gi ha je ku ma no pi ro")
	for i := 0; len(words) < 20_000; i++ {
		var b strings.Builder
		for n := i; ; n /= len(syl) {
			b.WriteString(syl[n%len(syl)])
			if n < len(syl) && b.Len() >= 4 {
				break
			}
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	return words
})

// searchIdents are identifiers developers paste; 2% of messages carry one.
var searchIdents = []string{"build_id", "v1.2.3", "api-gateway", "ERR_CONN_RESET", "src/app/main.go"}

// searchText generates a message's text: 4 to 23 Zipf-distributed words,
// sometimes an identifier or a link.
func searchText(r *rand.Rand, z *rand.Zipf) string {
	vocab := searchVocab()
	n := 4 + r.IntN(20)
	words := make([]string, 0, n+1)
	for range n {
		words = append(words, vocab[z.Uint64()])
	}
	switch k := r.IntN(100); {
	case k < 2:
		words = append(words, searchIdents[r.IntN(len(searchIdents))])
	case k < 7:
		words = append(words, fmt.Sprintf("https://ci.example.com/builds/%d", r.IntN(100_000)))
	}
	return strings.Join(words, " ")
}

// searchCorpusKey names a corpus in the cache: its parameters, the
// generator's version and the schema (every package's migrations).
func searchCorpusKey(spec searchCorpusSpec) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "v%d %+v\n", searchCorpusVersion, spec)
	for _, m := range []fs.FS{channels.Migrations(), bots.Migrations(), webhooks.Migrations(), search.MainMigrations(), search.Migrations()} {
		err := fs.WalkDir(m, ".", func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			raw, err := fs.ReadFile(m, path)
			fmt.Fprintf(h, "%s %d\n", path, len(raw))
			h.Write(raw)
			return err
		})
		if err != nil {
			return "", fmt.Errorf("fingerprint the schema: %w", err)
		}
	}
	return fmt.Sprintf("%dk-%s", spec.Messages/1000, hex.EncodeToString(h.Sum(nil))[:16]), nil
}

// searchCorpus returns the cached corpus folder for the run's size,
// building it when it is missing, stale or rebuild is set.
func searchCorpus(ctx context.Context, env *benchEnv, rebuild bool) (string, searchCorpusMeta, error) {
	spec := env.searchSpec()
	key, err := searchCorpusKey(spec)
	if err != nil {
		return "", searchCorpusMeta{}, err
	}
	dir := filepath.Join(env.cache, "search-"+key)
	if !rebuild {
		meta, err := readCorpusMeta(dir)
		if err == nil && meta.Key == key && time.Since(time.UnixMilli(meta.BuiltAt)) < searchCorpusMaxAge {
			return dir, meta, nil
		}
	}
	fmt.Fprintf(env.log, "  building the %d-message search corpus in %s\n", spec.Messages, dir)
	// Built aside and renamed into place, so that an interrupted build or
	// a concurrent bench never leaves a half corpus under the key.
	tmp, err := os.MkdirTemp(env.cache, "search-building-")
	if err != nil {
		return "", searchCorpusMeta{}, err
	}
	defer os.RemoveAll(tmp)
	t0 := time.Now()
	meta, err := buildSearchCorpus(ctx, env, spec, filepath.Join(tmp, "data"))
	if err != nil {
		return "", searchCorpusMeta{}, fmt.Errorf("build the search corpus: %w", err)
	}
	meta.Key = key
	raw, err := json.Marshal(meta)
	if err != nil {
		return "", searchCorpusMeta{}, err
	}
	if err := os.WriteFile(filepath.Join(tmp, "corpus.json"), raw, 0o644); err != nil {
		return "", searchCorpusMeta{}, err
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", searchCorpusMeta{}, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return "", searchCorpusMeta{}, fmt.Errorf("store the search corpus: %w", err)
	}
	fmt.Fprintf(env.log, "  built the search corpus in %s\n", time.Since(t0).Round(100*time.Millisecond))
	return dir, meta, nil
}

func readCorpusMeta(dir string) (searchCorpusMeta, error) {
	var meta searchCorpusMeta
	raw, err := os.ReadFile(filepath.Join(dir, "corpus.json"))
	if err == nil {
		err = json.Unmarshal(raw, &meta)
	}
	return meta, err
}

// searchCorpusBatch is how many messages one transaction inserts.
const searchCorpusBatch = 5_000

// buildSearchCorpus seeds dataDir: users, channels and memberships through
// the services, then the messages in bulk through the core's import (each
// message with its message.created event, as a post stores it), then
// the index with the indexer's rebuild, which leaves its cursor at the log
// head. Progress counts messages inserted, then indexed.
func buildSearchCorpus(ctx context.Context, env *benchEnv, spec searchCorpusSpec, dataDir string) (searchCorpusMeta, error) {
	var meta searchCorpusMeta
	err := env.seed(ctx, dataDir, func(w *Workspace) (err error) {
		meta.UserIDs, meta.Tokens, err = seedUsers(ctx, w, "user", spec.Users)
		if err != nil {
			return err
		}
		admin, err := w.Core.Authenticate(ctx, meta.Tokens[0])
		if err != nil {
			return err
		}
		meta.Channels = make([]int64, spec.Channels)
		err = benchParallel(spec.Channels, 8, func(i int) error {
			ch, err := w.Core.CreateChannel(ctx, admin, channels.NewChannel{Name: fmt.Sprintf("ch%d", i), Private: i%4 != 0})
			if err == nil {
				meta.Channels[i] = ch.ID
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("create channels: %w", err)
		}
		r := rand.New(rand.NewPCG(uint64(spec.Messages), searchCorpusVersion))
		members := make([][]int, spec.Channels) // user indexes per channel
		meta.Joined = make([][]int, spec.Users)
		type join struct{ ch, user int }
		var joins []join
		for c := range members {
			members[c] = []int{0}
			meta.Joined[0] = append(meta.Joined[0], c)
		}
		for u := 1; u < spec.Users; u++ {
			meta.Joined[u] = r.Perm(spec.Channels)[:spec.Joined]
			slices.Sort(meta.Joined[u])
			for _, c := range meta.Joined[u] {
				members[c] = append(members[c], u)
				joins = append(joins, join{c, u})
			}
		}
		err = benchParallel(len(joins), 8, func(i int) error {
			return w.Core.AddMember(ctx, admin, meta.Channels[joins[i].ch], meta.UserIDs[joins[i].user])
		})
		if err != nil {
			return fmt.Errorf("add members: %w", err)
		}

		t0 := time.Now()
		total := int64(spec.Messages) * 2 // inserted, then indexed
		meta.Last = time.Now().UnixMilli()
		meta.First = meta.Last - 365*24*3600*1000
		z := rand.NewZipf(r, 1.1, 1, uint64(len(searchVocab())-1))
		// The latest root message per channel: stored (id), or earlier in
		// the batch being built (pos, counted from 1).
		type root struct {
			id  int64
			pos int
		}
		roots := make([]root, spec.Channels)
		batch := make([]channels.ImportedMessage, 0, searchCorpusBatch)
		for done := 0; done < spec.Messages; done += searchCorpusBatch {
			if err := ctx.Err(); err != nil {
				return err
			}
			batch = batch[:0]
			for i := done; i < min(done+searchCorpusBatch, spec.Messages); i++ {
				c := r.IntN(spec.Channels)
				msg := channels.ImportedMessage{ChannelID: meta.Channels[c], UserID: meta.UserIDs[members[c][r.IntN(len(members[c]))]],
					Text: searchText(r, z), CreatedAt: meta.First + int64(i)*(meta.Last-meta.First)/int64(spec.Messages)}
				if rt := roots[c]; (rt.id != 0 || rt.pos != 0) && r.IntN(10) == 0 {
					msg.ThreadID, msg.Root = rt.id, rt.pos
				} else {
					roots[c] = root{pos: len(batch) + 1}
				}
				batch = append(batch, msg)
			}
			ids, err := w.Core.ImportMessages(ctx, batch)
			if err != nil {
				return fmt.Errorf("insert messages: %w", err)
			}
			for c, rt := range roots {
				if rt.pos != 0 {
					roots[c] = root{id: ids[rt.pos-1]}
				}
			}
			env.progress(int64(min(done+searchCorpusBatch, spec.Messages)), total)
		}
		fmt.Fprintf(env.log, "  inserted %d messages in %s\n", spec.Messages, time.Since(t0).Round(100*time.Millisecond))
		t0 = time.Now()
		err = w.Indexer.Rebuild(ctx, searchCorpusBatch, func(done, _ int64) {
			env.progress(int64(spec.Messages)+done, total)
		})
		if err != nil {
			return fmt.Errorf("index: %w", err)
		}
		st, err := w.Indexer.Status(ctx)
		if err != nil {
			return err
		}
		if st.Lag != 0 {
			return fmt.Errorf("the indexer is %d events behind the log after the rebuild", st.Lag)
		}
		fmt.Fprintf(env.log, "  indexed them in %s\n", time.Since(t0).Round(100*time.Millisecond))
		meta.Messages, meta.Head, meta.BuiltAt = spec.Messages, st.Head, time.Now().UnixMilli()
		return nil
	})
	return meta, err
}

// copyTree copies the regular files under src to dst (a stopped server's
// data folder: the database with its WAL, the index, uploaded files).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o750)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}

// corpusCopy copies the cached corpus into a fresh data folder of the run.
func corpusCopy(env *benchEnv, dir string) (string, error) {
	dataDir, err := os.MkdirTemp(env.tmp, "data-")
	if err != nil {
		return "", err
	}
	if err := copyTree(filepath.Join(dir, "data"), dataDir); err != nil {
		return "", fmt.Errorf("copy the search corpus: %w", err)
	}
	return dataDir, nil
}

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

// lagWindow is a group of consecutive posts sharing a word found nowhere
// else, so that one search tells which of them are findable.
type lagWindow struct {
	word     string
	posts    map[int64]time.Time // acknowledged, not yet found: when acknowledged
	lastPoll time.Time
	polling  bool
}

type lagFigures struct {
	extra  map[string]float64
	errors int64
}

// Index lag: posts are sent on a fixed schedule (open loop) by posters in
// the channels they are members of; each post carries the word of its
// window of lagWindowSize consecutive posts. A poller searches (as the
// admin, who is in every channel) for the word of each window that still
// has posts acknowledged but not found, at most every lagPollEvery per
// window (lagPollers searches at a time); a post's lag is from its acknowledgement to the answer of the
// first search that finds it. Searching per window rather than per post
// keeps the poller's own load small at 1,000 posts/s.
const (
	lagWindowSize = 100 // a search's page holds up to 100 results
	lagPollers    = 2
	lagPollEvery  = 5 * time.Millisecond
	lagPosters    = 32 // users posting
	lagInFlight   = 256
	lagGiveUp     = 30 * time.Second
)

func measureIndexLag(ctx context.Context, env *benchEnv, srv *benchServer, hc *http.Client, meta searchCorpusMeta, progressBase int64) (lagFigures, error) {
	rate := env.size(100, 1_000, 1_000)
	total := rate * env.size(1, 2, 10)
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	letters := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('a' + r.IntN(26))
		}
		return string(b)
	}
	windows := make([]*lagWindow, (total+lagWindowSize-1)/lagWindowSize)
	for i := range windows {
		windows[i] = &lagWindow{word: "lag" + letters(12), posts: map[int64]time.Time{}}
	}
	var (
		mu      sync.Mutex
		lags    []time.Duration
		found   = map[int64]time.Time{} // found before its acknowledgement was seen
		postErr error
		posted  int
		acked   sync.WaitGroup
	)
	vocab := searchVocab()
	postHC := benchHTTP(lagInFlight)
	defer postHC.CloseIdleConnections()
	meter, err := srv.meter()
	if err != nil {
		return lagFigures{}, err
	}
	start := time.Now()
	var (
		postLat []time.Duration
		lastAck time.Time
	)
	post := func(i int) {
		defer acked.Done()
		u := 1 + i%lagPosters
		channelID := meta.Channels[meta.Joined[u][i%len(meta.Joined[u])]]
		w := windows[i/lagWindowSize]
		text := fmt.Sprintf("%s %s %s post %d", vocab[i%50], w.word, vocab[(i*7)%500], i)
		req, err := http.NewRequestWithContext(ctx, "POST", fmt.Sprintf("%s/api/v1/channels/%d/messages", srv.base, channelID),
			strings.NewReader(fmt.Sprintf(`{"text":%q}`, text)))
		var m struct {
			ID int64 `json:"id"`
		}
		t0 := time.Now()
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+meta.Tokens[u])
			var body []byte
			err = call(postHC, req, func(status int, b []byte) bool { body = b; return status == http.StatusCreated })
			if err == nil {
				err = json.Unmarshal(body, &m)
			}
		}
		now := time.Now()
		mu.Lock()
		defer mu.Unlock()
		posted++
		lastAck = now
		postLat = append(postLat, now.Sub(t0))
		switch at, ok := found[m.ID]; {
		case err != nil:
			if postErr == nil {
				postErr = err
			}
		case ok:
			lags = append(lags, max(0, at.Sub(now)))
			delete(found, m.ID)
		default:
			w.posts[m.ID] = now
		}
	}
	// Open loop: each post is sent at its time on its own goroutine, so a
	// slow answer does not delay the next posts (up to lagInFlight at once).
	acked.Add(total)
	go func() {
		inFlight := make(chan struct{}, lagInFlight)
		for i := 0; i < total; i++ {
			time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))))
			inFlight <- struct{}{}
			go func(i int) {
				defer func() { <-inFlight }()
				post(i)
			}(i)
		}
	}()
	postersDone := make(chan struct{})
	go func() { acked.Wait(); close(postersDone) }()

	// The pollers: round the windows with posts waiting, oldest first, each
	// window polled by one at a time.
	var (
		searches   int64
		searchErrs int64
		searchErr  error
		deadline   time.Time
		polling    sync.WaitGroup
	)
	poll := func() {
		defer polling.Done()
		for ctx.Err() == nil {
			mu.Lock()
			select {
			case <-postersDone:
				if deadline.IsZero() {
					deadline = time.Now().Add(lagGiveUp)
				}
			default:
			}
			var next *lagWindow
			pending := false
			for _, w := range windows {
				if len(w.posts) > 0 {
					pending = true
					if next == nil && !w.polling && time.Since(w.lastPoll) >= lagPollEvery {
						next = w
					}
				}
			}
			stop := posted == total && !pending || !deadline.IsZero() && time.Now().After(deadline) || searchErrs > 100
			if next != nil {
				next.polling, next.lastPoll = true, time.Now()
			}
			env.progress(progressBase+int64(len(lags))*progressBase/int64(max(total, 1)), progressBase*2)
			mu.Unlock()
			if stop {
				return
			}
			if next == nil {
				time.Sleep(time.Millisecond)
				continue
			}
			var hits searchHits
			err := getJSON(ctx, hc, searchURL(srv.base, next.word, "newest", lagWindowSize), meta.Tokens[0], &hits)
			now := time.Now()
			mu.Lock()
			next.polling = false
			searches++
			if err != nil {
				searchErrs++
				searchErr = err
			}
			for _, it := range hits.Items {
				id := it.Message.ID
				if at, ok := next.posts[id]; ok {
					lags = append(lags, now.Sub(at))
					delete(next.posts, id)
				} else if _, ok := found[id]; !ok {
					found[id] = now // its poster has not seen the answer yet
				}
			}
			mu.Unlock()
		}
	}
	polling.Add(lagPollers)
	for range lagPollers {
		go poll()
	}
	polling.Wait()
	<-postersDone
	var res benchResult
	if err := meter.finish(&res); err != nil {
		return lagFigures{}, err
	}
	mu.Lock()
	defer mu.Unlock()
	missing := 0
	for _, w := range windows {
		missing += len(w.posts)
	}
	if searchErrs > 100 {
		return lagFigures{}, fmt.Errorf("index lag: searches fail: %w", searchErr)
	}
	if postErr != nil {
		fmt.Fprintf(env.log, "  index lag: first post error: %v\n", postErr)
	}
	if missing > 0 {
		fmt.Fprintf(env.log, "  index lag: %d posts not found within %s\n", missing, lagGiveUp)
	}
	p50, p99, maxLag := latencyMillis(lags)
	_, postP99, _ := latencyMillis(postLat)
	postSeconds := lastAck.Sub(start).Seconds()
	return lagFigures{
		extra: map[string]float64{
			"lag_p50_ms": p50, "lag_p99_ms": p99, "lag_max_ms": maxLag, "lag_missing": float64(missing),
			"lag_posts_per_s": float64(posted) / postSeconds, "lag_post_p99_ms": postP99,
			"lag_polls": float64(searches), "lag_server_cpu_s": res.CPUSeconds,
		},
		errors: int64(total-len(lags)) + searchErrs,
	}, nil
}

// benchStart measures cold starts on the corpus with its index caught up:
// from the exec of "parley serve" to the first successful GET /healthz,
// and to the first successful search. Several starts per run reuse one
// copy of the corpus (a start leaves it as it found it, indexed).
func benchStart(ctx context.Context, env *benchEnv) (benchResult, error) {
	dir, meta, err := searchCorpus(ctx, env, false)
	if err != nil {
		return benchResult{}, err
	}
	dataDir, err := corpusCopy(env, dir)
	if err != nil {
		return benchResult{}, err
	}
	starts := env.size(1, 3, 5)
	hc := benchHTTP(1)
	defer hc.CloseIdleConnections()
	var (
		ready, searchReady []time.Duration
		res                = benchResult{Unit: "starts/s"}
	)
	for i := 0; i < starts; i++ {
		hc.CloseIdleConnections()
		toHealthy, toSearch, cpu, hwm, err := coldStart(ctx, env, hc, dataDir, meta, i == 0)
		if errors.Is(err, errStaleCorpus) && i == 0 {
			fmt.Fprintf(env.log, "  %v: rebuilding it\n", err)
			if dir, meta, err = searchCorpus(ctx, env, true); err != nil {
				return res, err
			}
			if dataDir, err = corpusCopy(env, dir); err != nil {
				return res, err
			}
			i--
			continue
		}
		if err != nil {
			return res, err
		}
		ready, searchReady = append(ready, toHealthy), append(searchReady, toSearch)
		res.CPUSeconds += cpu
		res.PeakRSSKiB = max(res.PeakRSSKiB, hwm)
		env.progress(int64(i+1), int64(starts))
	}
	var sum time.Duration
	for _, d := range ready {
		sum += d
	}
	res.Ops, res.Seconds = int64(len(ready)), sum.Seconds()
	res.Throughput = float64(len(ready)) / sum.Seconds()
	res.P50, res.P99, res.Max = latencyMillis(ready)
	searchP50, _, searchMax := latencyMillis(searchReady)
	res.Extra = map[string]float64{"start_ms": res.P50, "search_ready_ms": searchP50, "search_ready_max_ms": searchMax}
	return res, nil
}

// coldStart starts a server on dataDir, times it to healthy and to a
// successful search, reads its CPU time and peak RSS, and stops it. The
// first start of a copy also checks the server takes the corpus as
// indexed.
func coldStart(ctx context.Context, env *benchEnv, hc *http.Client, dataDir string, meta searchCorpusMeta, check bool) (toHealthy, toSearch time.Duration, cpu float64, hwm int64, err error) {
	t0 := time.Now()
	srv, err := env.startServer(ctx, dataDir)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	defer srv.stop()
	poll := func(ok func() bool) (time.Duration, error) {
		for deadline := time.Now().Add(time.Minute); ; {
			if ok() {
				return time.Since(t0), nil
			}
			if time.Now().After(deadline) {
				return 0, fmt.Errorf("not ready within a minute:\n%s", srv.log())
			}
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-time.After(time.Millisecond):
			}
		}
	}
	toHealthy, err = poll(func() bool {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.base+"/healthz", nil)
		return call(hc, req, func(status int, _ []byte) bool { return status == http.StatusOK }) == nil
	})
	if err != nil {
		return
	}
	toSearch, err = poll(func() bool {
		n, err := searchCount(ctx, hc, srv.base, meta.Tokens[1], searchVocab()[1], "relevance")
		return err == nil && n > 0
	})
	if err != nil {
		return
	}
	if cpu, err = srv.cpuSeconds(); err != nil {
		return
	}
	if hwm, err = srv.memKiB("VmHWM"); err != nil {
		return
	}
	if check {
		err = checkCorpusServed(ctx, hc, srv.base, meta)
	}
	return
}
