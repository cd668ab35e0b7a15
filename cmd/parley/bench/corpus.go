package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
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
