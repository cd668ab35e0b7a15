package search

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// The conformance suite every Index backend passes: the same documents, the
// same queries in Parley's query language, the same answers. A backend's
// test calls runIndexSuite with a function that opens a fresh, empty index
// (each call a new one).

// suiteNow is "now" for parsing relative dates and for ranking.
var suiteNow = time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)

// Suite channels: general and random are public, the rest private.
const (
	chGeneral = 1
	chRandom  = 2
	chSecret  = 3 // private; alice is a member
	chDMBob   = 4 // alice's DM with bob
	chOps     = 5 // private; alice is not a member
)

// Suite users.
const (
	uAlice = 10
	uBob   = 11
	uCarol = 12
	uBot   = 20 // deploybot
)

var (
	suiteUsers    = map[string]int64{"alice": uAlice, "bob": uBob, "carol": uCarol, "deploybot": uBot}
	suiteChannels = map[string]int64{"general": chGeneral, "random": chRandom, "secret": chSecret, "ops": chOps}
	suiteDMs      = map[string]int64{"bob": chDMBob} // alice's DMs by the other person
	// aliceReadable is alice's private channels and DMs.
	aliceReadable = []int64{chSecret, chDMBob}
)

func day(s string) int64 {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t.UnixMilli()
}

// suiteDocs are the documents of the suite; ids grow with time.
func suiteDocs() []Document {
	pub := map[int64]bool{chGeneral: true, chRandom: true}
	doc := func(id, ch, user int64, at, text string, opts ...string) Document {
		d := Document{ID: id, ChannelID: ch, ChannelPublic: pub[ch], UserID: user, IsBot: user == uBot, Text: text, CreatedAt: day(at)}
		for _, o := range opts {
			switch o {
			case "thread":
				d.IsThread = true
			case "link":
				d.HasLink = true
			case "file":
				d.HasFile = true
			case "reaction":
				d.HasReaction = true
			default:
				panic(o)
			}
		}
		return d
	}
	return []Document{
		doc(1, chGeneral, uAlice, "2024-01-10 09:00", "Deploying the api-gateway today, build_id 4521"),
		doc(2, chGeneral, uBob, "2024-02-15 10:00", "The café on the corner has great coffee"),
		doc(3, chRandom, uCarol, "2024-03-01 00:00", "Cafe meeting moved to Thursday"),
		doc(4, chSecret, uAlice, "2024-03-05 12:00", "secret roadmap for the café launch"),
		doc(5, chDMBob, uBob, "2024-04-01 12:00", "see https://example.com/docs for the roadmap", "link"),
		doc(6, chGeneral, uBot, "2024-04-02 12:00", "Build failed: ERR_CONN_RESET in src/app/main.go", "thread"),
		doc(7, chRandom, uAlice, "2024-05-20 12:00", "東京タワーに行きました", "reaction"),
		doc(8, chGeneral, uCarol, "2024-06-01 23:59", "released v1.2.3 with the new deploy pipeline", "file"),
		doc(9, chOps, uCarol, "2024-06-10 12:00", "ops handover notes: deployment checklist", "thread"),
		doc(10, chGeneral, uBob, "2024-06-20 12:00", "quick brown fox jumps over the lazy dog", "thread", "reaction"),
		doc(11, chRandom, uBob, "2024-06-25 12:00", "the lazy brown dog sleeps"),
	}
}

// suiteQuery parses q and resolves its names the way the search service
// does, as alice; unknown names resolve to an id nothing has.
func suiteQuery(t *testing.T, q string, readable []int64) Query {
	t.Helper()
	p, err := Parse(q, suiteNow)
	if err != nil {
		t.Fatalf("Parse(%q): %v", q, err)
	}
	lookup := func(m map[string]int64, name string) int64 {
		if id, ok := m[strings.ToLower(name)]; ok {
			return id
		}
		return -1
	}
	query := Query{Terms: p.Terms, Sort: SortRelevance, Limit: 50}
	for _, u := range p.From {
		if u == "me" {
			u = "alice"
		}
		query.Filter.FromUserIDs = append(query.Filter.FromUserIDs, lookup(suiteUsers, u))
	}
	for _, c := range p.InChannels {
		query.Filter.ChannelIDs = append(query.Filter.ChannelIDs, lookup(suiteChannels, c))
	}
	for _, u := range p.InDMs {
		query.Filter.ChannelIDs = append(query.Filter.ChannelIDs, lookup(suiteDMs, u))
	}
	query.Filter.Before, query.Filter.After = p.Before, p.After
	query.Filter.HasLink, query.Filter.HasFile, query.Filter.HasReaction = p.HasLink, p.HasFile, p.HasReaction
	query.Filter.IsThread, query.Filter.IsBot = p.IsThread, p.IsBot
	query.Filter.Readable = readable
	return query
}

