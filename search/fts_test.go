package search

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/channels/channelstest"
	"github.com/parley-chat/parley/channels/sqlite"
)

// openTestDB opens a real SQLite file with the core's and search's
// migrations applied.
func openTestDB(t *testing.T) *sqlite.DB {
	t.Helper()
	return openTestWorkspace(t).DB
}

// openTestWorkspace is the core over a database with the core's and
// search's migrations applied.
func openTestWorkspace(t *testing.T) *channelstest.Workspace {
	t.Helper()
	return channelstest.Open(t, []channelstest.Migrations{{Component: "search", Files: Migrations()}})
}

func openTestFTS(t *testing.T) *FTS {
	t.Helper()
	f, err := NewFTS(openTestDB(t))
	if err != nil {
		t.Fatal(err)
	}
	f.now = func() time.Time { return suiteNow }
	return f
}

func TestFTS_Suite(t *testing.T) {
	runIndexSuite(t, func(t *testing.T) Index { return openTestFTS(t) })
}

func TestNewFTS(t *testing.T) {
	t.Run("refuses a database without the search tables", func(t *testing.T) {
		db, err := sqlite.OpenDB(filepath.Join(t.TempDir(), "parley.db"), "normal")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := NewFTS(db); err == nil {
			t.Fatal("NewFTS on an empty database: want an error")
		}
	})
}

func TestFTS_Ranking(t *testing.T) {
	ctx := context.Background()
	f := openTestFTS(t)
	doc := func(id int64, at, text string) Document {
		return Document{ID: id, ChannelID: 1, ChannelPublic: true, UserID: 1, Text: text, CreatedAt: day(at)}
	}
	err := f.Upsert(ctx, []Document{
		doc(1, "2024-06-30 12:00", "a long message that mentions the deploy once among many other words about lunch and weather"),
		doc(2, "2024-06-29 12:00", "deploy deploy deploy"),
		doc(3, "2020-01-01 12:00", "deploy deploy deploy"),
		doc(4, "2024-06-30 12:00", "the build_id is here"),
		doc(5, "2024-06-30 13:00", "build id, written apart"),
		doc(6, "2024-06-30 13:00", "build something with an id"),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the strongest match first, the newer of equals first", func(t *testing.T) {
		got := hitIDs(mustSearch(t, f, suiteQuery(t, "deploy", nil)))
		if len(got) != 3 || got[0] != 2 || got[1] != 3 || got[2] != 1 {
			t.Errorf("deploy = %v, want [2 3 1]", got)
		}
	})
	t.Run("a whole identifier before its parts", func(t *testing.T) {
		got := hitIDs(mustSearch(t, f, suiteQuery(t, "build_id", nil)))
		if len(got) != 2 || got[0] != 4 || got[1] != 5 {
			t.Errorf("build_id = %v, want [4 5]", got)
		}
		got = hitIDs(mustSearch(t, f, suiteQuery(t, "build id", nil)))
		if len(got) != 3 {
			t.Errorf("build id = %v, want 4, 5 and 6", got)
		}
	})
}

func TestCompileMatch(t *testing.T) {
	for _, c := range []struct {
		terms         []Term
		match, exclde string
	}{
		{[]Term{{Text: "hello"}}, `body:"hello"`, ""},
		{[]Term{{Text: `say "hi" OR NEAR(x)`, Phrase: true}}, `body:"say ""hi"" OR NEAR(x)"`, ""},
		{[]Term{{Text: "build_id"}}, "(body:\"build_id\" OR idents:\"build\uE010id\")", ""},
		{[]Term{{Text: "dep", Prefix: true}, {Text: "x", Negated: true}}, `(body:"dep"*) NOT (body:"x")`, ""},
		{[]Term{{Text: "a", Negated: true}, {Text: "b", Negated: true}}, "", `body:"a" OR body:"b"`},
		{[]Term{{Text: "東京"}}, "body:\"東\u200b京\"", ""},
		{[]Term{{Text: "***"}}, "", ""},
	} {
		m, e := compileMatch(c.terms)
		if m != c.match || e != c.exclde {
			t.Errorf("compileMatch(%+v) = %q, %q; want %q, %q", c.terms, m, e, c.match, c.exclde)
		}
	}
}

func TestIdentifiers(t *testing.T) {
	for in, want := range map[string]string{
		"plain words only":             "",
		"see build_id.":                "build\uE010id",
		"v1.2.3 and api-gateway":       "v1\uE0122\uE0123 api\uE011gateway",
		"--flag -x":                    "",
		"path src/app/main.go, ok":     "src\uE013app\uE013main\uE012go",
		"https://example.com/docs?q=1": "https\uE014\uE013\uE013example\uE012com\uE013docs",
	} {
		if got := identifiers(in); got != want {
			t.Errorf("identifiers(%q) = %q, want %q", in, got, want)
		}
	}
	if got := strings.Count(cjkSpaced("東京 tower"), "\u200b"); got != 1 {
		t.Errorf("cjkSpaced: %d zero-width spaces, want 1", got)
	}
}
