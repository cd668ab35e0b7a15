package bench

import (
	"context"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/channels/sqlite"
)

// The search and start workloads themselves run in TestBench_Workloads
// (cmd/parley/bench_test.go, through the binary); these check the corpus generator and its cache.

func TestBenchSearch_Vocabulary(t *testing.T) {
	vocab := searchVocab()
	if len(vocab) != 20_000 || vocab[0] != "the" {
		t.Fatalf("vocabulary of %d words starting %q", len(vocab), vocab[0])
	}
	seen := map[string]bool{}
	for _, w := range vocab {
		if seen[w] || len(w) < 2 || strings.ContainsAny(w, " *\"-:") {
			t.Fatalf("word %q repeated or unusable in a query", w)
		}
		seen[w] = true
	}
	// The same seed gives the same text: the corpus is reproducible.
	gen := func() string {
		r := rand.New(rand.NewPCG(1, 2))
		z := rand.NewZipf(r, 1.1, 1, uint64(len(vocab)-1))
		return searchText(r, z) + "|" + searchText(r, z)
	}
	if a, b := gen(), gen(); a != b {
		t.Fatalf("not reproducible: %q, %q", a, b)
	}
}

func TestBenchSearch_CorpusKey(t *testing.T) {
	a, err := searchCorpusKey(searchCorpusSpec{Messages: 2000, Channels: 200, Users: 50, Joined: 30})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := searchCorpusKey(searchCorpusSpec{Messages: 2000, Channels: 200, Users: 50, Joined: 30})
	c, _ := searchCorpusKey(searchCorpusSpec{Messages: 2000, Channels: 100, Users: 50, Joined: 30})
	if a != b || a == c || !strings.HasPrefix(a, "2k-") {
		t.Fatalf("keys %q %q %q", a, b, c)
	}
}

// TestBenchSearch_CorpusCache builds the smoke corpus, checks what it
// holds, and that a second call reuses it while a forced one rebuilds.
func TestBenchSearch_CorpusCache(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	env := &benchEnv{open: testOpener(), smoke: true, cache: t.TempDir(), tmp: t.TempDir(), log: io.Discard, progress: func(int64, int64) {}}
	dir, meta, err := searchCorpus(ctx, env, false)
	if err != nil {
		t.Fatal(err)
	}
	if meta.Messages != 2000 || len(meta.Channels) != 200 || len(meta.Tokens) != 50 || len(meta.Joined[1]) != 30 {
		t.Fatalf("corpus %+v", meta)
	}
	// Every message has its event, and the index cursor is at the head.
	n, err := env.countMessages(ctx, filepath.Join(dir, "data"), meta.Channels[0])
	if err != nil || n == 0 {
		t.Fatalf("%d messages in ch0: %v", n, err)
	}
	err = env.seed(ctx, filepath.Join(dir, "data"), func(w *Workspace) error {
		db, err := sqlite.OpenDB(filepath.Join(dir, "data", "parley.db"), "normal")
		if err != nil {
			return err
		}
		defer db.Close()
		var msgs, events int64
		if err := db.Reader.QueryRow(`SELECT COUNT(*) FROM messages`).Scan(&msgs); err != nil {
			return err
		}
		if err := db.Reader.QueryRow(`SELECT COUNT(*) FROM events WHERE type = 'message.created'`).Scan(&events); err != nil {
			return err
		}
		// Started, the indexer reads its persisted cursor.
		if err := w.Indexer.Start(ctx); err != nil {
			return err
		}
		st, err := w.Indexer.Status(ctx)
		if err != nil {
			return err
		}
		if msgs != 2000 || events != 2000 || st.Lag != 0 || st.Head != meta.Head {
			t.Errorf("%d messages, %d events, index status %+v, head %d", msgs, events, st, meta.Head)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	stamp := func() time.Time {
		fi, err := os.Stat(filepath.Join(dir, "corpus.json"))
		if err != nil {
			t.Fatal(err)
		}
		return fi.ModTime()
	}
	before := stamp()
	if again, _, err := searchCorpus(ctx, env, false); err != nil || again != dir || !stamp().Equal(before) {
		t.Fatalf("not reused: %s, %v", again, err)
	}
	copied, err := corpusCopy(env, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(copied, "parley.db")); err != nil {
		t.Fatalf("copy: %v", err)
	}
	// Backdated, the corpus shows whether a rebuild wrote it again.
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "corpus.json"), old, old); err != nil {
		t.Fatal(err)
	}
	before = stamp()
	if _, _, err := searchCorpus(ctx, env, true); err != nil || stamp().Equal(before) {
		t.Fatalf("not rebuilt: %v", err)
	}
}
