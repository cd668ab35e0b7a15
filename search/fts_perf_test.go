package search

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestFTS_Scale indexes PARLEY_FTS_SCALE generated messages (e.g. 1000000)
// and reports query latencies with the permission filter. It is skipped
// unless that variable is set.
func TestFTS_Scale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("PARLEY_FTS_SCALE"))
	if n <= 0 {
		t.Skip("set PARLEY_FTS_SCALE to a number of messages to run")
	}
	ctx := context.Background()
	f := openTestFTS(t)
	if path := os.Getenv("PARLEY_FTS_SCALE_KEEP"); path != "" {
		// Keep a copy of the database for poking at with the sqlite3 shell.
		defer func() {
			conn, err := sql.Open("sqlite3", f.db.Path)
			if err == nil {
				_, err = conn.ExecContext(ctx, "VACUUM INTO ?", path)
				conn.Close()
			}
			if err != nil {
				t.Log(err)
			}
		}()
	}
	rng := rand.New(rand.NewSource(1))
	zipf := rand.NewZipf(rng, 1.1, 1, 20000)
	word := func() string { return "w" + strconv.FormatUint(zipf.Uint64(), 36) }
	start := time.Now()
	base := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	const batch = 5000
	for i := 0; i < n; i += batch {
		docs := make([]Document, 0, batch)
		for j := i; j < min(i+batch, n); j++ {
			ch := int64(rng.Intn(400) + 1)
			words := make([]string, 8+rng.Intn(20))
			for k := range words {
				words[k] = word()
			}
			if rng.Intn(50) == 0 {
				words = append(words, "build_id", fmt.Sprintf("v1.%d.%d", rng.Intn(10), rng.Intn(10)))
			}
			docs = append(docs, Document{ID: int64(j + 1), ChannelID: ch, ChannelPublic: ch%4 == 0,
				UserID: int64(rng.Intn(2000) + 1), Text: strings.Join(words, " "),
				CreatedAt: base + int64(j)*60000, HasLink: rng.Intn(10) == 0, IsThread: rng.Intn(5) == 0})
		}
		if err := f.Upsert(ctx, docs); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("indexed %d messages in %v", n, time.Since(start))
	readable := make([]int64, 0, 30)
	for i := 0; i < 30; i++ {
		readable = append(readable, int64(rng.Intn(400)+1))
	}
	for _, q := range []string{"w1", "w2 w3", "w5k", "w1z*", "w1*", `"w1 w2"`, "build_id", "v1.2.3", "w7 -w1",
		"-w1 in:#c", "has:link", "is:thread w4", "from:u", "after:2023-01-01 w9", "zzzz"} {
		for _, sort := range []string{SortRelevance, SortNewest} {
			p, err := Parse(q, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			query := Query{Terms: p.Terms, Sort: sort, Limit: 20, Filter: Filter{Readable: readable,
				Before: p.Before, After: p.After, HasLink: p.HasLink, IsThread: p.IsThread}}
			if len(p.InChannels) > 0 {
				query.Filter.ChannelIDs = []int64{readable[0]}
			}
			if len(p.From) > 0 {
				query.Filter.FromUserIDs = []int64{7}
			}
			var times []time.Duration
			var hits int
			for i := 0; i < 20; i++ {
				s := time.Now()
				r, err := f.Search(ctx, query)
				if err != nil {
					t.Fatal(err)
				}
				times = append(times, time.Since(s))
				hits = len(r.Hits)
			}
			slices.Sort(times)
			t.Logf("%-22q %-9s hits %2d  p50 %8v  max %8v", q, sort, hits, times[len(times)/2], times[len(times)-1])
		}
	}
}