func hitIDs(r Results) []int64 {
	ids := make([]int64, 0, len(r.Hits))
	for _, h := range r.Hits {
		ids = append(ids, h.ID)
	}
	return ids
}

func sorted(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func mustSearch(t *testing.T, idx Index, q Query) Results {
	t.Helper()
	r, err := idx.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	return r
}

// set compares ids as a set (relevance order is the backend's business).
func checkSet(t *testing.T, idx Index, q string, readable []int64, want ...int64) {
	t.Helper()
	got := hitIDs(mustSearch(t, idx, suiteQuery(t, q, readable)))
	if !slices.Equal(sorted(got), sorted(want)) {
		t.Errorf("%s %q (readable %v) = %v, want %v", idx.Name(), q, readable, sorted(got), sorted(want))
	}
}

func runIndexSuite(t *testing.T, open func(t *testing.T) Index) {
	ctx := context.Background()
	seeded := func(t *testing.T) Index {
		t.Helper()
		idx := open(t)
		if err := idx.Upsert(ctx, suiteDocs()); err != nil {
			t.Fatalf("Upsert: %v", err)
		}
		return idx
	}

	t.Run("queries", func(t *testing.T) {
		idx := seeded(t)
		all := []int64{chSecret, chDMBob, chOps}
		for _, c := range []struct {
			q        string
			readable []int64 // nil: alice's
			want     []int64
		}{
			// words, case and diacritics
			{q: "coffee", want: []int64{2}},
			{q: "café", want: []int64{2, 3, 4}},
			{q: "cafe", want: []int64{2, 3, 4}},
			{q: "CAFÉ", want: []int64{2, 3, 4}},
			{q: "lazy dog", want: []int64{10, 11}},
			{q: "lazy cat", want: nil},
			{q: "nothinglikethis", want: nil},
			// phrases and exclusions
			{q: `"lazy dog"`, want: []int64{10}},
			{q: `"brown dog"`, want: []int64{11}},
			{q: `"dog lazy"`, want: nil},
			{q: `lazy -"lazy dog"`, want: []int64{11}},
			{q: "café -roadmap", want: []int64{2, 3}},
			{q: "-café in:#general", want: []int64{1, 6, 8, 10}},
			{q: "-lazy -café from:bob", want: []int64{5}},
			// prefix
			{q: "deploy*", want: []int64{1, 8}},
			{q: "deploy*", readable: all, want: []int64{1, 8, 9}},
			{q: "Deplo*", want: []int64{1, 8}},
			{q: "deploy", want: []int64{8}},
			{q: "-deploy* in:#general", want: []int64{2, 6, 10}},
			// developer identifiers, whole and by parts
			{q: "build_id", want: []int64{1}},
			{q: "build", want: []int64{1, 6}},
			{q: "api-gateway", want: []int64{1}},
			{q: "gateway", want: []int64{1}},
			{q: "api-gate*", want: []int64{1}},
			{q: "v1.2.3", want: []int64{8}},
			{q: "ERR_CONN_RESET", want: []int64{6}},
			{q: "err_conn_reset", want: []int64{6}},
			{q: "conn", want: []int64{6}},
			{q: "err_conn*", want: []int64{6}},
			{q: "src/app/main.go", want: []int64{6}},
			{q: "main.go", want: []int64{6}},
			{q: "https://example.com/docs", want: []int64{5}},
			{q: "example.com", want: []int64{5}},
			{q: "4521", want: []int64{1}},
			{q: "foo:bar", want: nil},
			// CJK
			{q: "東京", want: []int64{7}},
			{q: "タワー", want: []int64{7}},
			{q: "東京タワー", want: []int64{7}},
			{q: "京都", want: nil},
			// from: and in:
			{q: "from:@bob", want: []int64{2, 5, 10, 11}},
			{q: "from:bob", want: []int64{2, 5, 10, 11}},
			{q: "FROM:me", want: []int64{1, 4, 7}},
			{q: "from:deploybot", want: []int64{6}},
			{q: "from:nobody", want: nil},
			{q: "from:alice from:carol", want: []int64{1, 3, 4, 7, 8}},
			{q: "in:#random", want: []int64{3, 7, 11}},
			{q: "in:random", want: []int64{3, 7, 11}},
			{q: "in:@bob", want: []int64{5}},
			{q: "in:#general in:#random lazy", want: []int64{10, 11}},
			{q: "from:bob in:#general", want: []int64{2, 10}},
			// dates
			{q: "before:2024-03-01", want: []int64{1, 2}},
			{q: "after:2024-06-01", want: []int64{10, 11}},
			{q: "after:2024-05-31", want: []int64{8, 10, 11}},
			{q: "on:2024-06-01", want: []int64{8}},
			{q: "on:2024-03-01", want: []int64{3}},
			{q: "during:2024-06", want: []int64{8, 10, 11}},
			{q: "during:2024-06", readable: all, want: []int64{8, 9, 10, 11}},
			{q: "during:2024", want: []int64{1, 2, 3, 4, 5, 6, 7, 8, 10, 11}},
			{q: "during:2023", want: nil},
			{q: "during:june", want: []int64{8, 10, 11}},
			{q: "after:2024-03-01 before:2024-04-02", want: []int64{4, 5}},
			{q: "café before:2024-03-02", want: []int64{2, 3}},
			// has: and is:
			{q: "has:link", want: []int64{5}},
			{q: "has:file", want: []int64{8}},
			{q: "has:reaction", want: []int64{7, 10}},
			{q: "is:thread", want: []int64{6, 10}},
			{q: "is:thread", readable: all, want: []int64{6, 9, 10}},
			{q: "is:bot", want: []int64{6}},
			{q: "lazy from:bob has:reaction", want: []int64{10}},
			{q: "roadmap has:link", want: []int64{5}},
			// permission
			{q: "roadmap", want: []int64{4, 5}},
			{q: "roadmap", readable: []int64{}, want: nil},
			{q: "roadmap", readable: []int64{chSecret}, want: []int64{4}},
			{q: "checklist", want: nil},
			{q: "checklist", readable: all, want: []int64{9}},
			{q: "in:#ops", want: nil},
			{q: "in:#ops", readable: []int64{chOps}, want: []int64{9}},
			{q: "-café", readable: []int64{}, want: []int64{1, 6, 7, 8, 10, 11}},
		} {
			readable := c.readable
			if readable == nil {
				readable = aliceReadable
			}
			checkSet(t, idx, c.q, readable, c.want...)
		}
	})

	t.Run("newest first", func(t *testing.T) {
		idx := seeded(t)
		for _, c := range []struct {
			q    string
			want []int64
		}{
			{"in:#general", []int64{10, 8, 6, 2, 1}},
			{"café", []int64{4, 3, 2}},
			{"lazy", []int64{11, 10}},
			{"-lazy from:bob", []int64{5, 2}},
		} {
			q := suiteQuery(t, c.q, aliceReadable)
			q.Sort = SortNewest
			if got := hitIDs(mustSearch(t, idx, q)); !slices.Equal(got, c.want) {
				t.Errorf("%q newest first = %v, want %v", c.q, got, c.want)
			}
		}
	})

	t.Run("relevance without words is newest first", func(t *testing.T) {
		idx := seeded(t)
		got := hitIDs(mustSearch(t, idx, suiteQuery(t, "from:bob", aliceReadable)))
		if want := []int64{11, 10, 5, 2}; !slices.Equal(got, want) {
			t.Errorf("from:bob = %v, want %v", got, want)
		}
	})

	t.Run("pages", func(t *testing.T) {
		idx := seeded(t)
		for _, sort := range []string{SortNewest, SortRelevance} {
			for _, text := range []string{"in:#general", "the"} {
				full := suiteQuery(t, text, aliceReadable)
				full.Sort = sort
				all := hitIDs(mustSearch(t, idx, full))
				if len(all) < 4 {
					t.Fatalf("%q: want at least 4 hits to page through, got %v", text, all)
				}
				var paged []int64
				for off := 0; ; off += 2 {
					q := full
					q.Offset, q.Limit = off, 2
					r := mustSearch(t, idx, q)
					if len(r.Hits) > 2 {
						t.Fatalf("%q offset %d: %d hits for limit 2", text, off, len(r.Hits))
					}
					paged = append(paged, hitIDs(r)...)
					if wantMore := off+2 < len(all); r.More != wantMore {
						t.Errorf("%q %s offset %d: More = %v, want %v", text, sort, off, r.More, wantMore)
					}
					if !r.More {
						break
					}
				}
				if sort == SortNewest && !slices.Equal(paged, all) {
					t.Errorf("%q %s pages = %v, want %v", text, sort, paged, all)
				}
				if !slices.Equal(sorted(paged), sorted(all)) {
					t.Errorf("%q %s pages = %v, want the same as one page %v", text, sort, paged, all)
				}
			}
		}
	})

	t.Run("highlights", func(t *testing.T) {
		idx := seeded(t)
		for _, c := range []struct {
			q      string
			id     int64
			marked string // must appear between the markers
		}{
			{"coffee", 2, "coffee"},
			{"cafe", 2, "café"},
			{"lazy", 11, "lazy"},
			{`"lazy dog"`, 10, "lazy"},
			{"deploy*", 8, "deploy"},
			{"東京", 7, "東"},
		} {
			r := mustSearch(t, idx, suiteQuery(t, c.q, aliceReadable))
			var snip string
			for _, h := range r.Hits {
				if h.ID == c.id {
					snip = h.Snippet
				}
			}
			if !strings.Contains(strings.ToLower(snip), MarkStart+c.marked) || !strings.Contains(snip, MarkEnd) {
				t.Errorf("%q: snippet of %d = %q, want %q marked", c.q, c.id, snip, c.marked)
			}
			plain := strings.NewReplacer(MarkStart, "", MarkEnd, "").Replace(snip)
			if strings.Contains(plain, "\u200b") {
				t.Errorf("%q: snippet %q has zero-width spaces", c.q, snip)
			}
		}
		r := mustSearch(t, idx, suiteQuery(t, "in:#random has:reaction", aliceReadable))
		if len(r.Hits) != 1 || !strings.Contains(r.Hits[0].Snippet, "東京タワー") || strings.Contains(r.Hits[0].Snippet, MarkStart) {
			t.Errorf("filter-only snippet = %+v, want the start of the text, unmarked", r.Hits)
		}
	})

	t.Run("upsert replaces", func(t *testing.T) {
		idx := seeded(t)
		edited := suiteDocs()[1] // 2: the café
		edited.Text = "The tea house on the corner"
		edited.HasReaction = true
		if err := idx.Upsert(ctx, []Document{edited, edited}); err != nil {
			t.Fatal(err)
		}
		checkSet(t, idx, "café", aliceReadable, 3, 4)
		checkSet(t, idx, "coffee", aliceReadable)
		checkSet(t, idx, "tea house", aliceReadable, 2)
		checkSet(t, idx, "has:reaction", aliceReadable, 2, 7, 10)
		// Idempotent: the same documents again change nothing.
		if err := idx.Upsert(ctx, suiteDocs()[2:]); err != nil {
			t.Fatal(err)
		}
		checkSet(t, idx, "in:#general", aliceReadable, 1, 2, 6, 8, 10)
		// A document moved to a channel alice cannot read disappears for her.
		moved := suiteDocs()[10] // 11, random
		moved.ChannelID, moved.ChannelPublic = chOps, false
		if err := idx.Upsert(ctx, []Document{moved}); err != nil {
			t.Fatal(err)
		}
		checkSet(t, idx, "lazy", aliceReadable, 10)
	})

	t.Run("delete", func(t *testing.T) {
		idx := seeded(t)
		if err := idx.Delete(ctx, []int64{3, 4, 999}); err != nil {
			t.Fatal(err)
		}
		checkSet(t, idx, "café", aliceReadable, 2)
		checkSet(t, idx, "in:#random", aliceReadable, 7, 11)
		if err := idx.Delete(ctx, nil); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("reset", func(t *testing.T) {
		idx := seeded(t)
		if err := idx.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		checkSet(t, idx, "café", aliceReadable)
		checkSet(t, idx, "during:2024", aliceReadable)
		if err := idx.Upsert(ctx, suiteDocs()[:2]); err != nil {
			t.Fatal(err)
		}
		checkSet(t, idx, "café", aliceReadable, 2)
	})

	t.Run("many documents in one upsert", func(t *testing.T) {
		idx := open(t)
		docs := make([]Document, 500)
		for i := range docs {
			docs[i] = Document{ID: int64(i + 1), ChannelID: chGeneral, ChannelPublic: true, UserID: uAlice,
				Text: fmt.Sprintf("message number n%d of the batch", i+1), CreatedAt: day("2024-01-01 00:00") + int64(i)}
		}
		if err := idx.Upsert(ctx, docs); err != nil {
			t.Fatal(err)
		}
		checkSet(t, idx, "n250", nil, 250)
		q := suiteQuery(t, "batch", nil)
		q.Limit = 10
		r := mustSearch(t, idx, q)
		if len(r.Hits) != 10 || !r.More {
			t.Errorf("batch: %d hits, More %v; want 10 and more", len(r.Hits), r.More)
		}
	})
}
