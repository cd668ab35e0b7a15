package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/bots"
	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/search"
)

// searchIDs runs a search as c and returns the ids of the messages found.
func (c *client) searchIDs(q string) []int64 {
	c.ts.t.Helper()
	var page channels.List[search.Result]
	c.mustJSON(http.StatusOK, "GET", "/api/v1/search?q="+url.QueryEscape(q), nil, &page)
	ids := []int64{}
	for _, r := range page.Items {
		ids = append(ids, r.Message.ID)
	}
	return ids
}

// waitIndexed waits until the indexer has caught up with the log.
func (ts *testServer) waitIndexed() {
	ts.t.Helper()
	poll(ts.t, 30*time.Second, "the search index to catch up", func() bool {
		st, err := ts.app.indexer.Status(context.Background())
		return err == nil && st.Lag == 0
	})
}

func TestSearch_FindsWhatWasPosted(t *testing.T) {
	ts := newTestServer(t)
	ana := ts.signup("ana")
	bea := ts.signup("bea")
	general := ana.createChannel("general", false)
	bea.join(general.ID)
	m := ana.post(general.ID, "deploy of api-gateway v1.2.3 failed with ERR_CONN_RESET", 0)
	other := bea.post(general.ID, "lunch at noon?", 0)
	ts.waitIndexed()

	for _, q := range []string{"gateway", "api-gateway", "v1.2.3", "conn", "ERR_CONN_RESET", "deplo*", `"failed with"`,
		"from:@ana deploy", "in:#general gateway", "gateway -lunch"} {
		if got := bea.searchIDs(q); !slices.Equal(got, []int64{m.ID}) {
			t.Errorf("search %q = %v, want [%d]", q, got, m.ID)
		}
	}
	if got := bea.searchIDs("from:@bea"); !slices.Equal(got, []int64{other.ID}) {
		t.Errorf("from:@bea = %v, want [%d]", got, other.ID)
	}

	// Highlights mark the matched word, as runs of plain text.
	var page channels.List[search.Result]
	bea.mustJSON(http.StatusOK, "GET", "/api/v1/search?q=gateway", nil, &page)
	if len(page.Items) != 1 || page.Items[0].Channel.ID != general.ID {
		t.Fatalf("results %+v", page.Items)
	}
	marked := false
	for _, h := range page.Items[0].Highlights {
		if h.Match && strings.Contains(strings.ToLower(h.Text), "gateway") {
			marked = true
		}
		if strings.ContainsAny(h.Text, search.MarkStart+search.MarkEnd) {
			t.Errorf("a marker leaked into the highlights: %q", h.Text)
		}
	}
	if !marked {
		t.Errorf("no highlighted run for gateway: %+v", page.Items[0].Highlights)
	}
}

