package search

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSQLiteVarint(t *testing.T) {
	for _, c := range []struct {
		in   []byte
		want uint64
		n    int
	}{
		{[]byte{0x05}, 5, 1},
		{[]byte{0x81, 0x00}, 128, 2},
		{[]byte{0x87, 0x68, 0xff}, 1000, 2},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, math.MaxUint64, 9},
		{[]byte{0x81}, 0, 0},
	} {
		if v, n := sqliteVarint(c.in); v != c.want || n != c.n {
			t.Errorf("sqliteVarint(% x) = %d, %d; want %d, %d", c.in, v, n, c.want, c.n)
		}
	}
}

// The index's size and average length come from FTS5's own record, and
// each phrase's instances are counted for it alone.
func TestRank_StatsAndFreqs(t *testing.T) {
	ctx := context.Background()
	f := openTestFTS(t)
	err := f.Upsert(ctx, []Document{
		{ID: 1, ChannelID: 1, ChannelPublic: true, Text: "deploy the build_id now"},
		{ID: 2, ChannelID: 1, ChannelPublic: true, Text: "one two three four five six"},
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.rank.statsOf(ctx, f.db.Reader, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// Tokens: 5 in the first body ("deploy the build id now") plus its one
	// identifier, 6 in the second.
	if st.rows != 2 || st.avgLen != 6 {
		t.Fatalf("stats %+v, want 2 rows of 6 tokens on average", st)
	}
	p, err := Parse(`Deploy build_id "the build" dep*`, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	phrases := rankPhrases(p.Terms)
	if len(phrases) != 5 {
		t.Fatalf("phrases %+v, want deploy, build_id in body and idents, the build, dep*", phrases)
	}
	freq := make([]float64, len(phrases))
	// Each phrase's instances count for it, overlapping or not; idents
	// weigh half.
	toks := foldTokens("Deploy the build_id x Deployed")
	addFreqs(freq, phrases, 0, toks)
	addFreqs(freq, phrases, 1, foldTokens(identifiers("Deploy the build_id x Deployed")))
	want := []float64{1, 1, 0.5, 1, 2}
	if !slices.Equal(freq, want) {
		t.Errorf("freq %v, want %v", freq, want)
	}
	if len(toks) != 6 {
		t.Errorf("tokens %q, want 6", toks)
	}
	// A term none of whose instances Go finds (the message matched it
	// through folding Go does not do) counts once, in its first phrase.
	p, err = Parse(`cafe build_id`, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	phrases = rankPhrases(p.Terms)
	freq = make([]float64, len(phrases))
	addFreqs(freq, phrases, 0, foldTokens("Café build_id"))
	fillUnseen(freq, phrases)
	if want := []float64{1, 1, 0}; !slices.Equal(freq, want) {
		t.Errorf("freq %v, want %v", freq, want)
	}
	for s, want := range map[string]int{"see build_id and v1.2.3, not plain": 2, "_x_ a- -b- c__d": 1, "": 0, "x/y:z.": 1} {
		if n, full := countIdents(s), len(strings.Fields(identifiers(s))); n != want || full != want {
			t.Errorf("countIdents(%q) = %d, identifiers %d, want %d", s, n, full, want)
		}
	}
}

// A small index's counts are not kept: a search before the messages
// arrive does not skew the ranking after.
func TestRank_SmallIndexNotCached(t *testing.T) {
	ctx := context.Background()
	f := openTestFTS(t)
	if _, err := f.Search(ctx, suiteQuery(t, "alpha beta", nil)); err != nil {
		t.Fatal(err)
	}
	doc := func(id int64, text string) Document {
		return Document{ID: id, ChannelID: 1, ChannelPublic: true, Text: text, CreatedAt: day("2024-06-30 12:00")}
	}
	// alpha is common and beta rare, so more beta ranks first; with the
	// counts of the empty index the two would tie and the newer, 2, win.
	if err := f.Upsert(ctx, []Document{
		doc(1, "alpha beta beta beta"),
		doc(2, "alpha alpha alpha beta"),
		doc(3, "alpha one"), doc(4, "alpha two"), doc(5, "alpha three"), doc(6, "alpha four"),
	}); err != nil {
		t.Fatal(err)
	}
	if got := hitIDs(mustSearch(t, f, suiteQuery(t, "alpha beta", nil))); len(got) != 2 || got[0] != 1 {
		t.Errorf("alpha beta = %v, want [1 2]", got)
	}
}

// in: and from: with words are also part of the MATCH (the meta column),
// and select the same messages as the SQL filters.
func TestFTS_MetaFilters(t *testing.T) {
	if got, want := matchFilter(`body:"x"`, Filter{ChannelIDs: []int64{3, 4}, FromUserIDs: []int64{7}}),
		`((body:"x") AND meta:(c3 OR c4)) AND meta:(u7)`; got != want {
		t.Errorf("matchFilter = %q, want %q", got, want)
	}
	ctx := context.Background()
	f := openTestFTS(t)
	var docs []Document
	for id := int64(1); id <= 8; id++ {
		docs = append(docs, Document{ID: id, ChannelID: id%2 + 1, ChannelPublic: true, UserID: id%4 + 10,
			Text: "deploy now", CreatedAt: day("2024-06-30 12:00") + id})
	}
	// A user id that is also a channel id must not match as one.
	docs = append(docs, Document{ID: 9, ChannelID: 12, ChannelPublic: true, UserID: 2, Text: "deploy", CreatedAt: day("2024-06-30 12:00")})
	if err := f.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	for _, sort := range []string{SortRelevance, SortNewest} {
		for _, c := range []struct {
			fl   Filter
			want []int64
		}{
			{Filter{ChannelIDs: []int64{2}}, []int64{1, 3, 5, 7}},
			{Filter{FromUserIDs: []int64{12}}, []int64{2, 6}},
			{Filter{ChannelIDs: []int64{1}, FromUserIDs: []int64{12, 13}}, []int64{2, 6}},
			{Filter{ChannelIDs: []int64{12}}, []int64{9}},
		} {
			q := suiteQuery(t, "deploy", nil)
			q.Sort, q.Filter.ChannelIDs, q.Filter.FromUserIDs = sort, c.fl.ChannelIDs, c.fl.FromUserIDs
			if got := sorted(hitIDs(mustSearch(t, f, q))); !slices.Equal(got, c.want) {
				t.Errorf("%s %+v = %v, want %v", sort, c.fl, got, c.want)
			}
		}
	}
}