func TestSearch_EditsAndDeletes(t *testing.T) {
	ts := newTestServer(t)
	ana := ts.signup("ana")
	ch := ana.createChannel("general", false)
	m := ana.post(ch.ID, "the quarterly numbers are in", 0)
	ts.waitIndexed()
	if got := ana.searchIDs("quarterly"); !slices.Equal(got, []int64{m.ID}) {
		t.Fatalf("before the edit: %v", got)
	}
	ana.mustJSON(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/messages/%d", m.ID), map[string]any{"text": "the yearly numbers are in"}, nil)
	ts.waitIndexed()
	if got := ana.searchIDs("quarterly"); len(got) != 0 {
		t.Errorf("old text still found after the edit: %v", got)
	}
	if got := ana.searchIDs("yearly"); !slices.Equal(got, []int64{m.ID}) {
		t.Errorf("new text not found after the edit: %v", got)
	}
	ana.mustJSON(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/messages/%d", m.ID), nil, nil)
	ts.waitIndexed()
	if got := ana.searchIDs("yearly"); len(got) != 0 {
		t.Errorf("deleted message still found: %v", got)
	}
}

// Private channels and DMs never show up in the searches of people who
// cannot read them, and a member removed from a channel stops finding its
// messages at once.
func TestSearch_PrivateNeverLeaks(t *testing.T) {
	ts := newTestServer(t)
	ana := ts.signup("ana")
	bob := ts.signup("bob")
	cat := ts.signup("cat")
	secret := ana.createChannel("secret", true)
	ana.addMember(secret.ID, bob.User.ID)
	inSecret := ana.post(secret.ID, "launch codes alpha", 0)
	dm := ana.openDM(bob.User.ID)
	inDM := ana.post(dm.ID, "launch pineapple", 0)
	public := ana.createChannel("general", false)
	inPublic := ana.post(public.ID, "launch party friday", 0)
	ts.waitIndexed()

	if got := cat.searchIDs("launch"); !slices.Equal(got, []int64{inPublic.ID}) {
		t.Errorf("a non-member finds %v, want only the public message %d", got, inPublic.ID)
	}
	for _, q := range []string{"codes", "pineapple", "alpha", "from:@ana codes", "has:reaction launch"} {
		if got := cat.searchIDs(q); len(got) != 0 {
			t.Errorf("non-member search %q found %v", q, got)
		}
	}
	// Naming the private channel does not reveal it either.
	wantError(t, cat.do("GET", "/api/v1/search?q="+url.QueryEscape("in:#secret launch"), nil), http.StatusBadRequest, "invalid_query")
	if got := cat.searchIDs("in:@ana launch"); len(got) != 0 {
		t.Errorf("in:@ana for someone without a DM with ana found %v", got)
	}

	got := bob.searchIDs("launch")
	slices.Sort(got)
	want := []int64{inSecret.ID, inDM.ID, inPublic.ID}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("a member finds %v, want %v", got, want)
	}
	if got := bob.searchIDs("in:@ana launch"); !slices.Equal(got, []int64{inDM.ID}) {
		t.Errorf("in:@ana for bob = %v, want the DM message %d", got, inDM.ID)
	}

	// Removed, bob stops finding the channel's messages at once: no
	// re-indexing needed, the permission is part of every query.
	ana.mustJSON(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/channels/%d/members/%d", secret.ID, bob.User.ID), nil, nil)
	if got := bob.searchIDs("codes"); len(got) != 0 {
		t.Errorf("a removed member still finds %v", got)
	}
}

func TestSearch_BadQueries(t *testing.T) {
	ts := newTestServer(t)
	ana := ts.signup("ana")
	for _, tc := range []struct {
		query, code, mentions string
	}{
		{"", "missing_query", ""},
		{"deploy before:2024-13-01", "invalid_query", "before:2024-13-01"},
		{"has:banana", "invalid_query", "has:banana"},
		{`"unclosed phrase`, "invalid_query", ""},
		{"from:@nobody", "invalid_query", "nobody"},
		{"in:#nowhere x", "invalid_query", "nowhere"},
		{strings.Repeat("x", search.MaxQueryRunes+1), "query_too_long", ""},
	} {
		res := ana.do("GET", "/api/v1/search?q="+url.QueryEscape(tc.query), nil)
		wantError(t, res, http.StatusBadRequest, tc.code)
		if tc.mentions != "" && !strings.Contains(string(res.Body), tc.mentions) {
			t.Errorf("query %q: the error does not name %q: %s", tc.query, tc.mentions, res.Body)
		}
	}
	wantError(t, ana.do("GET", "/api/v1/search?q=x&sort=best", nil), http.StatusBadRequest, "invalid_sort")
	wantError(t, ana.do("GET", "/api/v1/search?q=x&cursor=garbage", nil), http.StatusBadRequest, "invalid_cursor")
	wantError(t, ana.do("GET", "/api/v1/search?q=x&limit=0", nil), http.StatusBadRequest, "invalid_limit")

	// A bot needs search:read.
	bot, _ := ana.createBot("reader", "chat:write")
	wantError(t, bot.do("GET", "/api/v1/search?q=x", nil), http.StatusForbidden, "missing_scope")
}

func TestSearch_PagingAndSort(t *testing.T) {
	ts := newTestServer(t)
	ana := ts.signup("ana")
	ch := ana.createChannel("general", false)
	var ids []int64
	for i := range 7 {
		ids = append(ids, ana.post(ch.ID, fmt.Sprintf("status report %d", i), 0).ID)
	}
	ts.waitIndexed()
	var seen []int64
	cursor := ""
	for range 10 { // bounded
		var page channels.List[search.Result]
		ana.mustJSON(http.StatusOK, "GET", "/api/v1/search?sort=newest&limit=3&q=report&cursor="+url.QueryEscape(cursor), nil, &page)
		for _, r := range page.Items {
			seen = append(seen, r.Message.ID)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	want := slices.Clone(ids)
	slices.Reverse(want)
	if !slices.Equal(seen, want) {
		t.Fatalf("pages (newest first) = %v, want %v", seen, want)
	}
}

func TestSearch_CommandAndStatus(t *testing.T) {
	ts := newTestServer(t)
	ana := ts.signup("ana") // the first user: admin
	bea := ts.signup("bea")
	ch := ana.createChannel("general", false)
	ana.post(ch.ID, "the incident review is on thursday", 0)
	ts.waitIndexed()

	var res bots.CommandResult
	ana.mustJSON(http.StatusOK, "POST", fmt.Sprintf("/api/v1/channels/%d/commands", ch.ID), map[string]any{"text": "/search incident"}, &res)
	if !res.OK || len(res.Ephemeral) != 1 || !strings.Contains(res.Ephemeral[0].Text, "incident review") ||
		!strings.Contains(res.Ephemeral[0].Text, "#general") || len(res.Messages) != 0 {
		t.Fatalf("/search result %+v", res)
	}

	// The command may have logged events of its own: let the indexer pass
	// them before reading its status.
	ts.waitIndexed()
	var status struct {
		Search search.Status `json:"search"`
	}
	ana.mustJSON(http.StatusOK, "GET", "/api/v1/admin/status", nil, &status)
	if status.Search.Backend != "fts5" || status.Search.Lag != 0 || status.Search.Head == 0 || status.Search.LastError != "" {
		t.Fatalf("status %+v", status.Search)
	}
	wantError(t, bea.do("GET", "/api/v1/admin/status", nil), http.StatusForbidden, "admin_only")
	metrics := ts.scrapeMetrics()
	for _, want := range []string{"parley_search_index_lag_events 0", "parley_search_index_failing 0",
		"parley_search_indexed_documents_total 1", "parley_ws_connections 0", "parley_ws_slow_closed_total 0"} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// A Meilisearch that cannot be reached neither keeps the workspace from
// starting nor stops posting: searches answer 503 and the status says why.
func TestSearch_MeilisearchUnreachable(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	ts := newTestServer(t, func(c *Config) { c.MeiliURL = deadURL })
	ana := ts.signup("ana")
	ch := ana.createChannel("general", false)
	ana.post(ch.ID, "still posting", 0)
	wantError(t, ana.do("GET", "/api/v1/search?q=posting", nil), http.StatusServiceUnavailable, "search_unavailable")
	waitFor(t, "the indexing failure in the status", func() bool {
		var status struct {
			Search search.Status `json:"search"`
		}
		ana.mustJSON(http.StatusOK, "GET", "/api/v1/admin/status", nil, &status)
		return status.Search.Backend == "meilisearch" && status.Search.LastError != "" && status.Search.Lag > 0
	})
}

func TestCLI_Reindex(t *testing.T) {
	dir := t.TempDir()
	ts := newTestServer(t, func(c *Config) { c.DataDir = dir })
	ana := ts.signup("ana")
	ch := ana.createChannel("general", false)
	for i := range 3 {
		ana.post(ch.ID, fmt.Sprintf("rebuild me %d", i), 0)
	}
	ts.waitIndexed()
	var stdout, stderr strings.Builder
	if err := run(t.Context(), []string{"reindex", "--data-dir", dir}, strings.NewReader(""), &stdout, &stderr); err != nil {
		t.Fatalf("reindex: %v; stderr: %s", err, stderr.String())
	}
	if got := stdout.String(); got != "reindexed 3 messages into fts5\n" {
		t.Fatalf("stdout %q", got)
	}
	if got := ana.searchIDs("rebuild"); len(got) != 3 {
		t.Fatalf("after reindexing while serving: %v", got)
	}
}
